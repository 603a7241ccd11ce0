// A WebSocket conversation after its upgrade (RFC 6455), decoded from both directions'
// bytes as they come: frames joined into messages (control frames may come between a
// message's fragments), payloads unmasked and, with permessage-deflate (RFC 7692),
// inflated. A message is indexed when its first frame's first byte is fed, across both
// directions in the order they are fed (capture order); a control frame sent between the
// fragments of a message therefore has a later index than that message though it completes
// first. Payloads are not kept: a message keeps its first WS_PREVIEW_BYTES, and a replay
// with `keepPayload` keeps one window of one message, for ws.payload. Bad input becomes a
// DecodeProblem at its offset; nothing throws, and what is held is bounded (a frame header,
// a preview, a compressed message up to MAX_COMPRESSED_MESSAGE).

import type { Direction } from '../../../shared/capture-types'
import { WS_PREVIEW_BYTES, type DecodeProblem, type WsMessage } from '../../../shared/protocol-types'
import { NOTHING_MORE, type InflateRaw } from '../stream-decoder'
import { AppendBuffer } from './append-buffer'
import type { WsDeflateParams } from './ws-extensions'
import { MAX_CONTROL_PAYLOAD, MAX_HEADER, OPCODES, headerLength, readPayloadLength, type FrameHeader } from './ws-frame'
import { MAX_COMPRESSED_MESSAGE, WsInflateContext } from './ws-inflate'
import { abandonKept, keptPiece, newKept, type Kept, type KeptPayload } from './ws-kept-payload'
import { EMPTY, completeMessage, newMessage, readClose, takeInflated, takePayload, wireOf, type Message } from './ws-message'

export { NOTHING_MORE } from '../stream-decoder'
export { parseWsExtensions, type WsDeflateParams } from './ws-extensions'
export type { KeptPayload } from './ws-kept-payload'

export interface WsDecoderOptions {
  /** Where each direction's frames start: the first byte after the upgrade's head. */
  start: Record<Direction, number>
  /** What the 101 agreed (parseWsExtensions); absent: no permessage-deflate. */
  deflate?: WsDeflateParams
  /** Without it compressed messages are found but not inflated (a problem says so). */
  inflateRaw?: InflateRaw
  /** The index of the first message (default 0). */
  firstIndex?: number
  /**
   * Keep bytes [from, from + length) of message `index`'s payload (unmasked, joined,
   * inflated), for ws.payload. The replay must feed both directions from the same start as
   * the original decoding, so that indexes match (and, with deflate, contexts too).
   */
  keepPayload?: { index: number; from: number; length: number }
}

/** Past this many problems a direction is garbage, not WebSocket: its decoding stops there. */
const MAX_PROBLEMS = 100

interface Frame extends FrameHeader {
  /** Absent for a continuation frame with nothing to continue: its payload is passed over. */
  msg?: Message
}

interface Side {
  dir: Direction
  /** The next stream offset expected. */
  pos: number
  phase: 'frames' | 'stopped'
  header: Uint8Array
  headerHave: number
  /** The frame being read; its header while `inHeader`. */
  frame?: Frame
  inHeader: boolean
  /** A data message whose last frame has not come. */
  fragmented?: Message
  inflate?: WsInflateContext
  closed: boolean
  /** Problems said once per direction, by name. */
  said: Set<string>
  problems: number
}

export class WebSocketDecoder {
  private readonly sides: Record<Direction, Side>
  private readonly deflate: WsDeflateParams | undefined
  private nextIndex: number
  private readonly keep: { index: number; kept: Kept } | undefined
  private readonly changed = new Map<number, Message>()
  private problems: DecodeProblem[] = []

  constructor(opts: WsDecoderOptions) {
    this.deflate = opts.deflate
    this.nextIndex = opts.firstIndex ?? 0
    const side = (dir: Direction, noTakeover: boolean | undefined): Side => ({
      dir,
      pos: opts.start[dir],
      phase: 'frames',
      header: new Uint8Array(MAX_HEADER),
      headerHave: 0,
      inHeader: false,
      inflate: opts.deflate && opts.inflateRaw ? new WsInflateContext(!noTakeover, opts.inflateRaw) : undefined,
      closed: false,
      said: new Set(),
      problems: 0
    })
    this.sides = {
      client: side('client', opts.deflate?.clientNoContextTakeover),
      server: side('server', opts.deflate?.serverNoContextTakeover)
    }
    const k = opts.keepPayload
    if (k) this.keep = { index: k.index, kept: newKept(k.from, k.length) }
  }

  /** The index the next message gets: messages found so far, with firstIndex. */
  get count(): number {
    return this.nextIndex
  }

  push(dir: Direction, bytes: Uint8Array, offset: number, time: number): void {
    const side = this.sides[dir]
    if (side.phase !== 'frames' || this.ignores(dir)) return
    let i = 0
    if (offset < side.pos) {
      i = side.pos - offset
      if (i >= bytes.length) return
    } else if (offset > side.pos) {
      if (offset > this.wantFrom(dir)) {
        this.stop(side, side.pos, `bytes ${side.pos} to ${offset} are missing: decoding stops there`)
        return
      }
      this.skip(side, offset - side.pos, time)
    }
    while (i < bytes.length && side.phase === 'frames') {
      i += side.frame === undefined || side.inHeader ? this.readHeader(side, bytes, i, time) : this.readPayload(side, bytes, i, time)
      if (side.problems >= MAX_PROBLEMS) this.stop(side, side.pos, `more than ${MAX_PROBLEMS} problems: this is not WebSocket, decoding stops`)
    }
    const msg = side.frame?.msg
    if (msg) this.extend(msg, side.pos)
  }

  end(dir: Direction, _time: number): void {
    const side = this.sides[dir]
    if (side.phase !== 'frames') return
    const frame = side.frame
    if (frame && side.inHeader) this.stop(side, side.pos, 'the stream ended inside a frame header')
    else if (frame) this.stop(side, side.pos, `the stream ended inside a frame: ${frame.done} of its ${frame.length} payload bytes came`)
    else if (side.fragmented) this.stop(side, side.pos, "the stream ended before the fragmented message's last frame")
    else side.phase = 'stopped'
  }

  wantFrom(dir: Direction): number {
    const side = this.sides[dir]
    if (side.phase !== 'frames' || this.ignores(dir)) return NOTHING_MORE
    const frame = side.frame
    if (frame === undefined || side.inHeader) return side.pos
    const rest = frame.length - frame.done
    const msg = frame.msg
    if (!msg) return side.pos + rest
    // A compressed message is inflated whole, and with context takeover every one shapes the next.
    if (msg.deflated) return side.pos
    if (msg.wire.compressed) return side.pos + rest
    const at = msg.wire.size
    if (at < WS_PREVIEW_BYTES) return side.pos
    const kept = msg.kept
    if (kept && !kept.settled) return kept.from <= at ? side.pos : side.pos + Math.min(rest, kept.from - at)
    return side.pos + rest
  }

  takeChanges(): { messages: WsMessage[]; problems: DecodeProblem[] } {
    const messages = [...this.changed.values()].sort((a, b) => a.wire.index - b.wire.index).map(wireOf)
    this.changed.clear()
    const problems = this.problems
    this.problems = []
    return { messages, problems }
  }

  /**
   * With keepPayload: the kept window of that message's payload (unmasked, joined, inflated),
   * once the message is reached; it grows while the message arrives. Once it is filled or
   * its message ended, the decoder wants nothing more (wantFrom says NOTHING_MORE).
   */
  keptPayload(): KeptPayload | undefined {
    return this.keep ? keptPiece(this.keep.kept) : undefined
  }

  // With keepPayload, once the message is found only its direction matters, and once its window is settled nothing does.
  private ignores(dir: Direction): boolean {
    const kept = this.keep?.kept
    return kept !== undefined && kept.dir !== undefined && (kept.settled || kept.dir !== dir)
  }

  private readHeader(side: Side, bytes: Uint8Array, i: number, time: number): number {
    if (side.frame === undefined) {
      side.header[0] = bytes[i]
      side.headerHave = 1
      this.beginFrame(side, bytes[i], time)
      side.pos += 1
      return 1
    }
    const want = side.headerHave < 2 ? 2 : headerLength(side.header[1])
    const n = Math.min(want - side.headerHave, bytes.length - i)
    side.header.set(bytes.subarray(i, i + n), side.headerHave)
    side.headerHave += n
    side.pos += n
    if (side.headerHave >= 2 && side.headerHave === headerLength(side.header[1])) this.endHeader(side, time)
    return n
  }

  private beginFrame(side: Side, b0: number, time: number): void {
    const start = side.pos
    const fin = (b0 & 0x80) !== 0
    const rsv1 = (b0 & 0x40) !== 0
    const opcode = b0 & 0x0f
    const frame: Frame = { start, fin, opcode, masked: false, mask: EMPTY, headerLength: 0, length: 0, done: 0 }
    side.frame = frame
    side.inHeader = true
    if (side.closed) this.sayOnce(side, 'after-close', start, 'a frame after this side sent its close frame')
    if (b0 & 0x30) this.problem(side, start, 'RSV2 or RSV3 set: no extension that uses them was agreed')
    if (opcode === 0) {
      frame.msg = side.fragmented
      if (frame.msg) frame.msg.wire.frames += 1
      else this.problem(side, start, 'a continuation frame with no fragmented message to continue')
      if (rsv1) this.problem(side, start, "RSV1 set on a continuation frame: only a message's first frame says it is compressed")
      return
    }
    const control = opcode >= 8
    if (!control && side.fragmented) {
      this.problem(side, start, 'a new message began before the fragmented one had its last frame')
      this.abandon(side, side.fragmented)
      side.fragmented = undefined
    }
    const name = OPCODES[opcode] ?? 'reserved'
    if (name === 'reserved') this.problem(side, start, `reserved opcode 0x${opcode.toString(16)}`)
    if (control && !fin) this.problem(side, start, 'a fragmented control frame: control frames cannot be fragmented')
    if (rsv1 && control) this.problem(side, start, 'RSV1 set on a control frame: control frames are never compressed')
    else if (rsv1 && !this.deflate) this.problem(side, start, 'RSV1 set, but permessage-deflate was not agreed')
    const compressed = rsv1 && !control && this.deflate !== undefined
    const msg = this.newMessage(side, name as WsMessage['opcode'], control, compressed, start, time)
    frame.msg = msg
    if (!control && !fin) side.fragmented = msg
  }

  private newMessage(side: Side, opcode: WsMessage['opcode'], control: boolean, compressed: boolean, start: number, time: number): Message {
    const index = this.nextIndex++
    const msg = newMessage(index, side.dir, opcode, control, compressed, start, time)
    if (compressed) {
      if (side.inflate) msg.deflated = new AppendBuffer()
      else {
        msg.notInflated = 'not inflated: no inflater'
        this.sayOnce(side, 'no-inflater', start, 'compressed messages are not inflated here (no inflater)')
      }
    }
    if (this.keep && this.keep.index === index) {
      msg.kept = this.keep.kept
      msg.kept.dir = side.dir
    }
    this.changed.set(index, msg)
    return msg
  }

  private endHeader(side: Side, time: number): void {
    const frame = side.frame as Frame
    const h = side.header
    const read = readPayloadLength(h)
    if (!read) {
      this.stop(side, frame.start + 2, 'a frame length of 2^53 bytes or more: decoding stops')
      return
    }
    const { length, maskAt } = read
    frame.masked = (h[1] & 0x80) !== 0
    if (frame.masked) frame.mask = h.slice(maskAt, maskAt + 4)
    if (frame.masked !== (side.dir === 'client')) {
      const rule = side.dir === 'client' ? 'a client frame without a mask: a client masks every frame' : 'a masked server frame: a server never masks'
      this.sayOnce(side, 'mask', frame.start + 1, rule)
    }
    frame.length = length
    frame.headerLength = side.headerHave
    side.inHeader = false
    side.headerHave = 0
    const msg = frame.msg
    if (msg) {
      if (msg.wire.frames === 1) {
        msg.wire.masked = frame.masked
        msg.payloadAt = frame.start + frame.headerLength
      }
      if (msg.control && length > MAX_CONTROL_PAYLOAD) {
        this.problem(side, frame.start + 1, `a control frame of ${length} bytes: at most ${MAX_CONTROL_PAYLOAD} are allowed`)
      }
      if (msg.kept && !msg.wire.compressed && frame.fin) msg.kept.total = msg.wire.size + length
    }
    if (length === 0) this.endFrame(side, time)
  }

  private readPayload(side: Side, bytes: Uint8Array, i: number, time: number): number {
    const frame = side.frame as Frame
    const n = Math.min(frame.length - frame.done, bytes.length - i)
    const msg = frame.msg
    if (msg) {
      const held = takePayload(msg, frame, bytes.subarray(i, i + n))
      if (held >= 0) {
        this.problem(side, side.pos + MAX_COMPRESSED_MESSAGE - held, msg.notInflated!)
        side.inflate?.loseContext()
      }
    }
    frame.done += n
    side.pos += n
    if (frame.done === frame.length) this.endFrame(side, time)
    return n
  }

  // Bytes wantFrom let go: the current frame's payload, which nothing looks at.
  private skip(side: Side, gap: number, time: number): void {
    const frame = side.frame as Frame
    frame.done += gap
    side.pos += gap
    const msg = frame.msg
    if (msg && !msg.wire.compressed) msg.wire.size += gap
    if (frame.done === frame.length) this.endFrame(side, time)
  }

  private endFrame(side: Side, time: number): void {
    const frame = side.frame as Frame
    side.frame = undefined
    side.inHeader = false
    const msg = frame.msg
    if (!msg) return
    this.extend(msg, side.pos)
    if (msg.control) {
      if (msg.wire.opcode === 'close') this.readClose(side, msg, frame)
      this.complete(msg, time)
      return
    }
    if (!frame.fin) return
    if (side.fragmented === msg) side.fragmented = undefined
    if (msg.deflated) this.inflateMessage(side, msg)
    this.complete(msg, time)
  }

  private readClose(side: Side, msg: Message, frame: Frame): void {
    side.closed = true
    const problem = readClose(msg, frame)
    if (problem) this.problem(side, problem.at, problem.message)
  }

  private inflateMessage(side: Side, msg: Message): void {
    const deflated = msg.deflated
    const inflate = side.inflate
    if (!deflated || !inflate) return
    msg.deflated = undefined
    if (inflate.isLost) {
      this.sayOnce(side, 'context-lost', msg.payloadAt, 'compressed messages after a lost one are not inflated: they may refer back into it')
      msg.notInflated = 'not inflated: an earlier compressed message was lost'
      return
    }
    const { output, error } = inflate.inflateMessage(deflated.view())
    if (error !== undefined) {
      msg.notInflated = `permessage-deflate: ${error}`
      this.problem(side, msg.payloadAt, msg.notInflated)
      return
    }
    takeInflated(msg, output, true)
  }

  private complete(msg: Message, time: number): void {
    completeMessage(msg, time)
    this.changed.set(msg.wire.index, msg)
  }

  /** A message that will not complete: what came of it stays, and a compressed one takes its side's context with it. */
  private abandon(side: Side, msg: Message): void {
    this.changed.set(msg.wire.index, msg)
    const deflated = msg.deflated
    if (deflated && side.inflate) {
      msg.deflated = undefined
      const output = side.inflate.inflatePart(deflated.view())
      takeInflated(msg, output, false)
    }
    if (msg.wire.compressed) side.inflate?.loseContext()
    if (msg.kept) abandonKept(msg.kept, msg.notInflated)
  }

  private stop(side: Side, at: number, message: string): void {
    this.problems.push({ dir: side.dir, offset: at, message })
    const current = side.frame?.msg
    if (current) {
      this.extend(current, side.pos)
      this.abandon(side, current)
    }
    if (side.fragmented && side.fragmented !== current) this.abandon(side, side.fragmented)
    side.frame = undefined
    side.fragmented = undefined
    side.phase = 'stopped'
  }

  private extend(msg: Message, to: number): void {
    msg.wire.range.length = to - msg.wire.range.offset
    this.changed.set(msg.wire.index, msg)
  }

  private problem(side: Side, offset: number, message: string): void {
    side.problems += 1
    if (side.problems <= MAX_PROBLEMS) this.problems.push({ dir: side.dir, offset, message })
  }

  private sayOnce(side: Side, key: string, offset: number, message: string): void {
    if (side.said.has(key)) return
    side.said.add(key)
    this.problem(side, offset, message)
  }
}
