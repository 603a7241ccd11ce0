// One direction of a WebSocket connection (RFC 6455) cut into whole messages as its bytes
// come, in any split, for traffic rules: a data message's frames (first, continuations, FIN)
// are kept as they came and its payload unmasked and joined; a control frame is a message of
// its own, and one that comes between a message's fragments is given on at once rather than
// waiting behind them (a peer may wait for its pong before it finishes the message). Frame
// headers are read with the decoders' own pieces (protocols/websocket/ws-frame.ts).
//
// Bounded: a message over MAX_HELD_MESSAGE is let through as it comes (what was kept of it,
// then the rest of its frames as they arrive), said once as a `big` piece. A frame length no
// number holds ends the cutting: everything from there passes as it came.

import { MAX_HELD_MESSAGE } from '../../../shared/break-types'
import { AppendBuffer } from '../../protocols/websocket/append-buffer'
import { MAX_HEADER, headerLength, readPayloadLength, unmaskInto, type FrameHeader } from '../../protocols/websocket/ws-frame'

/** A whole message: its frames as sent, and its payload unmasked (still compressed when `compressed`). */
export interface WsWhole {
  kind: 'message'
  opcode: number
  control: boolean
  /** RSV1 on its first frame with permessage-deflate agreed: its payload is compressed. */
  compressed: boolean
  /** Its frames as they came (masked as sent), in order. */
  wire: Buffer[]
  wireLength: number
  payload: Buffer
  /** Where its first frame starts in the sender's stream. */
  offset: number
  frames: number
}

/** Bytes that go on as they came; `boundary`: they end a frame (a frame made here may follow). */
export interface WsRaw {
  kind: 'raw'
  bytes: Buffer
  offset: number
  boundary: boolean
}

/** A message too big to hold (or bytes that are not WebSocket), let through: said once. */
export interface WsLetThrough {
  kind: 'big'
  offset: number
  opcode: number
  compressed: boolean
  why: string
}

export type WsPiece = WsWhole | WsRaw | WsLetThrough

interface Frame extends FrameHeader {
  rsv1: boolean
  /** Where this frame's bytes go: kept with a message, or passed as they come. */
  into: Assembly | 'pass'
}

interface Assembly {
  opcode: number
  control: boolean
  compressed: boolean
  wire: Buffer[]
  wireLength: number
  payload: AppendBuffer
  offset: number
  frames: number
  /** Over the bound: let through as it comes. */
  passing: boolean
}

const CONTINUATION = 0

export class WsCutter {
  /** The next byte's place in the sender's stream. */
  private pos: number
  private readonly header = new Uint8Array(MAX_HEADER)
  private headerHave = 0
  private frame: Frame | undefined
  /** A data message whose last frame has not come. */
  private message: Assembly | undefined
  /** Not WebSocket any more (an impossible length): all passes as it came. */
  private stopped = false

  constructor(
    start: number,
    /** Whether permessage-deflate was agreed (RSV1 then says a message is compressed). */
    private readonly deflate: boolean
  ) {
    this.pos = start
  }

  feed(chunk: Buffer): WsPiece[] {
    const out: WsPiece[] = []
    let i = 0
    while (i < chunk.length) {
      if (this.stopped) {
        out.push({ kind: 'raw', bytes: chunk.subarray(i), offset: this.pos, boundary: false })
        this.pos += chunk.length - i
        break
      }
      i += this.frame === undefined ? this.readHeader(chunk, i, out) : this.readPayload(chunk, i, out)
    }
    return out
  }

  /** The sender's FIN: what is kept of an unfinished frame or message goes on as it came. */
  finish(): WsPiece[] {
    const out: WsPiece[] = []
    const held = this.frame?.into
    if (held !== undefined && held !== 'pass' && held !== this.message) this.letGo(held, out)
    if (this.message !== undefined && !this.message.passing) this.letGo(this.message, out)
    if (this.headerHave > 0) out.push({ kind: 'raw', bytes: Buffer.from(this.header.subarray(0, this.headerHave)), offset: this.pos - this.headerHave, boundary: false })
    this.frame = undefined
    this.message = undefined
    this.headerHave = 0
    return out
  }

  private readHeader(chunk: Buffer, i: number, out: WsPiece[]): number {
    const want = this.headerHave < 2 ? 2 : headerLength(this.header[1])
    const n = Math.min(want - this.headerHave, chunk.length - i)
    this.header.set(chunk.subarray(i, i + n), this.headerHave)
    this.headerHave += n
    this.pos += n
    if (this.headerHave >= 2 && this.headerHave === headerLength(this.header[1])) this.beginFrame(out)
    return n
  }

  private beginFrame(out: WsPiece[]): void {
    const h = this.header
    const size = this.headerHave
    const start = this.pos - size
    const headerBytes = Buffer.from(h.subarray(0, size))
    this.headerHave = 0
    const read = readPayloadLength(h)
    if (read === undefined) {
      // No exact length: nothing after this can be cut into frames.
      if (this.message !== undefined && !this.message.passing) this.letGo(this.message, out)
      this.message = undefined
      this.stopped = true
      out.push({ kind: 'big', offset: start, opcode: h[0] & 0x0f, compressed: false, why: 'a frame length of 2^53 bytes or more: the rest of this direction is let through as it came, not matched' })
      out.push({ kind: 'raw', bytes: headerBytes, offset: start, boundary: false })
      return
    }
    const opcode = h[0] & 0x0f
    const masked = (h[1] & 0x80) !== 0
    const frame: Frame = {
      start,
      fin: (h[0] & 0x80) !== 0,
      opcode,
      rsv1: (h[0] & 0x40) !== 0,
      masked,
      mask: masked ? h.slice(read.maskAt, read.maskAt + 4) : new Uint8Array(0),
      headerLength: size,
      length: read.length,
      done: 0,
      into: 'pass'
    }
    const control = opcode >= 8
    if (control) frame.into = this.assembly(opcode, true, false, start)
    else if (opcode === CONTINUATION) frame.into = this.message !== undefined && !this.message.passing ? this.message : 'pass'
    else {
      // A new message before the last one's FIN: the peer broke the protocol; what was kept goes on as it came.
      if (this.message !== undefined && !this.message.passing) this.letGo(this.message, out)
      this.message = this.assembly(opcode, false, frame.rsv1 && this.deflate, start)
      frame.into = this.message
    }
    const into = frame.into
    if (into !== 'pass' && into.wireLength + size + frame.length > MAX_HELD_MESSAGE) {
      out.push({ kind: 'big', offset: into.offset, opcode: into.opcode, compressed: into.compressed, why: `over the ${MAX_HELD_MESSAGE / 1024 / 1024} MiB hold limit: let through as it came, not matched` })
      this.letGo(into, out)
      frame.into = 'pass'
    }
    if (frame.into === 'pass') out.push({ kind: 'raw', bytes: headerBytes, offset: start, boundary: frame.length === 0 })
    else {
      frame.into.wire.push(headerBytes)
      frame.into.wireLength += size
      frame.into.frames++
    }
    this.frame = frame
    if (frame.length === 0) this.endFrame(out)
  }

  private assembly(opcode: number, control: boolean, compressed: boolean, offset: number): Assembly {
    return { opcode, control, compressed, wire: [], wireLength: 0, payload: new AppendBuffer(), offset, frames: 0, passing: false }
  }

  private readPayload(chunk: Buffer, i: number, out: WsPiece[]): number {
    const frame = this.frame!
    const n = Math.min(frame.length - frame.done, chunk.length - i)
    const piece = chunk.subarray(i, i + n)
    const into = frame.into
    if (into === 'pass') out.push({ kind: 'raw', bytes: piece, offset: this.pos, boundary: frame.done + n === frame.length })
    else {
      into.wire.push(piece)
      into.wireLength += n
      unmaskInto(into.payload.reserve(n), piece, 0, frame)
    }
    frame.done += n
    this.pos += n
    if (frame.done === frame.length) this.endFrame(out)
    return n
  }

  private endFrame(out: WsPiece[]): void {
    const frame = this.frame!
    this.frame = undefined
    const into = frame.into
    const ends = frame.opcode >= 8 || frame.fin
    if (frame.opcode < 8 && frame.fin && this.message !== undefined && (into === this.message || this.message.passing)) this.message = undefined
    if (into === 'pass' || !ends) return
    const payload = into.payload.view()
    out.push({
      kind: 'message',
      opcode: into.opcode,
      control: into.control,
      compressed: into.compressed,
      wire: into.wire,
      wireLength: into.wireLength,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      offset: into.offset,
      frames: into.frames
    })
  }

  /** What is kept of `a` goes on as it came (whole frames, unless a frame is half read), and the rest of it as it comes. */
  private letGo(a: Assembly, out: WsPiece[]): void {
    if (a.wireLength > 0) {
      const midFrame = this.frame !== undefined && this.frame.into === a && this.frame.done < this.frame.length
      out.push({ kind: 'raw', bytes: Buffer.concat(a.wire, a.wireLength), offset: a.offset, boundary: !midFrame })
    }
    a.wire = []
    a.wireLength = 0
    a.payload = new AppendBuffer()
    a.passing = true
    if (this.frame?.into === a) this.frame.into = 'pass'
  }
}
