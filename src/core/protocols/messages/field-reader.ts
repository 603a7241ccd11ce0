// Reading a message's fields in order, for decoders whose messages are a run of integers,
// strings and counted bytes (PostgreSQL, MySQL): each read checks the message's end and
// says in a sentence where it ran past, so a hostile length inside a message is an error,
// never a read beyond it. Decoders throw PastEnd and catch it once, where they describe.

/** A read ran past the message's end (or past what was decoded of it). */
export class PastEnd extends Error {}

export interface Span {
  offset: number
  length: number
}

export class FieldReader {
  constructor(
    readonly bytes: Uint8Array,
    public at = 0,
    /** Where the message ends (its bytes may stop short: only its first bytes are decoded). */
    readonly end = bytes.length
  ) {}

  get left(): number {
    return Math.max(0, Math.min(this.end, this.bytes.length) - this.at)
  }

  get done(): boolean {
    return this.at >= this.end
  }

  private need(n: number, what: string): number {
    const at = this.at
    if (n < 0 || at + n > this.end) throw new PastEnd(`${what} at byte ${at} runs past the message's end (${this.end} bytes)`)
    if (at + n > this.bytes.length) throw new PastEnd(`${what} at byte ${at} lies past the bytes decoded`)
    this.at += n
    return at
  }

  uint(size: number, what: string, little = false): number {
    const at = this.need(size, what)
    let v = 0
    for (let i = 0; i < size; i++) v = v * 256 + this.bytes[little ? at + size - 1 - i : at + i]
    return v
  }

  /** A signed big-endian integer of 2 or 4 bytes. */
  int(size: 2 | 4, what: string): number {
    const v = this.uint(size, what)
    const top = 2 ** (size * 8)
    return v >= top / 2 ? v - top : v
  }

  take(n: number, what: string): Uint8Array {
    const at = this.need(n, what)
    return this.bytes.subarray(at, at + n)
  }

  /** A NUL-terminated string (its NUL read, not returned). */
  cstring(what: string): Uint8Array {
    const stop = Math.min(this.end, this.bytes.length)
    for (let i = this.at; i < stop; i++) {
      if (this.bytes[i] === 0) {
        const s = this.bytes.subarray(this.at, i)
        this.at = i + 1
        return s
      }
    }
    throw new PastEnd(`${what} at byte ${this.at} has no NUL before the message's end`)
  }

  /** The span from `from` to where the reader stands. */
  since(from: number): Span {
    return { offset: from, length: this.at - from }
  }
}

const utf8 = new TextDecoder()
/** Bytes as text, for names and tags (bounded by what the message holds). */
export const textOfName = (b: Uint8Array, max = 256): string => utf8.decode(b.subarray(0, max))
