// Waits of a replay's socket that end on a condition, the socket's close or a timeout: a
// wait is a check run whenever something it may depend on happened (bytes came, the socket
// closed, the caller cancelled), so nothing polls.

import { MAX_TIMER_MS } from '../../shared/limits'

export class Waits {
  private readonly checks = new Set<() => void>()

  /** @param open whether waiting still makes sense (false ends every wait at once). */
  constructor(private readonly open: () => boolean) {}

  /** Something happened: every wait checks its condition again. */
  wake(): void {
    for (const c of this.checks) c()
  }

  /** Resolves once `done()` holds, `open()` no longer does, or `ms` passed (Infinity: no timeout). */
  until(done: () => boolean, ms: number): Promise<void> {
    if (done() || !this.open()) return Promise.resolve()
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        this.checks.delete(check)
        resolve()
      }
      const check = (): void => {
        if (done() || !this.open()) finish()
      }
      // A timer longer than MAX_TIMER_MS would fire at once.
      const timer = Number.isFinite(ms) ? setTimeout(finish, Math.min(ms, MAX_TIMER_MS)) : undefined
      this.checks.add(check)
    })
  }
}
