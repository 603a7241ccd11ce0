// Reads one direction of an HTTP/2 connection as frames (RFC 9113 section 4), incrementally,
// whatever the TCP segmentation: the client's preface first when asked, then 9-byte frame
// headers and their payloads. A DATA frame's payload is never buffered: it is a range (and
// its pad length byte), and the caller may skip its bytes (wantFrom). Other payloads are
// kept until whole, up to a bound: a frame longer than that is skipped with a problem, not
// waited for in memory. Nothing throws; a problem that makes the rest unreadable stops it.

import type { Direction } from '../../../shared/direction'
import type { DecodeProblem } from '../../../shared/protocol-types'
import type { RawFrame } from './raw-frame'
import { NOTHING_MORE } from '../stream-decoder'

export const FRAME_HEADER = 9
export const CLIENT_PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')

export const T_DATA = 0
export const T_HEADERS = 1
export const T_PRIORITY = 2
export const T_RST_STREAM = 3
export const T_SETTINGS = 4
export const T_PUSH_PROMISE = 5
export const T_PING = 6
export const T_GOAWAY = 7
export const T_WINDOW_UPDATE = 8
export const T_CONTINUATION = 9

export const F_END_STREAM = 0x1
export const F_ACK = 0x1
export const F_END_HEADERS = 0x4
export const F_PADDED = 0x8
export const F_PRIORITY = 0x20

/**
 * A payload (other than DATA's) longer than this is not kept: the frame is skipped with a
 * problem. 1 MiB is 64 frames of the default 16 KiB, far past any real header block or
 * SETTINGS, and what one connection can make the decoder hold.
 */
export const MAX_KEPT_PAYLOAD = 1024 * 1024

/** A DATA frame's data, its padding left out: where it starts and its length; undefined when the padding is longer than the payload (the frame is not read as data). */
export function dataOf(f: RawFrame): { offset: number; length: number } | undefined {
  const padded = (f.flags & F_PADDED) !== 0
  const length = f.length - (f.padLength ?? 0) - (padded ? 1 : 0)
  return length < 0 ? undefined : { offset: f.offset + FRAME_HEADER + (padded ? 1 : 0), length }
}

export interface FrameSink {
  frame(f: RawFrame): void
  problem(p: DecodeProblem): void
}

type State = 'preface' | 'header' | 'payload' | 'skip' | 'stopped'

export class FrameReader {
  private state: State
  /** The stream offset of the next byte to read. */
  private pos: number
  /** Bytes of the header (or payload, or preface) being gathered. */
  private buf: Uint8Array = new Uint8Array(FRAME_HEADER)
  private have = 0
  private need = 0
  /** The frame whose payload is being read or skipped. */
  private cur: RawFrame | undefined
  private curEnd = 0
  private frameTime = 0
  private ended = false

  constructor(
    readonly dir: Direction,
    start: number,
    private readonly sink: FrameSink,
    /** The client's direction from the connection's start: its 24-byte preface comes first. */
    preface: boolean
  ) {
    this.pos = start
    this.state = preface ? 'preface' : 'header'
    this.need = preface ? CLIENT_PREFACE.length : FRAME_HEADER
    if (preface) this.buf = new Uint8Array(CLIENT_PREFACE.length)
  }

  get stopped(): boolean {
    return this.state === 'stopped'
  }

  /** The first stream offset still needed: the end of a DATA payload being skipped, else the next byte. */
  wantFrom(): number {
    if (this.state === 'stopped' || this.ended) return NOTHING_MORE
    return this.state === 'skip' ? this.curEnd : this.pos
  }

  push(bytes: Uint8Array, offset: number, time: number): void {
    if (this.state === 'stopped' || this.ended) return
    let i = this.pos - offset
    // Bytes past a gap: only a skipped payload's end may be jumped to.
    if (i < 0) {
      if (this.state !== 'skip' || offset > this.curEnd) return this.stop(offset, 'bytes are missing from the capture here')
      i = 0
      this.pos = offset
    }
    while (i < bytes.length && !this.stopped) {
      if (this.state === 'skip') {
        const n = Math.min(bytes.length - i, this.curEnd - this.pos)
        i += n
        this.pos += n
        if (this.pos === this.curEnd) this.finishFrame()
        continue
      }
      if (this.have === 0) this.frameTime = time
      // A payload wholly in this push is taken as a view of it, not copied: the sink uses it before push returns.
      if (this.state === 'payload' && this.have === 0 && bytes.length - i >= this.need) {
        this.cur!.payload = bytes.subarray(i, i + this.need)
        i += this.need
        this.pos += this.need
        this.finishFrame()
        continue
      }
      const n = Math.min(bytes.length - i, this.need - this.have)
      this.buf.set(bytes.subarray(i, i + n), this.have)
      this.have += n
      i += n
      this.pos += n
      if (this.have === this.need) this.gathered()
    }
  }

  /** The direction ends: a frame cut short is a problem. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.state === 'stopped') return
    if (this.have > 0 || this.state === 'payload' || this.state === 'skip') {
      const at = this.cur?.offset ?? this.pos - this.have
      this.sink.problem({ dir: this.dir, offset: at, message: `the ${this.state === 'preface' ? 'connection preface' : 'last frame'} was cut short by the end of the stream` })
    }
    this.state = 'stopped'
  }

  private gathered(): void {
    const at = this.pos - this.have
    this.have = 0
    if (this.state === 'preface') {
      for (let k = 0; k < CLIENT_PREFACE.length; k++) {
        if (this.buf[k] !== CLIENT_PREFACE[k]) return this.stop(at, 'this is not the HTTP/2 connection preface (PRI * HTTP/2.0)')
      }
      this.buf = new Uint8Array(FRAME_HEADER)
      this.state = 'header'
      this.need = FRAME_HEADER
      return
    }
    if (this.state === 'header') return this.header(at)
    // A payload gathered across pushes.
    this.cur!.payload = this.buf.slice(0, this.need)
    this.finishFrame()
  }

  private header(at: number): void {
    const b = this.buf
    const length = (b[0] << 16) | (b[1] << 8) | b[2]
    const f: RawFrame = {
      dir: this.dir,
      type: b[3],
      flags: b[4],
      stream: ((b[5] & 0x7f) << 24) | (b[6] << 16) | (b[7] << 8) | b[8],
      length,
      offset: at,
      time: this.frameTime
    }
    this.cur = f
    this.curEnd = at + FRAME_HEADER + length
    if (length === 0) {
      if (f.type !== T_DATA) f.payload = new Uint8Array(0)
      else f.padLength = 0
      return this.finishFrame()
    }
    if (f.type === T_DATA) {
      // Only the pad length byte is read; the data itself is skipped (its range is enough).
      if ((f.flags & F_PADDED) === 0) {
        f.padLength = 0
        this.state = 'skip'
        return
      }
      this.state = 'payload'
      this.need = 1
      return
    }
    if (length > MAX_KEPT_PAYLOAD) {
      this.sink.problem({ dir: this.dir, offset: at, message: `a frame declares ${length} bytes, more than the ${MAX_KEPT_PAYLOAD} kept of one: skipped` })
      this.state = 'skip'
      return
    }
    this.state = 'payload'
    this.need = length
    if (this.buf.length < length) this.buf = new Uint8Array(Math.max(length, FRAME_HEADER))
  }

  private finishFrame(): void {
    const f = this.cur!
    if (f.type === T_DATA && f.padLength === undefined) {
      // The pad length byte was read: skip the rest of the payload.
      f.padLength = f.payload?.[0] ?? 0
      f.payload = undefined
      if (this.pos < this.curEnd) {
        this.state = 'skip'
        return
      }
    }
    this.cur = undefined
    this.state = 'header'
    this.need = FRAME_HEADER
    this.have = 0
    this.sink.frame(f)
  }

  private stop(offset: number, message: string): void {
    this.sink.problem({ dir: this.dir, offset, message })
    this.state = 'stopped'
  }
}
