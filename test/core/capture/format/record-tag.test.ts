// A record's tag says, in one number, whether it is data, which way and where its chunk
// starts in its stream; both indexes (in memory and stored) read chunks from tags the same way.
import { describe, expect, it } from 'vitest'
import { RECORD_HEADER_SIZE } from '../../../../src/core/capture/format/capture-format'
import { addChunks, dataTag, emptyChunkLists, gapTag, LOOK_AHEAD, NOT_DATA, SHORT_ROW_RECORDS, SHORT_ROWS_KEPT, streamPlace, TaggedRecords, tagDirection, tagStreamOffset } from '../../../../src/core/capture/format/record-tag'
import { gapInfoOf } from '../../../../src/core/capture/format/record-payloads'

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

  it('carry a gap\'s direction and stream offset, apart from data: readers of data pass a gap by as an event', () => {
    for (const [dir, offset] of [['client', 0], ['server', 0], ['client', 12345], ['server', 2 ** 40]] as const) {
      const tag = gapTag(dir, offset)
      expect(tag).toBeLessThan(NOT_DATA)
      expect([tagDirection(tag), tagStreamOffset(tag)]).toEqual([undefined, -1])
      expect(streamPlace(tag)).toEqual({ dir, offset, gap: true })
      expect(streamPlace(dataTag(dir, offset))).toEqual({ dir, offset, gap: false })
    }
    expect(streamPlace(NOT_DATA)).toBeUndefined()
  })

  it('list a gap among the chunks, so the chunk before it ends where the gap begins', () => {
    // client 0..5 kept, 5..1005 not kept, 1005.. kept
    const records: Array<[number, number]> = [[16, NOT_DATA], [56, dataTag('client', 0)], [101, gapTag('client', 5)], [170, dataTag('client', 1005)]]
    const lists = emptyChunkLists()
    addChunks(lists, 0, records.length, (i, part) => records[i][part])
    const c = lists.client
    expect(Array.from({ length: c.length }, (_, i) => [c.file(i), c.stream(i), c.isGap(i)])).toEqual([
      [56 + RECORD_HEADER_SIZE, 0, false],
      [101 + RECORD_HEADER_SIZE, 5, true],
      [170 + RECORD_HEADER_SIZE, 1005, false]
    ])
    expect(c.byStreamOffset(500)).toBe(1)
  })
})

describe('gap payloads', () => {
  it('are two whole numbers, the size above 0; anything else from a file is refused', () => {
    expect(gapInfoOf({ offset: 5, bytes: 1000 })).toEqual({ offset: 5, bytes: 1000 })
    expect(gapInfoOf({ offset: 5, bytes: 1000, extra: 'x' })).toEqual({ offset: 5, bytes: 1000 })
    for (const bad of [undefined, null, 'x', {}, { offset: -1, bytes: 1 }, { offset: 0, bytes: 0 }, { offset: 0.5, bytes: 1 }, { offset: 0, bytes: '1' }, { offset: 0, bytes: 2 ** 60 }]) {
      expect(gapInfoOf(bad)).toBeUndefined()
    }
  })
})

/** One connection's records as an index keeps them, growing, and cut short when asked. */
class Records extends TaggedRecords {
  readonly pairs: Array<[number, number]> = []
  protected record(_row: number, i: number, part: 0 | 1): number {
    return this.pairs[i][part]
  }
  recordCount(): number {
    return this.pairs.length
  }
  cut(n: number): void {
    this.pairs.length = n
    this.forgetChunks(0)
  }
}

describe('tagged records', () => {
  it('answer each record\'s place, direction and stream offset, and keep chunk lists up to date as records come and go', () => {
    const r = new Records()
    r.pairs.push([16, NOT_DATA], [56, dataTag('server', 0)])
    expect([r.recordOffset(0, 1), r.recordDirection(0, 1), r.streamOffset(0, 1), r.recordDirection(0, 0), r.streamOffset(0, 0)]).toEqual([56, 'server', 0, undefined, -1])
    expect(r.chunks(0, 'server').length).toBe(1)
    r.pairs.push([100, dataTag('server', 7)])
    expect(r.chunks(0, 'server').length).toBe(2)
    expect(r.chunks(0, 'server').stream(1)).toBe(7)
    r.cut(1)
    expect(r.chunks(0, 'server').length).toBe(0)
  })
})

/** Many connections' records, each row's own: row r has `sizes[r]` records, a client chunk each. */
class Rows extends TaggedRecords {
  builds = 0
  constructor(private readonly sizes: number[]) {
    super()
  }
  protected record(row: number, i: number, part: 0 | 1): number {
    if (part === 0 && i === 0) this.builds++
    return part === 0 ? 1000 * row + 100 * i : dataTag('client', 10 * i)
  }
  recordCount(row: number): number {
    return this.sizes[row]
  }
}

const listed = (c: { length: number; file(i: number): number; stream(i: number): number }) => Array.from({ length: c.length }, (_, i) => [c.file(i), c.stream(i)])

describe('tagged records: the chunk lists kept', () => {
  it('keep a short connection\'s for the last rows asked for, and build them again, the same, once others took their place', () => {
    const r = new Rows(Array.from({ length: SHORT_ROWS_KEPT + 2 }, () => 3))
    const first = r.chunks(0, 'client')
    expect(listed(first)).toEqual([0, 100, 200].map((at, i) => [at + RECORD_HEADER_SIZE, 10 * i]))
    expect(r.chunks(0, 'client')).toBe(first)
    for (let row = 1; row <= SHORT_ROWS_KEPT; row++) r.chunks(row, 'client')
    // Row 0 was the least lately asked for of SHORT_ROWS_KEPT + 1: its lists went.
    const builds = r.builds
    const again = r.chunks(0, 'client')
    expect(again).not.toBe(first)
    expect(listed(again)).toEqual(listed(first))
    expect(r.builds).toBe(builds + 1)
    // Asked for again, a row is the latest: row 1 goes before it.
    const one = r.chunks(1, 'client')
    r.chunks(SHORT_ROWS_KEPT + 1, 'client')
    expect(r.chunks(0, 'client')).toBe(again)
    expect(r.chunks(1, 'client')).toBe(one)
  })

  it('keep a long connection\'s however many others are asked for: building them again would cost more than they take', () => {
    const r = new Rows([SHORT_ROW_RECORDS + 1, ...Array.from({ length: 3 * SHORT_ROWS_KEPT }, () => 2)])
    const long = r.chunks(0, 'client')
    for (let row = 1; row <= 3 * SHORT_ROWS_KEPT; row++) r.chunks(row, 'client')
    expect(r.chunks(0, 'client')).toBe(long)
    expect(long.length).toBe(SHORT_ROW_RECORDS + 1)
  })
})

describe('tagged records: where a chunk ends', () => {
  /** The end the chunk lists give: the next entry's stream offset in its direction, undefined for the last. */
  const byLists = (r: Records, i: number, dir: 'client' | 'server'): number | undefined => {
    const c = r.chunks(0, dir)
    for (let k = 0; k < c.length; k++) if (c.file(k) === r.recordOffset(0, i) + RECORD_HEADER_SIZE) return k + 1 < c.length ? c.stream(k + 1) : undefined
    throw new Error(`record ${i} is in no chunk list`)
  }

  it('is the next data or gap record of its direction, short or long, whatever lies between', () => {
    let seed = 7
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    for (const count of [1, 2, 5, SHORT_ROW_RECORDS, SHORT_ROW_RECORDS + 1, 4 * SHORT_ROW_RECORDS]) {
      for (let round = 0; round < 20; round++) {
        const r = new Records()
        const streams = { client: 0, server: 0 }
        let at = 16
        for (let i = 0; i < count; i++) {
          const kind = random(5)
          const dir = random(2) === 0 ? 'client' : 'server'
          // Data (most), a gap, or an event (a FIN, a mark).
          const tag = kind <= 2 ? dataTag(dir, streams[dir]) : kind === 3 ? gapTag(dir, streams[dir]) : NOT_DATA
          if (kind <= 3) streams[dir] += 1 + random(100)
          r.pairs.push([at, tag])
          at += RECORD_HEADER_SIZE + 1 + random(200)
        }
        r.pairs.forEach(([, tag], i) => {
          const dir = tagDirection(tag)
          if (dir !== undefined) expect(r.chunkEnd(0, i, dir)).toBe(byLists(r, i, dir))
        })
      }
    }
  })

  it('of a long connection is found in its chunk lists when the next of its direction lies far on', () => {
    const r = new Records()
    const far = 3 * LOOK_AHEAD
    for (let i = 0; i < SHORT_ROW_RECORDS + far; i++) r.pairs.push([16 + 100 * i, i === 0 || i === far ? dataTag('server', i) : dataTag('client', i)])
    expect([r.chunkEnd(0, 0, 'server'), r.chunkEnd(0, far, 'server'), r.chunkEnd(0, 1, 'client')]).toEqual([far, undefined, 2])
  })

  it('of a short connection is found without building its chunk lists', () => {
    const r = new Rows([3])
    expect([r.chunkEnd(0, 0, 'client'), r.chunkEnd(0, 1, 'client'), r.chunkEnd(0, 2, 'client')]).toEqual([10, 20, undefined])
    // Rows counts a build by its first record's file offset being read: chunkEnd reads tags only.
    expect(r.builds).toBe(0)
  })
})
