// The automatic answers to one client (echo, reply rules, canned HTTP), in the order its
// chunks came, written only while the client takes what we send. Before this, a client that
// sent 1 GiB to `serve --echo` and never read grew the server by 1.1 GiB: every answer went
// into the socket's buffer. Now, while the client has not taken our last answer, its next
// chunks wait here and reading from it stops (TCP then pushes back on the client), so at
// most one answer over the socket's high-water mark is ever held. Reading resumes on 'drain'.

import type { SessionConnection } from './session-connection'

/** Answers one chunk: at once, or with a promise when it must wait (a file, a slow peer). */
export type Answer = (chunk: Buffer) => void | Promise<void>

export class ReplyQueue {
  private readonly waiting: Buffer[] = []
  private busy = false

  constructor(
    private readonly conn: SessionConnection,
    private readonly answer: Answer,
    private readonly failed: (err: Error) => void
  ) {}

  push(chunk: Buffer): void {
    this.waiting.push(chunk)
    if (!this.busy) this.next()
  }

  private next(): void {
    while (this.waiting.length > 0) {
      if (this.conn.closed) {
        this.waiting.length = 0
        break
      }
      if (this.conn.congested) return this.wait(this.conn.drained())
      const chunk = this.waiting.shift()!
      let pending: void | Promise<void>
      try {
        pending = this.answer(chunk)
      } catch (err) {
        this.failed(err as Error)
        continue
      }
      if (pending) return this.wait(pending)
    }
    this.conn.hold('replies', false)
  }

  /** Holds reading until `pending` settles, then goes on with what waits. */
  private wait(pending: Promise<void>): void {
    this.busy = true
    this.conn.hold('replies', true)
    pending
      .catch((err: Error) => this.failed(err))
      .finally(() => {
        this.busy = false
        this.next()
      })
      .catch((err: Error) => this.failed(err))
  }
}
