// Many deadlines of one length on one timer. A proxy arms a connect timeout for every
// connection, thousands a second, and almost all are cancelled a moment later; a Node
// timer each (setTimeout, then clearTimeout) measured about 6 µs of CPU per connection
// here, a large share of what a proxied connection may cost beyond forwarding.
//
// All deadlines have the same length, so they expire in the order they were added: a FIFO
// queue is enough. Cancelling clears the slot (dropping the reference at once); the timer
// wakes at most every `slack` ms and expires whatever is due, so a deadline fires up to
// `slack` late, never early.

export interface Expiring {
  /** The deadline passed without being cancelled. */
  expired(): void
}

/** Slots are compacted away once this many expired ones lead the queue. */
const COMPACT_AT = 4096

export class DeadlineQueue {
  private items: (Expiring | undefined)[] = []
  private dueAt: number[] = []
  /** Index of the first live slot; slots before it are spent. */
  private head = 0
  /** Ticket number of slot 0. */
  private base = 0
  private timer: NodeJS.Timeout | undefined
  private readonly slack: number

  constructor(private readonly ms: number) {
    this.slack = Math.max(1, Math.min(50, Math.floor(ms / 20)))
  }

  /** Arms a deadline `ms` from now; the ticket cancels it. */
  add(item: Expiring): number {
    this.items.push(item)
    this.dueAt.push(performance.now() + this.ms)
    if (this.timer === undefined) this.arm(this.ms)
    return this.base + this.items.length - 1
  }

  cancel(ticket: number): void {
    const i = ticket - this.base
    if (i >= this.head && i < this.items.length) this.items[i] = undefined
  }

  private arm(delay: number): void {
    this.timer = setTimeout(this.fire, Math.max(delay, this.slack))
    // A pending deadline alone must not keep the process alive; its socket does that.
    this.timer.unref()
  }

  private readonly fire = (): void => {
    this.timer = undefined
    const now = performance.now()
    while (this.head < this.items.length && this.dueAt[this.head] <= now) {
      const item = this.items[this.head]
      this.items[this.head++] = undefined
      item?.expired()
    }
    if (this.head === this.items.length) {
      this.base += this.items.length
      this.items = []
      this.dueAt = []
      this.head = 0
      return
    }
    if (this.head >= COMPACT_AT) {
      this.items.splice(0, this.head)
      this.dueAt.splice(0, this.head)
      this.base += this.head
      this.head = 0
    }
    this.arm(this.dueAt[this.head] - now)
  }
}
