// Lines written straight into a byte buffer, for output of hundreds of thousands of lines
// (`tcpscope ls`): each field goes in as UTF-8 and each whole number as its digits, so no
// line is made as a string first. Building 100,000 lines as strings and joining them cost ls
// more in garbage collection than in formatting (issue 46's profile).

import type { Writable } from 'node:stream'
import { writeAll } from './output'

/** Flushed once this full (end() says so); a longer line grows the buffer rather than being cut. */
const CHUNK = 1024 * 1024
const SPACE = 0x20

export class ByteLines {
  private buf = Buffer.allocUnsafe(CHUNK)
  private at = 0

  constructor(private readonly out: Writable) {}

  /** Room for `n` more bytes. */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n))
    this.buf.copy(grown, 0, 0, this.at)
    this.buf = grown
  }

  /** `s` as UTF-8, then spaces up to `width` characters (its length counted as pad() counts it). */
  text(s: string, width = 0): this {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair's two make 4).
    this.room(s.length * 3)
    this.at += this.buf.write(s, this.at, 'utf8')
    return this.spaces(width - s.length)
  }

  /** A whole number's digits, then spaces up to `width`. */
  int(n: number, width = 0): this {
    if (!Number.isSafeInteger(n) || n < 0) return this.text(String(n), width)
    let digits = 1
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
    this.room(digits)
    for (let i = this.at + digits - 1, x = n; i >= this.at; i--, x = Math.floor(x / 10)) this.buf[i] = 0x30 + (x % 10)
    this.at += digits
    return this.spaces(width - digits)
  }

  spaces(n: number): this {
    if (n > 0) {
      this.room(n)
      this.buf.fill(SPACE, this.at, this.at + n)
      this.at += n
    }
    return this
  }

  /** Ends the line; true when the buffer is full: then flush() before the next. */
  end(): boolean {
    this.room(1)
    this.buf[this.at++] = 0x0a
    return this.at >= CHUNK
  }

  async flush(): Promise<void> {
    if (this.at === 0) return
    const full = this.buf.subarray(0, this.at)
    // The written bytes are handed over as they are: the next lines go to a buffer of their own.
    this.buf = Buffer.allocUnsafe(CHUNK)
    this.at = 0
    await writeAll(this.out, full)
  }
}
