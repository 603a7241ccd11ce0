// Find's "k of N": every match as find-next would find it, reading a big stream about once.
import { describe, expect, it } from 'vitest'
import { listMatches } from '../../../../src/core/capture/query/match-count'

function over(stream: Buffer) {
  const reads: number[] = []
  const read = async (_id: number, _dir: 'client' | 'server', offset: number, length: number) => {
    reads.push(length)
    return stream.subarray(offset, offset + length)
  }
  return { reads, list: (value: string, kind: 'text' | 'regex' = 'text') => listMatches(read, 1, 'client', stream.length, [[0, stream.length]], { kind, value }) }
}

describe('listMatches', () => {
  it('finds matches one byte after the last, overlapping ones too, as find-next does', async () => {
    const { list } = over(Buffer.from('aaaa PING ping PING'))
    expect(await list('aa')).toEqual({ offsets: [0, 1, 2], complete: true, total: 19 })
    expect((await list('PING')).offsets).toEqual([5, 15])
    expect((await list('p.ng', 'regex')).offsets).toEqual([10])
  })

  it('reads a stream of many matches about once', async () => {
    const stream = Buffer.alloc(20 * 1024 * 1024, 'x')
    for (let at = 1000; at < stream.length; at += 100_000) stream.write('NEEDLE', at)
    const { reads, list } = over(stream)
    const found = await list('NEEDLE')
    expect(found.offsets.length).toBe(Math.ceil((stream.length - 1000) / 100_000))
    expect(reads.reduce((a, b) => a + b, 0)).toBeLessThan(stream.length * 3)
  })
})
