// Two byte windows laid out as 16-byte hex rows: aligned by offset from where the windows
// start, the differing bytes marked (one side shorter: the bytes it lacks differ), a row's
// runs cut only where the look changes, and the rows bounded.
import { describe, expect, it } from 'vitest'
import { byteRowRuns, hexDiffRows, MAX_DIFF_ROWS } from '../../../../../src/renderer/src/features/replay/diff/hex-diff-rows'

describe('hex diff rows', () => {
  it('align the two windows by offset, marking the bytes that differ or that one side lacks', () => {
    const recorded = new Uint8Array(40).map((_, i) => i)
    const replayed = recorded.slice(0, 36)
    replayed[17] = 0xff
    const { rows, cut } = hexDiffRows(recorded, replayed, 0x40)
    expect(cut).toBe(false)
    expect(rows.map((r) => r.offset)).toEqual([0x40, 0x50, 0x60])
    expect(rows[0].differs.every((x) => !x)).toBe(true)
    expect(rows[1].differs.map((x, i) => (x ? i : -1)).filter((i) => i >= 0)).toEqual([1])
    expect(rows[2].replayed).toEqual([32, 33, 34, 35, undefined, undefined, undefined, undefined])
    expect(rows[2].differs).toEqual([false, false, false, false, true, true, true, true])
  })

  it('cut a row into runs only where its look changes: a row that differs throughout is one run', () => {
    const { rows } = hexDiffRows(new Uint8Array(16).fill(1), new Uint8Array(16).fill(2))
    const runs = byteRowRuns(rows[0], 'replayed')
    expect(runs.hex.filter((r) => r.differs)).toHaveLength(1)
    expect(runs.hex.map((r) => r.text).join('')).toBe('02 02 02 02 02 02 02 02  02 02 02 02 02 02 02 02')
    const short = byteRowRuns(hexDiffRows(new Uint8Array([0x41, 0x42]), new Uint8Array([0x41]), 0).rows[0], 'replayed')
    expect(short.hex.map((r) => [r.text, r.absent])).toEqual([
      ['41 ', false],
      ['··', true],
      [' '.repeat(14 * 3 + 1), false]
    ])
  })

  it('stop at a bound, and say so', () => {
    const big = new Uint8Array(MAX_DIFF_ROWS * 16 + 100)
    const other = big.slice()
    other[big.length - 1] = 1
    const { rows, cut } = hexDiffRows(big, other)
    expect(rows).toHaveLength(MAX_DIFF_ROWS)
    expect(cut).toBe(true)
  })
})
