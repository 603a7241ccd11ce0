// permessage-deflate's inflation for one direction (RFC 7692 section 7.2.2): each message's
// payload with 00 00 ff ff appended, inflated raw. With context takeover the sender's
// deflater goes on from one message to the next, so a message may refer back into the
// output of those before it: the last 32 KiB of this direction's output, handed to a
// one-shot inflater as its preset dictionary, is exactly the window a streaming inflater
// would hold (a message ends on a sync flush, so no block straddles two messages).

import type { InflateRaw } from '../stream-decoder'

/** DEFLATE's largest window (max_window_bits 15): a smaller agreed window refers back less, so this one serves every size. */
const WINDOW_BYTES = 32 * 1024
/**
 * A message's compressed payload is held until its last frame, and its output made in one
 * piece: these caps bound both (a browser's messages are far smaller; ws refuses over 100 MiB).
 */
export const MAX_COMPRESSED_MESSAGE = 16 * 1024 * 1024
export const MAX_INFLATED_MESSAGE = 64 * 1024 * 1024

const SYNC_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff)
const EMPTY = new Uint8Array(0)

export class WsInflateContext {
  private window: Uint8Array = EMPTY
  private lost = false

  constructor(
    private readonly takeover: boolean,
    private readonly inflateRaw: InflateRaw
  ) {}

  /** A message of this side was lost and the messages after it may refer back into it. */
  get isLost(): boolean {
    return this.lost
  }

  /** A whole message's payload, frames joined: its output, and the context moves on. */
  inflateMessage(compressed: Uint8Array): { output: Uint8Array; error?: string } {
    if (this.lost) return { output: EMPTY, error: 'not inflated: an earlier message from this side could not be, and it shares their compression context' }
    const input = new Uint8Array(compressed.length + SYNC_TAIL.length)
    input.set(compressed)
    input.set(SYNC_TAIL, compressed.length)
    const { output, error } = this.run(input)
    if (error !== undefined) {
      this.loseContext()
      return { output: EMPTY, error }
    }
    if (this.takeover) this.window = lastBytes(this.window, output, WINDOW_BYTES)
    return { output }
  }

  /** What the start of a message that never finished inflates to, for its preview; the context cannot move on from it. */
  inflatePart(compressed: Uint8Array): Uint8Array {
    if (this.lost) return EMPTY
    const { output, error } = this.run(compressed)
    return error === undefined ? output : EMPTY
  }

  /** A message of this side was lost: what follows it may refer back into output nobody saw. */
  loseContext(): void {
    if (this.takeover) this.lost = true
  }

  private run(input: Uint8Array): { output: Uint8Array; error?: string } {
    const dictionary = this.takeover && this.window.length > 0 ? this.window : undefined
    try {
      return this.inflateRaw(input, dictionary, MAX_INFLATED_MESSAGE)
    } catch (e) {
      // The inflater is injected and should not throw; if it does, this message is lost, not the decoder.
      return { output: EMPTY, error: e instanceof Error ? e.message : String(e) }
    }
  }
}

function lastBytes(before: Uint8Array, after: Uint8Array, max: number): Uint8Array {
  if (after.length >= max) return after.slice(after.length - max)
  const keep = Math.min(before.length, max - after.length)
  const joined = new Uint8Array(keep + after.length)
  joined.set(before.subarray(before.length - keep))
  joined.set(after, keep)
  return joined
}
