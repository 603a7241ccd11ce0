// Output in event order, though some lines take a read from the capture to make: a FIN or
// close line waits for the data lines of the events before it.

import type { Writable } from 'node:stream'
import { writeAll } from './output'

/** Text, or how to make it; makers run one at a time, in order, since decoding is stateful. */
export type Pending = string | (() => Promise<string> | string)

export class OrderedLines {
  private tail: Promise<void> | undefined

  constructor(private readonly out: Writable) {}

  /** Text ready now goes out at once unless earlier text is still being made. */
  push(text: Pending): void {
    if (this.tail === undefined && typeof text === 'string') {
      void writeAll(this.out, text)
      return
    }
    const tail: Promise<void> = (this.tail ?? Promise.resolve())
      .then(typeof text === 'string' ? () => text : text)
      .then((t) => writeAll(this.out, t))
      .finally(() => {
        if (this.tail === tail) this.tail = undefined
      })
    this.tail = tail
  }

  /** Resolves once everything pushed so far is written. */
  async drained(): Promise<void> {
    while (this.tail !== undefined) await this.tail
  }
}
