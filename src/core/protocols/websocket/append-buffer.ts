// Bytes appended piece by piece into one growing array: a compressed message arriving in
// thousands of one-byte frames costs a few reallocations, not thousands of small arrays
// (each Uint8Array is some 100 bytes of overhead).

const EMPTY = new Uint8Array(0)

export class AppendBuffer {
  private buf = EMPTY
  private used = 0

  get length(): number {
    return this.used
  }

  /** The next `n` bytes at the end, to write into. */
  reserve(n: number): Uint8Array {
    const need = this.used + n
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 256))
      grown.set(this.buf.subarray(0, this.used))
      this.buf = grown
    }
    const room = this.buf.subarray(this.used, need)
    this.used = need
    return room
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length).set(bytes)
  }

  /** What was appended, as a view valid until the next append. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.used)
  }
}
