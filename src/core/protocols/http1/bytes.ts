// Byte helpers the HTTP/1 decoder needs over plain Uint8Array (no Buffer: decoders stay
// free of Node): Latin-1 text, as HTTP/1 heads are octets, and a growable queue of the
// bytes a direction has received but not yet consumed.

// Heads are ASCII nearly always, and UTF-8 decoding of ASCII is the fastest text decoding
// there is (Node 22: twice WHATWG's 'latin1', which is windows-1252 and differs from Latin-1
// for 0x80-0x9F anyway). As many chars as bytes, none U+FFFD, means every byte was ASCII:
// bytes above 0x7F either make fewer chars than bytes (a valid sequence, a BOM dropped) or
// a U+FFFD. Other text, rare, is done again one char per byte.
const utf8 = new TextDecoder()

/** Latin-1 text of `bytes[from, to)`: every octet one char, as RFC 9112 reads a head. */
export function latin1(bytes: Uint8Array, from = 0, to = bytes.length): string {
  const ascii = utf8.decode(bytes.subarray(from, to))
  if (ascii.length === to - from && !ascii.includes('\uFFFD')) return ascii
  let out = ''
  for (let i = from; i < to; i += 8192) out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(to, i + 8192)) as unknown as number[])
  return out
}

export const CR = 0x0d
export const LF = 0x0a

/**
 * The unconsumed bytes of one direction, contiguous so a head can be parsed in one piece.
 * Grows by doubling and compacts in place, so a head arriving a byte at a time costs
 * linear, not quadratic, copying.
 */
export class ByteQueue {
  private buf = new Uint8Array(0)
  private start = 0
  private stop = 0

  get length(): number {
    return this.stop - this.start
  }

  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    const need = this.length + bytes.length
    if (this.stop + bytes.length > this.buf.length) {
      if (need <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.stop)
      } else {
        const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 256))
        grown.set(this.buf.subarray(this.start, this.stop))
        this.buf = grown
      }
      this.stop = this.length
      this.start = 0
    }
    this.buf.set(bytes, this.stop)
    this.stop += bytes.length
  }

  /** The queued bytes, valid until the next append or consume. */
  view(): Uint8Array {
    return this.buf.subarray(this.start, this.stop)
  }

  consume(n: number): void {
    this.start += n
    if (this.start >= this.stop) this.clear()
  }

  clear(): void {
    this.start = this.stop = 0
    // A queue that once held a large head gives its memory back.
    if (this.buf.length > 1 << 16) this.buf = new Uint8Array(0)
  }
}
