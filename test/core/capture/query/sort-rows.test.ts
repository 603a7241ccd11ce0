// A list's rows in the order of a key, stable, whichever way its keys come: already in
// order (a list by id, answered without sorting), reversed, shuffled, with ties, as text.
import { describe, expect, it } from 'vitest'
import { sortRowsBy } from '../../../../src/core/capture/query/sort-rows'

/** What sortRowsBy must give: rows by key, ties in row order, in either direction. */
function reference(rows: number[], keyOf: (row: number) => number | string, descending: boolean): number[] {
  const dir = descending ? -1 : 1
  return rows
    .map((row, i) => ({ row, i, k: keyOf(row) }))
    .sort((a, b) => {
      const c = typeof a.k === 'number' ? a.k - (b.k as number) : a.k < b.k ? -1 : a.k > b.k ? 1 : 0
      return c !== 0 ? c * dir : a.i - b.i
    })
    .map((e) => e.row)
}

describe('rows sorted by a key', () => {
  let seed = 7
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  const shapes: Record<string, (n: number) => number[]> = {
    'in order': (n) => Array.from({ length: n }, (_, i) => i * 3),
    'in order with ties': (n) => Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
    reversed: (n) => Array.from({ length: n }, (_, i) => n - i),
    'reversed with ties': (n) => Array.from({ length: n }, (_, i) => Math.floor((n - i) / 3)),
    shuffled: (n) => Array.from({ length: n }, () => random(50)),
    'in order but the last': (n) => Array.from({ length: n }, (_, i) => (i === n - 1 ? -1 : i)),
    negative: (n) => Array.from({ length: n }, (_, i) => -i * 2 + random(3)),
    fractions: (n) => Array.from({ length: n }, (_, i) => i + 0.5)
  }

  for (const [shape, keysOf] of Object.entries(shapes)) {
    it(`orders keys ${shape}, ascending and descending, ties in row order`, () => {
      for (const n of [0, 1, 2, 5, 100, 1000]) {
        const keys = keysOf(n)
        // Rows as a filter leaves them: in row order, some left out.
        const rows = Array.from({ length: n }, (_, i) => i * 2 + 1)
        const keyOf = (row: number): number => keys[(row - 1) / 2]
        for (const descending of [false, true]) {
          const got = Array.from(sortRowsBy(Uint32Array.from(rows), keyOf, descending))
          expect(got, `${shape}, ${n} rows, ${descending ? 'descending' : 'ascending'}`).toEqual(reference(rows, keyOf, descending))
        }
      }
    })
  }

  it('orders text keys, and gives a list of its own, not a view of what it was given', () => {
    const words = ['b', 'a', 'c', 'a', 'b']
    const rows = Uint32Array.from([0, 1, 2, 3, 4])
    expect(Array.from(sortRowsBy(rows, (r) => words[r], false))).toEqual([1, 3, 0, 4, 2])
    expect(Array.from(sortRowsBy(rows, (r) => words[r], true))).toEqual([2, 0, 4, 1, 3])
    const sorted = sortRowsBy(rows, (r) => r, false)
    expect(Array.from(sorted)).toEqual([0, 1, 2, 3, 4])
    sorted[0] = 9
    expect(rows[0]).toBe(0)
  })
})
