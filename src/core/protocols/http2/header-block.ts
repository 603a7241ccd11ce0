// A header block as it crossed the wire: a HEADERS or PUSH_PROMISE fragment and the
// CONTINUATIONs after it, gathered until END_HEADERS, bounded against floods, then decoded
// with the sender's HPACK context into headers that each keep the bytes they came from.

import type { Direction } from '../../../shared/direction'
import type { ByteRange, HttpHeader } from '../../../shared/protocol-types'
import { FRAME_HEADER } from './frame-reader'
import type { HpackField, HpackResult } from './hpack/hpack-decoder'

/**
 * A block's bytes on the wire kept at most (its frames' fragments). Past it the block is a
 * flood: HPACK makes a real block smaller on the wire than its decoded 256 KiB limit.
 */
export const MAX_BLOCK_WIRE = 256 * 1024
/** CONTINUATION frames one block may have: a real one needs a few; CVE-2024-27316's flood sends them without end. */
export const MAX_CONTINUATIONS = 256

interface Fragment {
  /** Where the fragment starts in the stream, and in the block. */
  at: number
  blockAt: number
  length: number
}

export class HeaderBlock {
  private readonly parts: Uint8Array[] = []
  private readonly fragments: Fragment[] = []
  size = 0
  continuations = 0
  /** The stream offset just past the last frame of the block. */
  end: number

  constructor(
    readonly dir: Direction,
    readonly stream: number,
    /** The first frame's offset and time: the message's start. */
    readonly start: number,
    readonly time: number,
    /** END_STREAM on the HEADERS frame. */
    readonly endStream: boolean,
    /** PUSH_PROMISE: the stream it promises. */
    readonly promised?: number
  ) {
    this.end = start
  }

  /**
   * Adds a fragment (at stream offset `at`) of a frame that ends at `frameEnd`; false when
   * the block passed its bounds (it is then a flood, and is not decoded). `copy` false: the
   * block is decoded (bytes()) before the push that brought the fragment returns.
   */
  add(fragment: Uint8Array, at: number, frameEnd: number, continuation: boolean, copy = true): boolean {
    if (continuation) this.continuations++
    this.end = frameEnd
    if (this.size + fragment.length > MAX_BLOCK_WIRE || this.continuations > MAX_CONTINUATIONS) return false
    // A copy: the fragment is a view of the reader's bytes, gone when the push returns. A
    // block whole in one frame (nearly all) is decoded at once: a copy each was a buffer per
    // message for the young generation to sweep.
    this.parts.push(copy ? fragment.slice() : fragment)
    this.fragments.push({ at, blockAt: this.size, length: fragment.length })
    this.size += fragment.length
    return true
  }

  get range(): ByteRange {
    return { dir: this.dir, offset: this.start, length: this.end - this.start }
  }

  bytes(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]
    const out = new Uint8Array(this.size)
    let at = 0
    for (const p of this.parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }

  /** The decoded fields as headers, each with its representation's bytes in the stream (the block's frames when it spans two). */
  headers(result: HpackResult): HttpHeader[] {
    return result.fields.map((f) => ({ name: f.name, value: f.value, range: this.rangeOf(f) }))
  }

  private rangeOf(f: HpackField): ByteRange {
    for (const frag of this.fragments) {
      if (f.offset >= frag.blockAt && f.offset < frag.blockAt + frag.length) {
        if (f.offset + f.length <= frag.blockAt + frag.length) return { dir: this.dir, offset: frag.at + (f.offset - frag.blockAt), length: f.length }
        break
      }
    }
    return this.range
  }
}

/** The fragment of a HEADERS or PUSH_PROMISE payload, past its pad length, priority or promised stream, and before its padding; undefined when the lengths do not fit. */
export function fragmentOf(payload: Uint8Array, padded: boolean, skip: number): { start: number; end: number } | undefined {
  const pad = padded ? payload[0] : 0
  const start = (padded ? 1 : 0) + skip
  const end = payload.length - pad
  if (padded && payload.length < 1) return undefined
  return start <= end ? { start, end } : undefined
}

/** The stream offset of a payload byte. */
export const payloadAt = (frameOffset: number, i: number): number => frameOffset + FRAME_HEADER + i
