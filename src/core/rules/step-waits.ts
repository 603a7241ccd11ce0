// A connection's delay steps (rules' `delay`, a script's ctx.delay): timers that all end at
// once when the connection closes, so no step waits on, or holds memory for, a connection
// that is gone.

export class StepWaits {
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

  /** Resolves after `ms`, or at once when `endAll` is called first. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.set(t, resolve)
    })
  }

  /** The connection closed: every wait ends now. */
  endAll(): void {
    for (const [t, resolve] of this.timers) {
      clearTimeout(t)
      resolve()
    }
    this.timers.clear()
  }
}
