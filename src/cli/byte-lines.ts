// Lines written straight into a byte buffer, for output of hundreds of thousands of lines
// (`tcpscope ls`): each field goes in as UTF-8 and each whole number as its digits, so no
// line is made as a string first. Building 100,000 lines as strings and joining them cost ls
// more in garbage collection than in formatting (issue 46's profile).

import type { Writable } from 'node:stream'
import { writeAll } from './output'

/** Flushed once this full (end() says so); a longer line grows the buffer rather than being cut. */
const CHUNK = 1024 * 1024
/**
 * Room past CHUNK for the line that crosses it: without it, that line grew the buffer (a
 * copy of the whole megabyte) once per flush.
 */
const HEADROOM = 64 * 1024
const SPACE = 0x20
/** Fields and paddings up to this many characters are copied byte by byte, not by a call into Buffer's native code. */
const SHORT = 64

export class ByteLines {
  private buf = Buffer.allocUnsafe(CHUNK + HEADROOM)
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
    // A short field is copied here while it is ASCII: Buffer.write is a call into C++ per
    // field, half of ls's line-building time over 100,000 rows of nine fields.
    const buf = this.buf
    let k = 0
    if (s.length <= SHORT) {
      for (let at = this.at; k < s.length; k++, at++) {
        const c = s.charCodeAt(k)
        if (c >= 0x80) break
        buf[at] = c
      }
    }
    this.at += k
    if (k < s.length) this.at += buf.write(k === 0 ? s : s.slice(k), this.at, 'utf8')
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
      if (n <= SHORT) for (let i = 0; i < n; i++) this.buf[this.at + i] = SPACE
      else this.buf.fill(SPACE, this.at, this.at + n)
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
    this.buf = Buffer.allocUnsafe(CHUNK + HEADROOM)
    this.at = 0
    await writeAll(this.out, full)
  }
}
