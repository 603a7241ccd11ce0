// Keys for a virtual list's rows: rows that stay keep theirs, rows that come take those of
// rows that left, and no more keys are made than rows were shown at once.
import { describe, expect, it } from 'vitest'
import { recycledKeys } from '../../../../src/renderer/src/ui/grid/recycled-keys'

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

describe('recycled keys', () => {
  it('keeps the keys of rows that stay, and gives rows that come the keys of rows that left', () => {
    const keys = recycledKeys()
    const first = keys(range(0, 5))
    expect(first).toEqual([0, 1, 2, 3, 4])
    const next = keys(range(2, 7))
    expect(next.slice(0, 3)).toEqual([2, 3, 4])
    expect(new Set(next.slice(3))).toEqual(new Set([0, 1]))
  })

  it('never has two rows with one key, and makes no more keys than rows shown at once', () => {
    const keys = recycledKeys()
    let from = 0
    for (let step = 0; step < 500; step++) {
      from = Math.max(0, from + ((step * 7919) % 23) - 9)
      const count = 5 + ((step * 31) % 4)
      const ks = keys(range(from, from + count))
      expect(new Set(ks).size).toBe(count)
      expect(Math.max(...ks)).toBeLessThan(8)
    }
  })

  it('after a jump, reuses every key', () => {
    const keys = recycledKeys()
    keys(range(0, 4))
    expect(new Set(keys(range(1000, 1004)))).toEqual(new Set([0, 1, 2, 3]))
  })
})
