// gRPC's length-prefixed messages (grpc/doc/PROTOCOL-HTTP2.md): a flag byte (bit 0:
// compressed; gRPC-Web's bit 7: a trailer frame, PROTOCOL-WEB.md), a 4-byte big-endian
// length, then the payload. Read incrementally from content pieces split anywhere; a
// payload is copied only when the caller wants it, and only after its declared length was
// checked against the limit (gRPC's own default max receive size, 4 MiB), so an absurd
// length is one sentence and never an allocation.

import { GRPC_DEFAULT_MAX_MESSAGE } from '../../../shared/grpc-types'

const PREFIX = 5
const FLAG_COMPRESSED = 0x01
const FLAG_TRAILER = 0x80

/** One length-prefixed frame: a message, or gRPC-Web's trailer frame. */
export interface GrpcFrame {
  /** A message's position among the messages (trailer frames not counted); a trailer frame's: the messages before it. */
  index: number
  /** Where its prefix starts in the content. */
  offset: number
  flags: number
  compressed: boolean
  trailer: boolean
  /** The payload's declared length. */
  size: number
  /** The payload (what arrived of it, for an incomplete frame), when wanted. */
  payload?: Uint8Array
  complete: boolean
}

export interface FramerOptions {
  /** Declared lengths above this are a framing problem (default 4 MiB). */
  maxMessage?: number
  /** Whether to keep a frame's payload, asked when its prefix is read (trailer frames are always kept). */
  want?: (index: number, size: number) => boolean
}

const MiB = 1024 * 1024
const sizeText = (n: number): string => (n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`)

export class GrpcFramer {
  /** Messages whose prefix was read. */
  messages = 0
  /** Content bytes taken in. */
  consumed = 0
  /** What stopped the framing: nothing after it is read. */
  problem: { offset: number; message: string } | undefined
  private readonly max: number
  private readonly head = new Uint8Array(PREFIX)
  private headHave = 0
  private current: (GrpcFrame & { have: number }) | undefined

  constructor(private readonly opts: FramerOptions = {}) {
    this.max = opts.maxMessage ?? GRPC_DEFAULT_MAX_MESSAGE
  }

  /** Takes the next piece of content; returns the frames it completed. */
  push(piece: Uint8Array): GrpcFrame[] {
    const done: GrpcFrame[] = []
    let i = 0
    while (i < piece.length && !this.problem) {
      if (!this.current) {
        const n = Math.min(PREFIX - this.headHave, piece.length - i)
        this.head.set(piece.subarray(i, i + n), this.headHave)
        this.headHave += n
        i += n
        if (this.headHave < PREFIX) break
        this.headHave = 0
        this.begin(this.consumed + i - PREFIX)
        if (this.problem) break
      }
      const f = this.current!
      const n = Math.min(f.size - f.have, piece.length - i)
      if (f.payload) f.payload.set(piece.subarray(i, i + n), f.have)
      f.have += n
      i += n
      if (f.have === f.size) done.push(this.finishFrame(true))
    }
    this.consumed += i
    return done
  }

  /**
   * The content ended (or ends here for now): the frame it stopped inside, if any, as far as
   * it arrived. With `complete` (every byte of the body came), stopping inside one is a problem.
   */
  end(complete: boolean): GrpcFrame | undefined {
    if (this.problem) return undefined
    if (this.headHave > 0 && complete) {
      this.problem = { offset: this.consumed - this.headHave, message: `the body ends ${this.headHave} bytes into the 5-byte prefix of message ${this.messages + 1}` }
      return undefined
    }
    const f = this.current
    if (!f) return undefined
    if (complete) this.problem = { offset: f.offset, message: `the body ends ${f.have} bytes into message ${f.index + 1} of ${f.size} bytes` }
    return this.finishFrame(false)
  }

  private begin(offset: number): void {
    const h = this.head
    const flags = h[0]
    const size = ((h[1] << 24) | (h[2] << 16) | (h[3] << 8) | h[4]) >>> 0
    const trailer = (flags & FLAG_TRAILER) !== 0
    const which = trailer ? 'the trailer frame' : `message ${this.messages + 1}`
    if ((flags & ~(FLAG_TRAILER | FLAG_COMPRESSED)) !== 0) {
      this.problem = { offset, message: `${which} has flag byte 0x${flags.toString(16).padStart(2, '0')}, which gRPC does not define: this is not gRPC framing, or it lost its place` }
      return
    }
    if (size > this.max) {
      this.problem = { offset, message: `${which} declares ${size} bytes, more than the ${sizeText(this.max)} limit (gRPC's default largest message): the framing is not read past it` }
      return
    }
    const index = this.messages
    if (!trailer) this.messages++
    const keep = trailer || (this.opts.want?.(index, size) ?? true)
    this.current = { index, offset, flags, compressed: (flags & FLAG_COMPRESSED) !== 0, trailer, size, complete: false, have: 0 }
    if (keep) this.current.payload = new Uint8Array(size)
  }

  private finishFrame(complete: boolean): GrpcFrame {
    const { have, ...f } = this.current!
    this.current = undefined
    f.complete = complete
    if (f.payload && have < f.size) f.payload = f.payload.subarray(0, have)
    return f
  }
}

const latin1 = new TextDecoder('latin1')
const utf8 = new TextDecoder('utf-8')

/**
 * gRPC-Web's trailer frame payload: HTTP/1-style `name: value` lines, CRLF-separated (a
 * bare LF is taken too). Names are lower-cased; values are decoded as UTF-8 (gRPC's ASCII
 * in practice), a line with no colon is left out.
 */
export function parseTrailerFrame(payload: Uint8Array): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = []
  for (const line of latin1.decode(payload).split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim().toLowerCase()
    const raw = line.slice(colon + 1).trim()
    const value = utf8.decode(Uint8Array.from(raw, (c) => c.charCodeAt(0)))
    out.push({ name, value })
  }
  return out
}
