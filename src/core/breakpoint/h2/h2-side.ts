// One direction of an HTTP/2 connection under HTTP breakpoints. Its frames come whole from
// h2-frame-feed.ts (the decoder's FrameReader) and its header blocks are decoded, in order,
// with the sender's HPACK context, so every stream's headers are known. A frame goes on to the receiver as it came,
// whole, unless its stream's message (request or response) is held: then that stream's frames
// in this direction wait (up to END_STREAM; past MAX_HELD_MESSAGE let through, and said so)
// while other streams and the connection's frames (SETTINGS, PING, WINDOW_UPDATE, GOAWAY)
// flow on. Every step is a `break` record on the connection.
//
// HPACK makes each header block depend on every one before it from the same sender. While a
// held block waits, a later block that passes it reaches the receiver first; the sequence
// rules are in h2-blocks.ts (what goes as it came, what is written again as literals, what
// a drop sends). A held message is h2-held-stream.ts's; what each passing frame changes of
// the connection's settings and windows, h2-frame-effects.ts's. Stream
// ids must reach the server in increasing order, so streams the client opens after a held
// request wait behind it (they are not renumbered); streams opened before it flow on.
// Flow control: DATA held, edited or dropped is accounted for (h2-flow.ts, and a
// WINDOW_UPDATE or a smaller one back to the sender), so neither side's window drifts.

import type { Direction } from '../../../shared/direction'
import { MAX_HELD_MESSAGE, tooBigMessage, type BreakAction, type BreakEventInfo } from '../../../shared/break-types'
import { formatBytes } from '../../../shared/human-readable'
import { F_END_STREAM, FRAME_HEADER, T_DATA, T_HEADERS, T_PUSH_PROMISE, T_RST_STREAM } from '../../protocols/http2/frame-reader'
import { H2FrameFeed, type BlockFrames, type FeedSink, type FramePart } from './h2-frame-feed'
import { HpackDecoder } from '../../protocols/http2/hpack/hpack-decoder'
import type { StagePort } from '../../proxy/forward-stage'
import type { BreakEntry, BreakRegistry } from '../break-registry'
import type { MessageHead } from '../break-match'
import type { HeldItem, HeldOwner, HeldQueue } from '../held-queue'
import { heldFor, recordBreak, type BreakMore } from '../break-record'
import { READ_AHEAD } from '../read-ahead'
import { CANCEL, DEFAULT_MAX_FRAME, dataFrames, headerFrames, rstStream, windowUpdate } from './h2-frames'
import { FlowWindow } from './h2-flow'
import { h2Text, parseH2Text } from './h2-text-form'
import { BlockSequence, type Block, type EditSent } from './h2-blocks'
import { frameEffects, type SideState } from './h2-frame-effects'
import { headOf, partSize, type HeldStream, type Part } from './h2-held-stream'

export interface H2SideDeps {
  connId: number
  queue: HeldQueue
  registry: BreakRegistry
  /** The HTTP rule of this direction that holds a message with this head, if any. */
  rule(head: MessageHead): BreakEntry | undefined
  /** Whether the sender must be paused, as far as HTTP/2 holding goes. */
  pause(paused: boolean): void
}

/** Streams a drop reset, whose later frames are swallowed; the oldest forgotten past this. */
const MAX_DROPPED = 1024

export class H2Side implements HeldOwner, FeedSink, SideState {
  port: StagePort | undefined
  other!: H2Side
  readonly hpack = new HpackDecoder()
  /** What the receiver allows: its SETTINGS_MAX_FRAME_SIZE and flow-control window. */
  maxFrame = DEFAULT_MAX_FRAME
  readonly window = new FlowWindow()
  /** Connection window to take off the WINDOW_UPDATEs going back to this direction's sender: an edit sent the receiver more than the sender counted. */
  debt = 0
  private readonly feed: H2FrameFeed
  private readonly blocks = new BlockSequence()
  private readonly held = new Map<number, HeldStream>()
  private heldBytes = 0
  private waitingBytes = 0
  private readonly dropped = new Set<number>()
  /**
   * Streams the client opened after a held request, and their frames in order: they wait
   * behind it, since stream ids must reach the server in increasing order (RFC 9113 section
   * 5.1.1: a higher one first would close the held stream), and streams are not renumbered.
   */
  private readonly later = new Set<number>()
  private behind: Part[] = []
  private out: Buffer[] = []
  private inData = false
  private finWaiting: (() => void) | undefined
  private closed = false

  constructor(
    readonly dir: Direction,
    private readonly deps: H2SideDeps
  ) {
    this.feed = new H2FrameFeed(dir, this)
  }

  /** The server's bytes before the client's first ones showed HTTP/2: already sent on, read for their settings. */
  observe(chunk: Buffer, offset: number): void {
    this.feed.observe(chunk, offset)
  }

  data(chunk: Buffer, offset: number): void {
    this.inData = true
    this.feed.push(chunk, offset)
    this.inData = false
    this.flush()
  }

  /** The sender's FIN: `end` is called once nothing of this direction is held. */
  fin(end: () => void): void {
    this.finWaiting = end
    this.maybeEnd()
  }

  close(): void {
    this.closed = true
    for (const hs of this.held.values()) {
      if (hs.item === undefined) continue
      this.record(hs.item, 'closed', 'connection closed while held')
      this.deps.queue.connectionClosed(hs.item)
    }
    this.held.clear()
  }

  /** A frame the stage makes for this direction's receiver (a reset, a window given back): sent at once, between whole frames. */
  inject(frame: Buffer): void {
    if (this.closed) return
    this.out.push(frame)
    if (!this.inData) this.flush()
  }

  // ---- reading (FeedSink)

  pass(bytes: Buffer): void {
    this.emit(bytes)
  }

  frame(p: FramePart, payload?: Uint8Array): void {
    this.unit(p, payload)
  }

  observed(p: FramePart, payload?: Uint8Array): void {
    frameEffects(this, this.other, p, payload)
  }

  block(g: BlockFrames): void {
    const f = g.first
    const b = this.blocks.block(f.type, f.stream, f.type === T_HEADERS && (f.flags & F_END_STREAM) !== 0, g.frames, g.fragment, this.hpack.decode(g.fragment), f.offset, g.prefix, g.promised)
    // The sender's HPACK context is lost: its blocks can no longer be read (the receiver will say so too).
    if (b.decoded.error !== undefined) return this.feed.stop(Buffer.concat(g.frames))
    const s = b.stream
    if (b.type === T_PUSH_PROMISE && b.promised !== undefined) this.window.open(b.promised)
    const head = headOf(this.dir, b)
    if (head?.method !== undefined) {
      this.window.open(s)
      this.other.window.open(s)
    }
    this.route(b, head)
  }

  private startHeld(b: Block, head: MessageHead, entry: BreakEntry): void {
    const s = b.stream
    const summary = this.dir === 'client' ? `${head.method} ${head.target ?? ''}`.slice(0, 120) : String(head.status)
    const held: HeldStream = { stream: s, head: b, parts: [], size: b.size, complete: b.endStream || (head.status !== undefined && head.status < 200), entry, summary, flowLength: 0, waiting: [] }
    this.held.set(s, held)
    this.blocks.holding(b)
    this.heldBytes += b.size
    if (held.complete) this.enqueue(held)
    else this.bound(held)
  }

  private unit(p: FramePart, payload?: Uint8Array): void {
    const s = p.stream
    if (s !== 0 && this.dropped.has(s)) return this.swallow(p)
    const hs = s === 0 ? undefined : this.held.get(s)
    if (hs !== undefined) return this.toHeld(hs, p)
    if (this.later.has(s)) return this.wait(p)
    this.send(p, payload)
  }

  /** A request that opens `stream` while one opened before it is held (its HEADERS not sent yet). */
  private opensAfterHeld(stream: number): boolean {
    for (const held of this.held.keys()) if (held < stream) return true
    return false
  }

  private wait(p: Part): void {
    this.later.add('block' in p ? p.block.stream : p.stream)
    this.behind.push(p)
    this.waitingBytes += partSize(p)
    if (this.waitingBytes > READ_AHEAD) this.deps.pause(true)
  }

  private toHeld(hs: HeldStream, p: Part): void {
    const size = partSize(p)
    if (hs.complete) {
      hs.waiting.push(p)
      this.waitingBytes += size
      if (this.waitingBytes > READ_AHEAD) this.deps.pause(true)
      return
    }
    if (!('block' in p) && p.type === T_RST_STREAM) {
      // The sender gave up on its own message before it was whole: it goes on as it came, reset.
      hs.parts.push(p)
      return this.letThrough(hs)
    }
    hs.parts.push(p)
    hs.size += size
    this.heldBytes += size
    if ('block' in p) this.blocks.holding(p.block)
    else hs.flowLength += p.flowLength ?? 0
    const flags = 'block' in p ? (p.block.type === T_HEADERS && p.block.endStream ? F_END_STREAM : 0) : p.type === T_DATA ? p.flags : 0
    if ((flags & F_END_STREAM) !== 0) {
      hs.complete = true
      return this.enqueue(hs)
    }
    this.bound(hs)
  }

  /** Past MAX_HELD_MESSAGE (over every message this direction keeps), the one growing goes on as it came. */
  private bound(hs: HeldStream): void {
    if (this.heldBytes <= MAX_HELD_MESSAGE) return
    this.port?.event('break', { rule: '', held: 0, action: 'too-big', message: tooBigMessage(hs.summary), offset: hs.head.offset, size: hs.size, summary: hs.summary, stream: hs.stream } satisfies BreakEventInfo)
    this.letThrough(hs)
  }

  private letThrough(hs: HeldStream): void {
    this.forget(hs)
    this.sendOriginal(hs)
    this.afterRelease(hs)
  }

  private enqueue(hs: HeldStream): void {
    const body = Buffer.concat(hs.parts.flatMap((p) => ('data' in p && p.data ? [p.data] : [])))
    const text = h2Text(hs.head.decoded.fields, body)
    const registry = this.deps.registry
    const kind = this.dir === 'client' ? ('http-request' as const) : ('http-response' as const)
    hs.item = this.deps.queue.add({ proxyId: registry.proxyId, ruleId: hs.entry.rule.id, connId: this.deps.connId, dir: this.dir, kind, summary: hs.summary, stream: hs.stream }, text, hs.entry, registry, hs.head.offset, this)
    this.record(hs.item, 'held', `held ${formatBytes(text.length)} (${hs.summary}) by ${hs.entry.rule.id}`, undefined, { summary: hs.summary, stream: hs.stream })
  }

  // ---- what a person decides (HeldOwner)

  refuse(item: HeldItem, edited: Buffer): string | undefined {
    const hs = this.heldOf(item)
    if (hs === undefined) return undefined
    const parsed = parseH2Text(edited)
    let message: string | undefined
    let more: BreakMore = { stream: hs.stream }
    if ('error' in parsed) message = `edit refused, still held: ${parsed.error}`
    else {
      const room = Math.max(0, this.window.room(hs.stream))
      if (parsed.body.length > room) {
        message = `edit refused, still held: its body of ${formatBytes(parsed.body.length)} is over the ${formatBytes(room)} the receiver's flow-control window allows on stream ${hs.stream} now`
        more = { ...more, bodySize: parsed.body.length, window: room }
      }
    }
    if (message !== undefined) this.record(item, 'refused', message, undefined, more)
    return message
  }

  release(item: HeldItem, bytes: Buffer, action: BreakAction): void {
    const hs = this.heldOf(item)
    if (hs === undefined || this.closed) return
    const seconds = heldFor(item)
    this.forget(hs)
    if (action === 'edited') {
      const parsed = parseH2Text(bytes)
      if ('error' in parsed) {
        // refuse() checked it; should it still not read, the original goes rather than nothing.
        this.record(item, 'forwarded', `forwarded after ${seconds}: the edit could not be read (${parsed.error})`)
        this.sendOriginal(hs)
      } else {
        const { kept, fields } = this.sendEdited(hs, parsed.fields, parsed.body)
        const note = kept.length > 0 ? `; kept ${kept.join(', ')}: the original added them to the receiver's header table` : ''
        // The record keeps what the receiver got: the edit, and the fields kept where they went.
        const forwarded = fields !== undefined ? h2Text(fields, parsed.body) : bytes
        this.record(item, 'edited', `edited: ${formatBytes(item.bytes.length)} → ${formatBytes(forwarded.length)} after ${seconds}${note}`, forwarded, { stream: hs.stream, ...(kept.length > 0 ? { kept } : {}) })
      }
    } else {
      this.record(item, action, action === 'timeout' ? `timed out after ${seconds}: forwarded unchanged` : `forwarded after ${seconds}`)
      this.sendOriginal(hs)
    }
    this.afterRelease(hs)
  }

  drop(item: HeldItem): void {
    const hs = this.heldOf(item)
    if (hs === undefined || this.closed) return
    this.record(item, 'dropped', `dropped after ${heldFor(item)}: stream ${hs.stream} reset (CANCEL) on both sides`, undefined, { stream: hs.stream })
    this.forget(hs)
    const blocks = [hs.head, ...hs.parts.flatMap((p) => ('block' in p ? [p.block] : []))]
    this.emit(...this.blocks.dropFrames(this.dir, hs.stream, blocks, this.maxFrame))
    this.window.close(hs.stream)
    this.other.window.close(hs.stream)
    this.other.inject(rstStream(hs.stream, CANCEL))
    if (hs.flowLength > 0) this.other.inject(windowUpdate(0, hs.flowLength))
    this.forgetStream(hs.stream)
    for (const b of blocks) {
      if (b.promised === undefined) continue
      // A promise the client never saw: the server's pushed stream is reset too, and nothing of it passes.
      this.other.inject(rstStream(b.promised, CANCEL))
      this.forgetStream(b.promised)
    }
    // What waited behind it goes through afterRelease as for a forward: its stream is dropped
    // now, so each part is swallowed there, and its bytes come off what is read ahead.
    this.afterRelease(hs)
  }

  closeConnection(item: HeldItem, how: 'fin' | 'rst'): void {
    const hs = this.heldOf(item)
    if (hs === undefined || this.closed) return
    this.record(item, 'dropped', `dropped after ${heldFor(item)}, connection closed with ${how === 'rst' ? 'RST' : 'FIN'}`, undefined, { closedWith: how, stream: hs.stream })
    this.forget(hs)
    this.flush()
    if (how === 'rst') this.port?.reset('breakpoint')
    else this.port?.close()
  }

  // ---- sending

  private sendOriginal(hs: HeldStream): void {
    this.sendBlock(hs.head)
    for (const p of hs.parts) {
      if ('block' in p) this.sendBlock(p.block)
      else this.send(p)
    }
  }

  /** The edited head and body in place of the original's; its pushes, other frames and trailers as they came. Returns the fields kept for the table, and what the receiver's head then holds. */
  private sendEdited(hs: HeldStream, fields: Array<{ name: string; value: string }>, body: Buffer): EditSent {
    const blocks = hs.parts.flatMap((p) => ('block' in p ? [p.block] : []))
    const trailers = blocks.some((b) => b.type === T_HEADERS)
    const sent = this.sendBlock(hs.head, { fields, endStream: body.length === 0 && !trailers })
    for (const b of blocks) if (b.type === T_PUSH_PROMISE) this.sendBlock(b)
    for (const p of hs.parts) if (!('block' in p) && p.type !== T_DATA) this.send(p)
    for (const f of dataFrames(hs.stream, body, !trailers, this.maxFrame)) this.send({ frame: f, type: T_DATA, flags: f[4], stream: hs.stream, flowLength: f.length - FRAME_HEADER })
    for (const b of blocks) if (b.type === T_HEADERS) this.sendBlock(b)
    // The sender counted the original's DATA against the connection's window, the receiver will count the edit's.
    if (body.length < hs.flowLength) this.other.inject(windowUpdate(0, hs.flowLength - body.length))
    else this.debt += body.length - hs.flowLength
    return sent
  }

  private sendBlock(b: Block, edit?: { fields: Array<{ name: string; value: string }>; endStream: boolean }): EditSent {
    const out = this.blocks.send(b, edit?.fields)
    if (out === 'lost') this.feed.stop()
    const endStream = edit?.endStream ?? b.endStream
    if (out === 'original' || out === 'lost') this.emit(...b.frames)
    else this.emit(...headerFrames(b.type, b.stream, out.block, endStream, this.maxFrame, b.prefix))
    if (endStream && b.type === T_HEADERS) this.window.close(b.stream)
    return out === 'original' || out === 'lost' ? { kept: [] } : { kept: out.kept, fields: out.fields }
  }

  /** A frame goes to the receiver, with what it says for the connection's state. */
  private send(p: FramePart, payload?: Uint8Array): void {
    const frame = frameEffects(this, this.other, p, payload)
    if (frame !== undefined) this.emit(frame)
  }

  /** A frame (or block) of a dropped stream, from its sender: not sent; DATA's window given back. */
  private swallow(p: Part): void {
    if ('block' in p) return this.blocks.swallowed(p.block)
    if (p.flowLength) this.other.inject(windowUpdate(0, p.flowLength))
  }

  private forgetStream(stream: number): void {
    for (const side of [this as H2Side, this.other]) {
      side.dropped.add(stream)
      if (side.dropped.size > MAX_DROPPED) side.dropped.delete(side.dropped.values().next().value!)
    }
  }

  private forget(hs: HeldStream): void {
    this.held.delete(hs.stream)
    this.heldBytes -= hs.size
  }

  /** What waited behind a released message goes on (it may hold again); the sender reads on below the bound; a FIN goes once nothing is held. */
  private afterRelease(hs: HeldStream): void {
    for (const p of hs.waiting) {
      this.waitingBytes -= partSize(p)
      if ('block' in p) this.route(p.block)
      else this.unit(p)
    }
    hs.waiting = []
    // Streams opened after held requests go on, in order, until one is held again.
    const behind = this.behind
    this.behind = []
    this.later.clear()
    for (const p of behind) {
      this.waitingBytes -= partSize(p)
      if ('block' in p) this.route(p.block)
      else this.unit(p)
    }
    if (this.waitingBytes <= READ_AHEAD) this.deps.pause(false)
    this.flush()
    this.maybeEnd()
  }

  /** Where a header block goes: swallowed (its stream dropped), into its held message, behind a held request, held by a rule, or on. */
  private route(b: Block, head = headOf(this.dir, b)): void {
    const s = b.stream
    if (this.dropped.has(s)) return this.swallow({ block: b })
    const hs = this.held.get(s)
    if (hs !== undefined) return this.toHeld(hs, { block: b })
    if (this.later.has(s) || (head?.method !== undefined && this.opensAfterHeld(s))) return this.wait({ block: b })
    const entry = head !== undefined && b.decoded.cut === undefined ? this.deps.rule(head) : undefined
    if (entry === undefined) {
      this.sendBlock(b)
      return
    }
    this.startHeld(b, head!, entry)
  }

  private maybeEnd(): void {
    if (this.finWaiting === undefined || this.held.size > 0 || this.closed) return
    const end = this.finWaiting
    this.finWaiting = undefined
    // Bytes of a frame the FIN cut short go on as they came.
    this.feed.passRest()
    this.flush()
    end()
  }

  private emit(...frames: Buffer[]): void {
    this.out.push(...frames)
  }

  private flush(): void {
    if (this.out.length === 0 || this.port === undefined) return
    const out = this.out
    this.out = []
    this.port.send(out.length === 1 ? out[0] : Buffer.concat(out))
  }

  private heldOf(item: HeldItem): HeldStream | undefined {
    for (const hs of this.held.values()) if (hs.item === item) return hs
    return undefined
  }

  private record(item: HeldItem, action: BreakAction, message: string, sent?: Buffer, more: BreakMore = {}): void {
    this.flush()
    recordBreak(this.port, item, action, message, sent, more)
  }
}
