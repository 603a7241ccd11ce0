// A batch's feed ops in columns (feed-ops.ts): as many as a batch holds, every field read back
// as pushed, and the same read in place from the numbers as they cross to a worker.
import { describe, expect, it } from 'vitest'
import { FeedOps, OP_FIELDS } from '../../../src/core/decode/feed-ops'
import { END_OP, GAP_OP } from '../../../src/core/decode/decoder-set'
import { opsList, type Op } from './feed-ops-of'

describe('feed ops in columns', () => {
  it('hold a full batch of every kind, read back as pushed, and read in place from their numbers', () => {
    const pushed: Required<Op>[] = []
    for (let k = 0; k < 1024; k++) {
      const dir = k % 3 === 0 ? 'server' : 'client'
      const kind = k % 50
      pushed.push({
        dir,
        at: k * 300,
        len: kind === 7 ? END_OP : kind === 8 ? GAP_OP : 300,
        offset: 2 ** 40 + k,
        time: 1_790_000_000_000.25 + k,
        answered: kind === 9,
        renumber: kind === 10
      })
    }
    const ops = new FeedOps()
    for (const o of pushed) ops.push(o.dir, o.at, o.len, o.offset, o.time, o.answered, o.renumber)
    expect(ops.length).toBe(1024)
    expect(opsList(ops)).toEqual(pushed)
    // As they cross: copied into a message's numbers, read there in place.
    const numbers = Float64Array.from(ops.numbers())
    expect(numbers.length).toBe(1024 * OP_FIELDS)
    expect(opsList(FeedOps.over(numbers))).toEqual(pushed)
    const some = FeedOps.over(numbers.subarray(10 * OP_FIELDS, 12 * OP_FIELDS))
    expect(opsList(some)).toEqual(pushed.slice(10, 12))
    expect(() => some.push('client', 0, 1, 0, 0)).toThrow(/take no more/)
    expect(new FeedOps().length).toBe(0)
  })
})
