// What both capture writers track the same way: how far the file is written (and who
// waits for that), the first write error, and when to ask producers to pause.

import type { WriterPace } from '../../../shared/capture-types'
import type { WriterHooks } from './record-writer'

const nowMs = (): number => performance.now()

interface Waiter {
  offset: number
  resolve: () => void
  reject: (err: Error) => void
}

export class WriteProgress {
  private waiters: Waiter[] = []
  private paused = false
  failure: NodeJS.ErrnoException | undefined
  // The pace (see WriterPace): times at the transitions only, nothing per record.
  private readonly startedAt = nowMs()
  private busyMs = 0
  private busySince: number | undefined
  private behindMs = 0
  private behindSince: number | undefined

  constructor(
    /** File offset up to which everything is written. */
    public written: number,
    private readonly hooks: WriterHooks,
    private readonly highWater: number,
    private readonly lowWater: number
  ) {}

  get waiting(): boolean {
    return this.waiters.length > 0
  }

  /** Producers are asked to pause: nothing more comes until the writer writes. */
  get holding(): boolean {
    return this.paused
  }

  /** Pauses producers above high water, resumes them below low water. */
  checkPressure(pending: number): void {
    if (!this.paused && pending > this.highWater) {
      this.paused = true
      this.behindSince = nowMs()
      this.hooks.onPressure(true)
    } else if (this.paused && pending < this.lowWater) {
      this.release()
    }
  }

  private release(): void {
    this.paused = false
    if (this.behindSince !== undefined) this.behindMs += nowMs() - this.behindSince
    this.behindSince = undefined
    this.hooks.onPressure(false)
  }

  /** The writer has a write in flight (true) or none (false); called at those changes only. */
  busy(on: boolean): void {
    if (on && this.busySince === undefined) this.busySince = nowMs()
    else if (!on && this.busySince !== undefined) {
      this.busyMs += nowMs() - this.busySince
      this.busySince = undefined
    }
  }

  pace(): WriterPace {
    const t = nowMs()
    const open = (since: number | undefined): number => (since === undefined ? 0 : t - since)
    return {
      elapsedMs: t - this.startedAt,
      busyMs: this.busyMs + open(this.busySince),
      behindMs: this.behindMs + open(this.behindSince),
      written: this.written
    }
  }

  advance(to: number): void {
    if (to <= this.written) return
    this.written = to
    if (this.waiters.length === 0) return
    this.waiters = this.waiters.filter((w) => {
      if (w.offset > this.written) return true
      w.resolve()
      return false
    })
  }

  /** Recording stops for good: waiters fail, paused producers are released. */
  fail(err: NodeJS.ErrnoException): void {
    this.failure = err
    for (const w of this.waiters) w.reject(err)
    this.waiters = []
    if (this.paused) this.release()
    this.hooks.onError(err)
  }

  /** Resolves once `offset` is written; `kick` starts a write if none is running. */
  wait(offset: number, kick: () => void): Promise<void> {
    if (offset <= this.written) return Promise.resolve()
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.waiters.push({ offset, resolve, reject })
      kick()
    })
  }
}
