// A record's tag says, in one number, whether it is data, which way and where its chunk
// starts in its stream; both indexes (in memory and stored) read chunks from tags the same way.
import { describe, expect, it } from 'vitest'
import { RECORD_HEADER_SIZE } from '../../../src/core/capture/format'
import { addChunks, dataTag, emptyChunkLists, NOT_DATA, tagDirection, tagStreamOffset } from '../../../src/core/capture/record-tag'

describe('record tags', () => {
  it('carry a data record\'s direction and stream offset, and nothing for other records', () => {
    for (const [dir, offset] of [['client', 0], ['server', 0], ['client', 12345], ['server', 2 ** 40]] as const) {
      const tag = dataTag(dir, offset)
      expect([tagDirection(tag), tagStreamOffset(tag)]).toEqual([dir, offset])
    }
    expect([tagDirection(NOT_DATA), tagStreamOffset(NOT_DATA)]).toEqual([undefined, -1])
  })

  it('list each direction\'s chunks, their payloads past the record header, from any record on', () => {
    // open, client 0..5, server 0..3, a FIN, client 5..
    const records: Array<[number, number]> = [[16, NOT_DATA], [56, dataTag('client', 0)], [101, dataTag('server', 0)], [144, NOT_DATA], [184, dataTag('client', 5)]]
    const lists = emptyChunkLists()
    const record = (i: number, part: 0 | 1): number => records[i][part]
    addChunks(lists, 0, 3, record)
    addChunks(lists, 3, records.length, record)
    const chunks = (dir: 'client' | 'server') => Array.from({ length: lists[dir].length }, (_, i) => [lists[dir].file(i), lists[dir].stream(i)])
    expect(chunks('client')).toEqual([[56 + RECORD_HEADER_SIZE, 0], [184 + RECORD_HEADER_SIZE, 5]])
    expect(chunks('server')).toEqual([[101 + RECORD_HEADER_SIZE, 0]])
  })
})
