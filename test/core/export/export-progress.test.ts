// Export progress: told at most every PROGRESS_INTERVAL_MS, all of it at the end, and a
// cancelled export stops at its next piece.
import { describe, expect, it } from 'vitest'
import { ExportProgress, PROGRESS_INTERVAL_MS } from '../../../src/core/export/export-progress'

describe('export progress', () => {
  it('reports at most every PROGRESS_INTERVAL_MS, then the whole at the end', () => {
    let now = 1_000_000
    const reports: Array<{ done: number; of: number }> = []
    const p = new ExportProgress(100, (r) => reports.push(r), undefined, () => now)
    p.step(10)
    p.step(10)
    now += PROGRESS_INTERVAL_MS - 1
    p.step(10)
    now += 1
    p.step(10)
    p.finish()
    expect(reports).toEqual([
      { done: 10, of: 100 },
      { done: 40, of: 100 },
      { done: 100, of: 100 }
    ])
  })

  it('throws a cancellation at the next step once its signal is aborted', () => {
    const abort = new AbortController()
    const p = new ExportProgress(10, undefined, abort.signal)
    p.step(1)
    abort.abort()
    expect(() => p.step(1)).toThrow(expect.objectContaining({ code: 'ECANCELED', message: 'the export was cancelled' }))
  })
})
