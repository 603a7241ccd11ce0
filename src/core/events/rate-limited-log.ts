// A log line a peer can cause at will (a malformed frame: anyone who reaches the endpoint
// can send thousands a second) is written at most once per interval. The lines held back
// are counted, and the count is written when the interval ends, so the log says how many
// there were without a line each.

export class RateLimitedLog {
  private held = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly log: (line: string) => void,
    /** The line that stands for `n` held-back ones. */
    private readonly summary: (n: number) => string,
    private readonly intervalMs = 1000
  ) {}

  write(line: string): void {
    if (this.timer !== undefined) {
      this.held++
      return
    }
    this.log(line)
    this.startInterval()
  }

  /** Writes the count of what is held back, now; nothing more comes. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.flush()
  }

  private startInterval(): void {
    this.timer = setTimeout(this.endInterval, this.intervalMs)
    this.timer.unref()
  }

  private readonly endInterval = (): void => {
    this.timer = undefined
    // A flood that goes on gets one summary per interval, not one line per frame.
    if (this.flush()) this.startInterval()
  }

  private flush(): boolean {
    if (this.held === 0) return false
    this.log(this.summary(this.held))
    this.held = 0
    return true
  }
}
