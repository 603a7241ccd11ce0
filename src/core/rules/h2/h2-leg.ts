// One direction of an HTTP/2 connection under traffic rules: the sender's bytes read as whole
// frames (breakpoint/h2/h2-frame-feed.ts), its header blocks decoded in order with the
// sender's HPACK context, and everything sent on through an H2Outbox (the receiver's
// flow-control windows). A stream a rule may act on is held (`Held`): its frames wait here
// while every other stream and the connection's frames go on, frame by frame, as they came.
//
// HPACK (RFC 7541) makes each block depend on every block before it from the same sender. A
// held block that later blocks pass, an edited block, and a block the receiver never gets (a
// request answered here) are written as h2-blocks.ts says: in order and in step with the
// receiver's table where it can be, else as literals that neither use nor change that table,
// and from then on every later block of this sender too. Blocks this stage makes itself (an
// answer) are literals, so the receiver's table stays the one its peer's encoder knows.
//
// Flow control: DATA a held message brought is given back to its sender at once (a
// WINDOW_UPDATE on the connection, and on the stream while the sender may still send on it),
// so a request never waits on a window the target cannot open for a stream it has not seen;
// what is then sent on is the outbox's to account for (h2-outbox.ts).

import type { Direction } from '../../../shared/direction'
import { MAX_HELD_MESSAGE } from '../../../shared/break-types'
import { formatBytes } from '../../../shared/human-readable'
import { F_ACK, F_END_STREAM, FRAME_HEADER, T_DATA, T_HEADERS, T_PUSH_PROMISE, T_RST_STREAM, T_SETTINGS, T_WINDOW_UPDATE } from '../../protocols/http2/frame-reader'
import { HpackDecoder } from '../../protocols/http2/hpack/hpack-decoder'
import { concatBytes, encodeSizeUpdate } from '../../protocols/http2/hpack/hpack-encoder'
import { settingsOf } from '../../protocols/http2/frame-info'
import { H2FrameFeed, type BlockFrames, type FeedSink, type FramePart } from '../../breakpoint/h2/h2-frame-feed'
import { BlockSequence, type Block } from '../../breakpoint/h2/h2-blocks'
import { dataFrames, headerFrames, literalBlock, windowUpdate } from '../../breakpoint/h2/h2-frames'
import type { ForwardStage, StagePort } from '../../proxy/forward-stage'
import type { TrafficDeps } from '../traffic-deps'
import { H2Outbox } from './h2-outbox'
import type { StreamIds } from './h2-stream-ids'
import type { Field } from './h2-message'
import type { Held, Part, ResponsePlan } from './h2-held'

export type { Held, Part, ResponsePlan } from './h2-held'

/** What a leg asks of its connection. */
export interface LegHost {
  readonly deps: TrafficDeps
  readonly closed: boolean
  /** Client streams the target never got (answered here, reset, dropped). */
  readonly local: { has(stream: number): boolean }
  /** The target's stream ids for the client's (h2-stream-ids.ts). */
  readonly ids: StreamIds
  /** A held message is ready for its rule. */
  decide(leg: H2Leg, held: Held): void
  /** The target's GOAWAY named `targetLast` (the client's `clientLast`): the client's streams it will not process (`unprocessed`, sent later; and those still held here) are refused. */
  refuse(targetLast: number, clientLast: number, unprocessed: number[]): void
  /** The client reset a stream the target never got (a forward of it waits no more). */
  clientReset(stream: number): void
  /** Answers still to come from elsewhere (forwards waiting for their destination). */
  readonly answering?: boolean
  /** A request goes on unheld while the script has onResponse: its response is to be given to the hook. */
  passing(b: Block, summary: string): void
  /** Writes what both legs have for their receivers. */
  flush(): void
  close(): void
}

/** A line in the capture's `rule` records for what no rule did (a bound, a failure). */
export function noteRule(port: StagePort | undefined, message: string, at: { offset?: number; size?: number; summary?: string } = {}): void {
  port?.event('rule', { rule: '', label: '', action: 'error', message, ...at })
}

export const bodyOf = (held: Held): Buffer => Buffer.concat(held.parts.flatMap((p) => ('data' in p && p.data !== undefined ? [p.data] : [])))

const u31 = (b: Uint8Array, at: number): number => ((b[at] & 0x7f) << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]
const MAX_WINDOW = 0x7fffffff

export abstract class H2Leg implements ForwardStage, FeedSink {
  port: StagePort | undefined
  other!: H2Leg
  /** The sender's HPACK context: its blocks, decoded in the order sent. */
  readonly hpack = new HpackDecoder()
  /** The order of the sender's blocks as the receiver gets them. */
  readonly blocks = new BlockSequence()
  readonly outbox: H2Outbox
  protected readonly feed: H2FrameFeed
  protected readonly held = new Map<number, Held>()
  protected heldBytes = 0
  /** DATA frames whose window was given back to the sender already: on the connection, or on their stream too. */
  private readonly credited = new WeakMap<Buffer, 'conn' | 'stream'>()
  /** A dynamic table size the receiver's decoder waits to be told (it lowered SETTINGS_HEADER_TABLE_SIZE): a block made here starts with it. */
  private owedTableSize: number | undefined
  private fed = 0
  private finWanted = false
  private ended = false
  private ending = false

  constructor(
    readonly dir: Direction,
    protected readonly host: LegHost
  ) {
    this.feed = new H2FrameFeed(dir, this)
    this.outbox = new H2Outbox((flow) => this.credit(flow))
  }

  // ---- the stage

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    if (this.host.closed) return
    const at = this.fed
    this.fed += chunk.length
    try {
      this.feed.push(chunk, at)
    } catch (err) {
      // Never expected: reading stops, and from here the bytes go on as they come.
      noteRule(this.port, `HTTP/2 rules stopped reading the ${this.dir === 'client' ? 'client' : 'target'}'s frames: ${(err as Error).message?.split('\n')[0] ?? String(err)}`)
      this.feed.stop()
    }
    this.host.flush()
  }

  fin(port: StagePort): void {
    this.port = port
    this.finWanted = true
    // A header block or frame the FIN cut short goes on as it came.
    this.feed.stop()
    this.feed.passRest()
    this.maybeEnd()
    this.host.flush()
  }

  close(): void {
    this.host.close()
  }

  /** Writes what waits for the receiver. */
  flush(): void {
    if (this.port === undefined) return
    const out = this.outbox.take()
    if (out.length > 0) this.port.send(out.length === 1 ? out[0] : Buffer.concat(out))
  }

  /** Drops what is held: the connection is over. */
  clear(): void {
    this.held.clear()
    this.heldBytes = 0
  }

  // ---- reading (FeedSink)

  pass(bytes: Buffer): void {
    // Reading stopped (a frame that cannot be read): what is held goes first, as it came.
    if (this.feed.stopped) for (const h of [...this.held.values()]) if (!h.deciding) this.letThrough(h)
    this.outbox.raw(bytes)
  }

  frame(p: FramePart, payload?: Uint8Array): void {
    const body = payload ?? p.frame.subarray(FRAME_HEADER)
    if (p.type === T_SETTINGS) {
      const ack = (p.flags & F_ACK) !== 0
      if (!ack) this.settings(body)
      this.outbox.now(p.frame)
      if (this.ownMayFollow(ack)) this.outbox.start()
      return
    }
    if (p.type === T_WINDOW_UPDATE && body.length >= 4 && u31(body, 0) > 0) return this.windowUpdate(p, u31(body, 0))
    if (p.stream === 0) return this.outbox.now(p.frame)
    this.route(p)
  }

  observed(p: FramePart, payload?: Uint8Array): void {
    this.frame(p, payload)
  }

  block(g: BlockFrames): void {
    const f = g.first
    const decoded = this.hpack.decode(g.fragment)
    const endStream = f.type === T_HEADERS && (f.flags & F_END_STREAM) !== 0
    const b = this.blocks.block(f.type, f.stream, endStream, g.frames, g.fragment, decoded, f.offset, g.prefix, g.promised)
    // The sender's HPACK context is lost: its blocks can no longer be read (the receiver will say so too).
    if (decoded.error !== undefined) return this.feed.stop(Buffer.concat(g.frames))
    this.onBlock(b)
  }

  /** A whole header block of the sender, decoded. */
  protected abstract onBlock(b: Block): void

  /** Something was released: what waited behind it goes on. */
  protected released(): void {
    this.maybeEnd()
  }

  /**
   * Whether frames made here may go now that a SETTINGS of the sender went on (`ack`: its
   * acknowledgement of the receiver's): after the sender's first SETTINGS, its connection
   * preface (RFC 9113 section 3.4).
   */
  protected ownMayFollow(ack: boolean): boolean {
    return !ack
  }

  /** Whether answers made here are still to come this way (the FIN waits for them). */
  protected busy(): boolean {
    return false
  }

  /** What a SETTINGS of this direction's sender says of the other direction (its receiver is this sender). */
  private settings(body: Uint8Array): void {
    const other = this.other
    for (const { id, value } of settingsOf(body)) {
      if (id === 1) {
        other.hpack.setMaxTableSize(value)
        if (value < other.hpack.tableSize().max) other.owedTableSize = Math.min(other.owedTableSize ?? value, value)
      } else if (id === 4 && value <= MAX_WINDOW) other.outbox.window.initial = value
      else if (id === 5) other.outbox.maxFrame = value
    }
    other.outbox.drain()
  }

  /** The sender grants the other direction window: it is the other outbox's to use, and goes on less what the receiver owes. */
  private windowUpdate(p: FramePart, increment: number): void {
    const pass = this.other.outbox.update(p.stream, increment)
    this.other.windowOpened()
    if (pass === 0) return
    const frame = pass === increment ? p.frame : windowUpdate(p.stream, pass)
    if (p.stream === 0) return this.outbox.now(frame)
    this.route({ ...p, frame })
  }

  /** A stream's frame: swallowed (a stream the receiver never got), held, or on. */
  protected route(p: FramePart): void {
    const s = p.stream
    if (this.host.local.has(s)) return this.swallow(p)
    const held = this.held.get(s)
    if (held !== undefined) return this.toHeld(held, p)
    this.sendPart(p, false)
  }

  /** A frame of a stream the receiver never got: its DATA's window goes back to the sender; a reset ends what was still going the other way. */
  private swallow(p: FramePart): void {
    if (p.type === T_DATA && !this.credited.has(p.frame) && (p.flowLength ?? 0) > 0) this.credit(p.flowLength!)
    if (p.type !== T_RST_STREAM) return
    this.other.outbox.drop(p.stream)
    if (this.dir === 'client') this.host.clientReset(p.stream)
  }

  /**
   * DATA of a held message is taken over: its window goes back to the sender now, on the
   * connection (else one stream kept here would stall every other stream of the sender) and
   * on its stream while it may still send there; when it is sent on later, the outbox counts
   * it as this stage's.
   */
  private takeOver(p: FramePart): void {
    const flow = p.flowLength ?? 0
    const had = this.credited.get(p.frame)
    const streamToo = (p.flags & F_END_STREAM) === 0
    if (flow === 0 || had === 'stream' || (had === 'conn' && !streamToo)) return
    if (had === undefined) this.credit(flow)
    if (streamToo) this.other.outbox.own(windowUpdate(p.stream, flow))
    this.credited.set(p.frame, streamToo ? 'stream' : 'conn')
  }

  /** Gives the sender back connection window for DATA it sent that the receiver will not count. */
  protected credit(flow: number): void {
    for (let left = flow; left > 0; left -= MAX_WINDOW) this.other.outbox.own(windowUpdate(0, Math.min(left, MAX_WINDOW)))
  }

  // ---- holding

  protected startHeld(b: Block, summary: string, whole: boolean, plan?: ResponsePlan): void {
    const held: Held = { stream: b.stream, head: b, parts: [], size: b.size, flow: 0, complete: b.endStream, whole, deciding: false, summary, ...(plan !== undefined ? { plan } : {}) }
    this.held.set(b.stream, held)
    this.heldBytes += b.size
    this.blocks.holding(b)
    if (held.complete || !whole) return this.ready(held)
    this.bound(held)
  }

  protected toHeld(held: Held, p: Part): void {
    held.parts.push(p)
    const size = 'block' in p ? p.block.size : p.frame.length
    held.size += size
    this.heldBytes += size
    if ('block' in p) {
      this.blocks.holding(p.block)
      if (p.block.type === T_HEADERS && p.block.endStream) held.complete = true
    } else if (p.type === T_DATA) {
      const flow = p.flowLength ?? 0
      const end = (p.flags & F_END_STREAM) !== 0
      held.flow += flow
      this.takeOver(p)
      if (end) held.complete = true
    } else if (p.type === T_RST_STREAM) {
      // The sender gave up on its own message: it goes on as it came, reset.
      return this.letThrough(held)
    }
    if (held.complete && !held.deciding) return this.ready(held)
    this.bound(held)
  }

  private ready(held: Held): void {
    held.deciding = true
    this.host.decide(this, held)
  }

  /** Past MAX_HELD_MESSAGE (held, this direction), a message still coming goes on as it came. */
  protected bound(held?: Held): void {
    if (this.heldBytes <= MAX_HELD_MESSAGE) return
    for (const h of held !== undefined ? [held] : [...this.held.values()]) {
      if (h.complete || this.held.get(h.stream) !== h) continue
      noteRule(this.port, `not matched: ${h.summary} is over the ${formatBytes(MAX_HELD_MESSAGE)} hold limit, let through as it came`, { offset: h.head.offset, size: h.size, summary: h.summary })
      this.letThrough(h)
    }
  }

  protected isHeld(stream: number): boolean {
    return this.held.has(stream)
  }

  /** Whether `held` is still this leg's to act on (not let through, reset or closed meanwhile). */
  isCurrent(held: Held): boolean {
    return this.held.get(held.stream) === held && !this.host.closed
  }

  private forget(held: Held): void {
    this.held.delete(held.stream)
    this.heldBytes -= held.size
  }

  /** The held message goes on as it came. */
  letThrough(held: Held): void {
    if (this.held.get(held.stream) !== held) return
    this.forget(held)
    this.sendBlock(held.head)
    for (const p of held.parts) this.sendPart(p, true)
    this.released()
  }

  /**
   * The held message goes on with `fields` for its head and, when given, `body` for its DATA
   * (then it is whole: its trailers follow the body). Returns what the receiver gets, as
   * frames of at most its frame size (the windows may cut the body's frames smaller).
   */
  releaseEdited(held: Held, fields: Field[], body?: Uint8Array): Buffer {
    if (this.held.get(held.stream) !== held) return Buffer.alloc(0)
    this.forget(held)
    const s = held.stream
    const out: Buffer[] = []
    if (body === undefined) {
      out.push(...this.sendBlock(held.head, { fields, endStream: held.head.endStream }))
      for (const p of held.parts) this.sendPart(p, true)
    } else {
      const blocks = held.parts.flatMap((p) => ('block' in p ? [p.block] : []))
      const trailers = blocks.filter((b) => b.type === T_HEADERS)
      const endOnHead = body.length === 0 && trailers.length === 0
      out.push(...this.sendBlock(held.head, { fields, endStream: endOnHead }))
      for (const b of blocks) if (b.type === T_PUSH_PROMISE) this.sendBlock(b)
      for (const p of held.parts) if (!('block' in p) && p.type !== T_DATA) this.sendPart(p, true)
      if (!endOnHead) {
        this.outbox.body(s, body, trailers.length === 0)
        out.push(...dataFrames(s, body, trailers.length === 0, this.outbox.maxFrame))
      }
      for (const b of trailers) out.push(...this.sendBlock(b))
    }
    this.released()
    return Buffer.concat(out)
  }

  /** The held message never reaches the receiver (answered here, reset, dropped): its blocks still count for HPACK. */
  swallowHeld(held: Held): void {
    if (this.held.get(held.stream) !== held) return
    this.forget(held)
    this.blocks.swallowed(held.head)
    for (const p of held.parts) if ('block' in p) this.blocks.swallowed(p.block)
    this.outbox.window.close(held.stream)
    this.released()
  }

  // ---- sending

  /** A frame (or block) goes to the receiver; `ours`: DATA this stage gave the sender its window back for. */
  protected sendPart(p: Part, ours: boolean): void {
    if ('block' in p) return void this.sendBlock(p.block)
    if (p.type === T_DATA) return this.outbox.data(p.stream, p.frame, p.flowLength ?? 0, (p.flags & F_END_STREAM) !== 0, ours || this.credited.has(p.frame))
    if (p.type === T_RST_STREAM) {
      // A reset ends the stream both ways: what of it still waits, either way, is not sent.
      this.outbox.drop(p.stream)
      this.other.outbox.drop(p.stream)
      this.other.abandon(p.stream)
    }
    this.outbox.now(p.frame)
  }

  /** `stream` will never be the receiver's: what of it waits or is held here is not sent. */
  refused(stream: number): void {
    this.outbox.drop(stream)
    this.abandon(stream)
  }

  /** The stream was reset by the other direction's sender: a message of it held here is let go. */
  protected abandon(stream: number): void {
    const held = this.held.get(stream)
    if (held !== undefined) this.swallowHeld(held)
  }

  /** A block goes to the receiver in its stream's turn, as it came or edited; returns its frames when sent at once. */
  protected sendBlock(b: Block, edit?: { fields: Field[]; endStream: boolean }): Buffer[] {
    let frames: Buffer[] = []
    if (this.outbox.inTurn(b.stream, () => (frames = this.emitBlock(b, edit)))) this.blocks.holding(b)
    return frames
  }

  private emitBlock(b: Block, edit?: { fields: Field[]; endStream: boolean }): Buffer[] {
    const out = this.blocks.send(b, edit?.fields, true)
    if (out === 'lost') this.feed.stop()
    const endStream = edit?.endStream ?? b.endStream
    const frames = out === 'original' || out === 'lost' ? b.frames : headerFrames(b.type, b.stream, out.block, endStream, this.outbox.maxFrame, b.prefix)
    // The sender's size update reached the receiver: nothing is owed any more.
    if ((b.decoded.fields[0]?.offset ?? b.fragment.length) > 0) this.owedTableSize = undefined
    this.outbox.now(...frames)
    if (endStream && b.type === T_HEADERS) this.outbox.window.close(b.stream)
    return frames
  }

  /** A header block made here: literals that leave the receiver's table as its peer's encoder knows it (after a size update it waits for). */
  protected ownBlock(fields: readonly Field[]): Uint8Array {
    const block = literalBlock(fields)
    if (this.owedTableSize === undefined) return block
    const size = this.owedTableSize
    this.owedTableSize = undefined
    return concatBytes([encodeSizeUpdate(size), block])
  }

  /** The sender's FIN goes on once nothing of this direction is held or waits. */
  protected maybeEnd(): void {
    if (!this.finWanted || this.ended || this.ending || this.host.closed) return
    this.ending = true
    // A message the sender ended the connection within goes on as it came.
    for (const h of [...this.held.values()]) if (!h.deciding) this.letThrough(h)
    this.ending = false
    if (this.held.size > 0 || this.outbox.pending || this.busy()) return
    this.ended = true
    this.flush()
    this.port?.end()
  }

  /** The receiver's window grew: what waited may go, and the FIN after it. */
  windowOpened(): void {
    this.maybeEnd()
  }
}
