// Reads covering many small ranges of a connection (shared/read-spans.ts): a direction's
// touching ranges share a read up to the span's bound, reads go a group at a time within the
// budget, and every range gets exactly its own bytes, however the ranges lie.
import { describe, expect, it } from 'vitest'
import type { Direction } from '../../src/shared/capture-types'
import { readGroups, readRanges, readSpans, type DirRange } from '../../src/shared/read-spans'
import { seeded } from '../helpers/seeded'

const r = (dir: Direction, offset: number, length: number): DirRange => ({ dir, offset, length })

describe('reads of many small ranges', () => {
  it("joins a direction's touching ranges, whatever the other direction does between them", () => {
    // A pipelining client: four commands, their four replies, four more commands.
    const ranges = [r('client', 0, 10), r('client', 10, 10), r('client', 20, 5), r('client', 25, 5), r('server', 0, 3), r('server', 3, 3), r('server', 6, 3), r('server', 9, 3), r('client', 30, 10), r('client', 40, 10)]
    expect(readSpans(ranges, 1000)).toEqual([
      { dir: 'client', start: 0, end: 50, ranges: [0, 1, 2, 3, 8, 9] },
      { dir: 'server', start: 0, end: 12, ranges: [4, 5, 6, 7] }
    ])
  })

  it('starts a read of its own at a range that does not touch the last, and at the span bound', () => {
    // A message cut short (10 of its 30 bytes asked for) leaves bytes no range wants: never read.
    expect(readSpans([r('client', 0, 10), r('client', 30, 5), r('client', 35, 5)], 1000).map((s) => [s.start, s.end])).toEqual([
      [0, 10],
      [30, 40]
    ])
    // Overlapping or going back: apart too.
    expect(readSpans([r('server', 10, 10), r('server', 15, 10), r('server', 0, 5)], 1000).map((s) => [s.start, s.end])).toEqual([
      [10, 20],
      [15, 25],
      [0, 5]
    ])
    // At most 16 bytes a read, but a longer range is read whole, alone.
    expect(readSpans([r('client', 0, 8), r('client', 8, 8), r('client', 16, 8), r('client', 24, 40), r('client', 64, 4)], 16).map((s) => [s.start, s.end])).toEqual([
      [0, 16],
      [16, 24],
      [24, 64],
      [64, 68]
    ])
  })

  it('with a gap, joins ranges of a direction that far apart at most, in order only', () => {
    // Bodies a head apart: 10 bytes between each, then 50.
    const ranges = [r('server', 0, 20), r('server', 30, 20), r('client', 5, 5), r('server', 60, 10), r('server', 120, 10), r('server', 100, 5)]
    expect(readSpans(ranges, 1000, 10).map((s) => [s.dir, s.start, s.end, s.ranges])).toEqual([
      ['server', 0, 70, [0, 1, 3]],
      ['client', 5, 10, [2]],
      ['server', 120, 130, [4]],
      ['server', 100, 105, [5]]
    ])
    // The bound holds whatever the gap.
    expect(readSpans(ranges, 50, 10).map((s) => [s.start, s.end])).toEqual([
      [0, 50],
      [5, 10],
      [60, 70],
      [120, 130],
      [100, 105]
    ])
  })

  it('groups reads within the budget, a read larger than it alone', () => {
    const spans = readSpans([r('client', 0, 6), r('server', 0, 6), r('client', 100, 20), r('server', 50, 3), r('client', 200, 4)], 1000)
    expect(readGroups(spans, 12).map((g) => g.map((s) => s.end - s.start))).toEqual([[6, 6], [20], [3, 4]])
    expect(readGroups([], 12)).toEqual([])
  })

  it('gives each range its own bytes, fewer where the stream ends, with reads never past the bound or the budget', async () => {
    const rand = seeded(Number(process.env.FUZZ_SEED ?? 0x5ba7))
    for (let round = 0; round < 300; round++) {
      const streams = { client: new Uint8Array(4000).map(() => (rand() * 256) | 0), server: new Uint8Array(3000).map(() => (rand() * 256) | 0) }
      const at = { client: 0, server: 0 }
      const ranges: DirRange[] = []
      for (let n = 1 + Math.floor(rand() * 60); n > 0; n--) {
        const dir: Direction = rand() < 0.5 ? 'client' : 'server'
        // Mostly messages one after another; now and then a jump ahead, back, or past the end.
        const jump = rand()
        if (jump < 0.1) at[dir] += Math.floor(rand() * 100)
        else if (jump < 0.15) at[dir] = Math.floor(rand() * at[dir])
        const length = Math.floor(rand() * 120)
        ranges.push(r(dir, at[dir], length))
        at[dir] += length
      }
      // Half the rounds join ranges up to `gap` apart too (the bytes between are read, not given).
      const limits = { maxSpan: 1 + Math.floor(rand() * 400), budget: 1 + Math.floor(rand() * 800), gap: rand() < 0.5 ? 0 : Math.floor(rand() * 200) }
      let inFlight = 0
      const read = async (dir: Direction, offset: number, length: number): Promise<Uint8Array> => {
        expect(length <= limits.maxSpan || ranges.some((x) => x.dir === dir && x.offset === offset && x.length === length)).toBe(true)
        inFlight += length
        expect(inFlight <= limits.budget || inFlight === length).toBe(true)
        await new Promise((resolve) => setImmediate(resolve))
        inFlight -= length
        return streams[dir].slice(offset, offset + length)
      }
      const got = new Map<number, Uint8Array>()
      await readRanges(ranges, read, (k, bytes) => got.set(k, Uint8Array.from(bytes)), limits)
      expect(got.size).toBe(ranges.length)
      ranges.forEach((x, k) => expect(got.get(k)).toEqual(streams[x.dir].slice(x.offset, x.offset + x.length)))
    }
  })
})
