// The last part of what a program wrote to one of its streams, bounded by its UTF-8 size:
// the engine keeps one per stream of each command (intercept.command), the event batcher
// one per stream between two batches, and the page one per stream it shows. What falls off
// the front is counted, in bytes, so every view can say how much earlier output is gone.

/** How much of each stream of a command is kept. */
export const OUTPUT_TAIL_BYTES = 64 * 1024

/** The code point at `i` of `s`: how many UTF-16 units it takes, and its UTF-8 size (a lone surrogate: the 3 bytes of U+FFFD it is written as). */
function codePointAt(s: string, i: number): [units: number, bytes: number] {
  const c = s.charCodeAt(i)
  if (c < 0x80) return [1, 1]
  if (c < 0x800) return [1, 2]
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) return [2, 4]
  return [1, 3]
}

/** UTF-8 size of `s`. */
export function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; ) {
    const [units, bytes] = codePointAt(s, i)
    n += bytes
    i += units
  }
  return n
}

export class OutputTail {
  private parts: string[] = []
  private size = 0
  /** Bytes written before what is kept, and no longer kept. */
  dropped = 0

  constructor(readonly max = OUTPUT_TAIL_BYTES) {}

  get text(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')]
    return this.parts[0] ?? ''
  }

  get bytes(): number {
    return this.size
  }

  /** Adds `text` written after `droppedBefore` bytes that never reached this tail. */
  append(text: string, droppedBefore = 0): void {
    this.dropped += droppedBefore
    if (text === '') return
    this.parts.push(text)
    this.size += utf8Length(text)
    if (this.size > this.max) this.trim()
  }

  /** Takes what is kept (and the count dropped before it) and starts empty. */
  take(): { text: string; dropped: number } {
    const out = { text: this.text, dropped: this.dropped }
    this.parts = []
    this.size = 0
    this.dropped = 0
    return out
  }

  /** Cuts the front to `max` bytes, never inside a character. */
  private trim(): void {
    const all = this.text
    let over = this.size - this.max
    let i = 0
    while (over > 0 && i < all.length) {
      const [units, bytes] = codePointAt(all, i)
      over -= bytes
      this.size -= bytes
      this.dropped += bytes
      i += units
    }
    this.parts = [all.slice(i)]
  }
}
