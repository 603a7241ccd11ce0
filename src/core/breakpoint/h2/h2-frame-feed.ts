// One direction's bytes as whole HTTP/2 frames for the breakpoint stage: the decoder's
// FrameReader finds them, and this cuts each one's bytes out of what came (so a frame goes
// on exactly as it was sent), gathers a header block's HEADERS or PUSH_PROMISE and its
// CONTINUATIONs (bounded as the decoder bounds them), and says what was sent on already (the
// server's first frames, before the client showed HTTP/2). A frame it cannot read, or a
// flood, stops it: from there the bytes go on as they come.

import type { Direction } from '../../../shared/direction'
import { F_END_HEADERS, F_PADDED, F_PRIORITY, FRAME_HEADER, FrameReader, T_CONTINUATION, T_DATA, T_HEADERS, T_PUSH_PROMISE } from '../../protocols/http2/frame-reader'
import type { RawFrame } from '../../protocols/http2/raw-frame'
import { HeaderBlock, fragmentOf } from '../../protocols/http2/header-block'

/** A whole frame as it came; DATA with its flow-controlled length and its data. */
export interface FramePart {
  frame: Buffer
  type: number
  flags: number
  stream: number
  /** DATA: the payload's length (padding counted, as flow control counts it) and the data itself. */
  flowLength?: number
  data?: Buffer
}

/** A whole header block as it came. */
export interface BlockFrames {
  /** Its first frame: HEADERS or PUSH_PROMISE. */
  first: RawFrame
  frames: Buffer[]
  fragment: Uint8Array
  /** HEADERS' 5 priority bytes, or PUSH_PROMISE's promised stream. */
  prefix?: Uint8Array
  promised?: number
}

export interface FeedSink {
  /** Bytes to send on as they came (the client's preface, what a stop lets through). */
  pass(bytes: Buffer): void
  frame(p: FramePart, payload?: Uint8Array): void
  /** A frame sent on already: only what it says counts. */
  observed(p: FramePart, payload?: Uint8Array): void
  block(b: BlockFrames): void
}

export class H2FrameFeed {
  private readonly reader: FrameReader
  /** Bytes given to the reader and not yet cut out, from stream offset `pendStart`. */
  private pend: Buffer[] = []
  private pendStart = 0
  /** Bytes sent on before this direction was known to be HTTP/2. */
  private passedUpTo = 0
  private gathering: { block: HeaderBlock; b: BlockFrames } | undefined
  stopped = false
  /**
   * The stream id each frame is to be read as (traffic rules: the target's frames with the
   * client's ids, rules/h2/h2-stream-ids.ts); a frame whose id it changes is read as a copy
   * with that id.
   */
  ids: ((f: RawFrame) => number) | undefined

  constructor(
    dir: Direction,
    private readonly sink: FeedSink
  ) {
    this.reader = new FrameReader(dir, 0, { frame: (f) => this.onFrame(f), problem: () => this.stop() }, dir === 'client')
  }

  /** Bytes that were sent on already (read for what they say). */
  observe(chunk: Buffer, offset: number): void {
    this.passedUpTo = offset + chunk.length
    this.push(chunk, offset)
  }

  push(chunk: Buffer, offset: number): void {
    if (this.stopped) return this.passFresh(chunk, offset)
    this.pend.push(chunk)
    this.reader.push(chunk, offset, Date.now())
    if (this.stopped) this.passRest()
  }

  /** Stops reading frames: what is gathered and pending goes on as it came. */
  stop(bytes?: Buffer): void {
    if (bytes) this.sink.pass(bytes)
    if (this.stopped) return
    this.stopped = true
    if (this.gathering) for (const f of this.gathering.b.frames) this.sink.pass(f)
    this.gathering = undefined
  }

  /** What is left of a frame cut short (at the sender's FIN), as it came. */
  passRest(): void {
    if (this.pend.length === 0) return
    const start = this.pendStart
    this.passFresh(this.cut(start + this.pend.reduce((n, b) => n + b.length, 0)), start)
  }

  private onFrame(f: RawFrame): void {
    // Stopped within this push: what is left goes on as it came once the push is over.
    if (this.stopped) return
    if (f.offset > this.pendStart) this.passFresh(this.cut(f.offset), this.pendStart)
    let bytes = this.cut(f.offset + FRAME_HEADER + f.length)
    const stream = this.ids !== undefined && f.stream !== 0 ? this.ids(f) : f.stream
    if (stream !== f.stream) {
      // A copy: the bytes as they came are the capture's.
      bytes = Buffer.from(bytes)
      bytes.writeUInt32BE(stream, 5)
      f = { ...f, stream }
    }
    const part: FramePart = { frame: bytes, type: f.type, flags: f.flags, stream: f.stream }
    if (f.type === T_DATA) {
      part.flowLength = f.length
      const padded = (f.flags & F_PADDED) !== 0
      part.data = bytes.subarray(FRAME_HEADER + (padded ? 1 : 0), FRAME_HEADER + f.length - (f.padLength ?? 0))
    }
    if (f.offset < this.passedUpTo) {
      // A header block then would leave the HPACK context unknown.
      if (f.type === T_HEADERS || f.type === T_PUSH_PROMISE || f.type === T_CONTINUATION) return this.stop(bytes.subarray(Math.max(0, this.passedUpTo - f.offset)))
      this.sink.observed(part, f.payload)
      return this.passFresh(bytes, f.offset)
    }
    if (this.gathering !== undefined) return this.continuation(f, bytes)
    if (f.type === T_HEADERS || f.type === T_PUSH_PROMISE) return this.blockStart(f, bytes)
    if (f.type === T_CONTINUATION) return this.stop(bytes)
    this.sink.frame(part, f.payload)
  }

  private blockStart(f: RawFrame, bytes: Buffer): void {
    const payload = f.payload
    const skip = f.type === T_PUSH_PROMISE ? 4 : (f.flags & F_PRIORITY) !== 0 ? 5 : 0
    const range = payload && fragmentOf(payload, (f.flags & F_PADDED) !== 0, skip)
    if (!payload || !range) return this.stop(bytes)
    const pad = (f.flags & F_PADDED) !== 0 ? 1 : 0
    const prefix = skip > 0 ? payload.slice(pad, pad + skip) : undefined
    const promised = f.type === T_PUSH_PROMISE ? ((prefix![0] & 0x7f) << 24) | (prefix![1] << 16) | (prefix![2] << 8) | prefix![3] : undefined
    const block = new HeaderBlock(f.dir, f.stream, f.offset, f.time, false)
    this.gathering = { block, b: { first: f, frames: [bytes], fragment: new Uint8Array(0), prefix, promised } }
    if (!block.add(payload.subarray(range.start, range.end), 0, 0, false)) return this.stop()
    if ((f.flags & F_END_HEADERS) !== 0) this.blockDone()
  }

  private continuation(f: RawFrame, bytes: Buffer): void {
    const g = this.gathering!
    g.b.frames.push(bytes)
    if (f.type !== T_CONTINUATION || f.stream !== g.b.first.stream || !f.payload || !g.block.add(f.payload, 0, 0, true)) return this.stop()
    if ((f.flags & F_END_HEADERS) !== 0) this.blockDone()
  }

  private blockDone(): void {
    const g = this.gathering!
    this.gathering = undefined
    g.b.fragment = g.block.bytes()
    this.sink.block(g.b)
  }

  private cut(to: number): Buffer {
    if (to <= this.pendStart) return Buffer.alloc(0)
    const parts: Buffer[] = []
    let need = to - this.pendStart
    while (need > 0 && this.pend.length > 0) {
      const head = this.pend[0]
      if (head.length <= need) {
        parts.push(head)
        this.pend.shift()
        need -= head.length
      } else {
        parts.push(head.subarray(0, need))
        this.pend[0] = head.subarray(need)
        need = 0
      }
    }
    const start = this.pendStart
    this.pendStart = to
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, to - start)
  }

  /** Passes what of `bytes` (at stream offset `at`) was not sent on already. */
  private passFresh(bytes: Buffer, at: number): void {
    const skip = Math.max(0, this.passedUpTo - at)
    if (skip < bytes.length) this.sink.pass(skip > 0 ? bytes.subarray(skip) : bytes)
  }
}
