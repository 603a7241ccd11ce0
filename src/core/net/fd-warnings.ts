// Clients turned away for lack of file descriptors come in storms: one warning a second,
// with how many, rather than a line per client.

import { outOfDescriptors } from './net-errors'

const EVERY_MS = 1000

export class FdWarnings {
  private last = -Infinity
  private unsaid = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly limit: number | undefined,
    private readonly warn: (message: string) => void
  ) {}

  /** One more client turned away. */
  readonly note = (): void => {
    this.unsaid++
    const wait = this.last + EVERY_MS - performance.now()
    if (wait <= 0) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), wait)
  }

  /** Says what is unsaid, now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    if (this.unsaid === 0) return
    this.last = performance.now()
    const message = outOfDescriptors(this.limit)
    this.warn(this.unsaid === 1 ? message : message.replace('this connection was', `${this.unsaid} connections were`))
    this.unsaid = 0
  }
}
