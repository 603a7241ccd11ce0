// How far an export got, told at most PROGRESS_INTERVAL_MS apart (a front end redraws a bar,
// not a log), and where it stops when cancelled: every exporter calls `step` between pieces.

import { ERROR_CODES, UserError } from '../../shared/errors'
import type { OperationProgress } from '../../shared/events'

/** About ten reports a second. */
export const PROGRESS_INTERVAL_MS = 100

export class ExportProgress {
  private done = 0
  private last = 0

  constructor(
    private readonly of: number,
    private readonly report?: (p: Omit<OperationProgress, 'operation'>) => void,
    private readonly signal?: AbortSignal,
    private readonly now: () => number = Date.now
  ) {}

  /** `units` more are done; throws when the export was cancelled. */
  step(units: number): void {
    this.done += units
    this.checkCancelled()
    if (this.report === undefined) return
    const t = this.now()
    if (t - this.last < PROGRESS_INTERVAL_MS) return
    this.last = t
    this.report({ done: Math.min(this.done, this.of), of: this.of })
  }

  checkCancelled(): void {
    if (this.signal?.aborted) throw new UserError('the export was cancelled', ERROR_CODES.ECANCELED)
  }

  /** The last word: all of it. */
  finish(): void {
    this.report?.({ done: this.of, of: this.of })
  }
}
