// One direction of a connection under breakpoints (a ForwardStage, forward-stage.ts). A raw
// rule holds a chunk as it comes; an HTTP rule holds a whole message (http-framer.ts); a
// message rule a whole message of the connection's framing (message-framer.ts). While
// something is held what comes after it waits behind it in order, so nothing overtakes a
// held message; past READ_AHEAD of it the sender is not read (`port.hold`), so memory stays
// bounded. The other direction flows on. Every step is a `break` record on the connection.

import type { Direction } from '../../shared/direction'
import { tooBigMessage, type BreakAction, type BreakEventInfo, type HeldKind, type HeldMessage } from '../../shared/break-types'
import type { Described } from '../protocols/messages/message-codec'
import { MessageConversation, RECOGNISE_WAIT_MS, type FramedPiece, type MessageFramingDeps, type MessageSide } from './message-framer'
import { formatBytes } from '../../shared/human-readable'
import type { ForwardStage, StagePair, StagePort } from '../proxy/forward-stage'
import type { BreakEntry, BreakRegistry } from './break-registry'
import type { MessageHead } from './break-match'
import { HttpConversation, HttpFramer, type Framed } from './http-framer'
import { H2Conversation, type H2Host } from './h2/h2-conversation'
import type { HeldItem, HeldOwner, HeldQueue } from './held-queue'
import { heldFor, recordBreak, type BreakMore } from './break-record'
import { READ_AHEAD } from './read-ahead'

/** What a connection's breakpoint stages need from the engine. */
export interface BreakDeps {
  registry: BreakRegistry
  queue: HeldQueue
  /** Whether the list's filter picks this connection as it stands now. */
  picks(connId: number, entry: BreakEntry): boolean
  /** How the connection is cut into messages, for message rules (its proxy's `--frame`, "decode as", or recognised). */
  framing?: MessageFramingDeps
}

/** The breakpoint stages of connection `connId`. */
export function breakPair(connId: number, deps: BreakDeps): StagePair {
  const conv = new HttpConversation()
  const dirs = {} as Record<Direction, BreakDirection>
  const h2 = new H2Conversation(connId, deps.queue, deps.registry, (dir) => dirs[dir])
  const messages = new MessageConversation(deps.framing ?? { framing: () => undefined, port: () => undefined })
  dirs.client = new BreakDirection(connId, 'client', deps, conv, h2, messages)
  dirs.server = new BreakDirection(connId, 'server', deps, conv, h2, messages)
  return dirs
}

/**
 * A chunk that came while something was held, where it starts in the stream, and whether raw
 * rules saw it already; or a whole message cut already (`piece`), which only message rules look at.
 */
type Pending = { bytes: Buffer; offset: number; checked?: boolean; piece?: FramedPiece } | 'fin'

export { READ_AHEAD }

export class BreakDirection implements ForwardStage, HeldOwner, H2Host {
  private port: StagePort | undefined
  private held: HeldItem | undefined
  /** What came while something was held, in order, and its bytes. */
  private pending: Pending[] = []
  private pendingBytes = 0
  /** Bytes of this direction's stream given to the stage so far (where the next chunk starts). */
  private received = 0
  /** Where the bytes the framer has been fed start in the stream. */
  private fed = 0
  private framer: HttpFramer | undefined
  private closed = false
  private finished = false
  /** HTTP/2 holding wants the sender paused (frames behind a held stream past READ_AHEAD). */
  private h2Paused = false
  /** Cutting this direction into messages, once a message rule asked (it goes on, rule or not, so no message is cut in two). */
  private cutting: MessageSide | undefined
  /** Settles the wait for the protocol to be recognised. */
  private recogniseTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly connId: number,
    private readonly dir: Direction,
    private readonly deps: BreakDeps,
    private readonly conv: HttpConversation,
    private readonly h2: H2Conversation,
    private readonly messages: MessageConversation
  ) {}

  open(port: StagePort): void {
    this.port = port
    this.h2.side(this.dir).port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    this.h2.side(this.dir).port = port
    const offset = this.received
    this.received += chunk.length
    if (this.held !== undefined || this.pending.length > 0) return this.wait({ bytes: chunk, offset })
    this.take(chunk, offset, false)
  }

  fin(port: StagePort): void {
    this.port = port
    if (this.held !== undefined || this.pending.length > 0) return this.wait('fin')
    this.finish()
  }

  close(): void {
    this.closed = true
    clearTimeout(this.recogniseTimer)
    this.clearPending()
    if (this.h2.state === 'h2') this.h2.side(this.dir).close()
    if (this.held !== undefined) {
      const item = this.held
      this.record(item, 'closed', 'connection closed while held')
      this.deps.queue.connectionClosed(item)
    }
  }

  /** A chunk, at stream offset `offset`: held by a raw rule (unless they saw it already), or on to the framer or the receiver. */
  private take(chunk: Buffer, offset: number, checked: boolean): void {
    if (!checked) {
      const entry = this.rawRule(chunk)
      if (entry !== undefined) return this.hold('chunk', chunk, offset, entry)
    }
    this.frame(chunk, offset)
  }

  private frame(chunk: Buffer, offset: number): void {
    if (this.h2.state === 'unknown') {
      if (this.dir === 'client') {
        const decided = this.h2.clientProbe(chunk, offset, this.deps.registry.size > 0)
        if (decided === undefined) return
        chunk = decided.bytes
        offset = decided.offset
      } else this.h2.serverObserve(chunk, offset)
    }
    if (this.h2.state === 'h2') return this.h2.side(this.dir).data(chunk, offset)
    if (this.cutting === undefined && this.deps.registry.framesMessages) this.cutting = this.messages.sides[this.dir]
    if (this.cutting !== undefined && !this.cutting.passing) return this.pieces(this.cutting.feed(chunk, offset))
    this.frameHttp(chunk, offset)
  }

  /** What no message framing covers: on to the HTTP framer when an HTTP rule wants it, else to the receiver. */
  private frameHttp(chunk: Buffer, offset: number): void {
    if (this.framer === undefined && this.deps.registry.framesHttp && !this.conv.over) {
      this.framer = new HttpFramer(this.dir, this.conv, (head) => this.httpRule(head) !== undefined)
      this.fed = offset
    }
    if (this.framer === undefined || this.framer.passing) return void this.port!.send(chunk)
    const start = this.fed
    this.fed += chunk.length
    this.framed(this.framer.feed(chunk), start)
  }

  /** Cut messages and unframed bytes, in order: each message its rules hold or let go; what follows a held one waits behind it. */
  private pieces(list: FramedPiece[]): void {
    if (this.cutting?.undecided === true && list.length === 0) return this.awaitRecognition()
    clearTimeout(this.recogniseTimer)
    for (let i = 0; i < list.length; i++) {
      const piece = list[i]
      const entry = piece.message === undefined || piece.message.error !== undefined ? undefined : this.messageRule(piece)
      if (entry === undefined) {
        if (piece.message === undefined) this.frameHttp(piece.bytes, piece.offset)
        else this.port!.send(piece.bytes)
        continue
      }
      for (let j = list.length - 1; j > i; j--) this.wait({ bytes: list[j].bytes, offset: list[j].offset, checked: true, piece: list[j] }, true)
      const d = this.describeOnce(piece)
      this.hold('message', piece.bytes, piece.offset, entry, d.summary, { protocol: this.messages.codec!.name, fields: d.fields })
      return
    }
  }

  /** The client's first bytes cannot tell the protocol yet: more may come, else a moment later they go as they are. */
  private awaitRecognition(): void {
    if (this.recogniseTimer !== undefined) return
    this.recogniseTimer = setTimeout(() => {
      this.recogniseTimer = undefined
      if (this.closed || this.held !== undefined || this.pending.length > 0) return
      this.pieces(this.cutting!.settle())
      this.drain()
    }, RECOGNISE_WAIT_MS)
  }

  private readonly described = new WeakMap<FramedPiece, Described>()

  private describeOnce(piece: FramedPiece): Described {
    let d = this.described.get(piece)
    if (d === undefined) {
      d = this.messages.describe(this.dir, piece.bytes, piece.message!.note, piece.message!.incomplete !== true)
      this.described.set(piece, d)
    }
    return d
  }

  private messageRule(piece: FramedPiece): BreakEntry | undefined {
    for (const e of this.deps.registry.active) {
      if (e.compiled.streamMessage === undefined || !this.applies(e)) continue
      if (e.compiled.streamMessage(this.dir, piece.message!.note.command, () => this.describeOnce(piece))) return e
    }
    return undefined
  }

  /** An edited message with the lengths it declares made to fit (its codec's refit); an error when it cannot be one message. */
  refit(item: HeldItem, edited: Buffer): Buffer | { error: string } {
    const codec = this.messages.codec
    if (item.message.kind !== 'message' || !codec || codec.refit === undefined) return edited
    const out = codec.refit(this.dir, edited)
    return out instanceof Uint8Array ? Buffer.from(out.buffer, out.byteOffset, out.byteLength) : out
  }

  private framed(out: Framed, chunkStart: number): void {
    for (const bytes of out.pass) this.port!.send(bytes)
    if (out.tooBig !== undefined) {
      this.port!.event('break', { rule: '', held: 0, action: 'too-big', message: tooBigMessage(out.tooBig.summary), offset: chunkStart, size: out.tooBig.size, summary: out.tooBig.summary } satisfies BreakEventInfo)
    }
    if (out.message === undefined) return
    const { bytes, head, summary } = out.message
    if (out.rest !== undefined) {
      this.fed -= out.rest.length
      this.wait({ bytes: out.rest, offset: this.fed, checked: true }, true)
    }
    const messageStart = this.fed - bytes.length
    const entry = this.httpRule(head)
    if (entry === undefined) {
      // The rule went away while the message came: it goes on.
      this.port!.send(bytes)
      return this.drain()
    }
    this.hold(this.dir === 'client' ? 'http-request' : 'http-response', bytes, messageStart, entry, summary)
  }

  private finish(): void {
    if (this.finished) return
    if (this.dir === 'client') {
      const kept = this.h2.clientGiveUp()
      if (kept !== undefined) this.frame(kept.bytes, kept.offset)
    }
    if (this.h2.state === 'h2') {
      this.finished = true
      return this.h2.side(this.dir).fin(() => this.port!.end())
    }
    if (this.cutting !== undefined && !this.cutting.passing) {
      clearTimeout(this.recogniseTimer)
      this.pieces(this.cutting.finish())
      if (this.held !== undefined) return this.wait('fin')
    }
    if (this.framer !== undefined) {
      const out = this.framer.finish()
      if (out.message !== undefined) {
        this.wait('fin')
        return this.framed(out, this.fed)
      }
      for (const bytes of out.pass) this.port!.send(bytes)
    }
    this.finished = true
    this.port!.end()
  }

  private hold(kind: HeldKind, bytes: Buffer, offset: number, entry: BreakEntry, summary?: string, more: Pick<HeldMessage, 'protocol' | 'fields'> = {}): void {
    const registry = this.deps.registry
    const item = this.deps.queue.add(
      { proxyId: registry.proxyId, ruleId: entry.rule.id, connId: this.connId, dir: this.dir, kind, ...(summary ? { summary } : {}), ...more },
      bytes,
      entry,
      registry,
      offset,
      this
    )
    this.held = item
    if (this.pendingBytes > READ_AHEAD) this.port!.hold(true)
    this.record(item, 'held', `held ${formatBytes(bytes.length)}${summary ? ` (${summary})` : ''} by ${entry.rule.id}`, undefined, summary ? { summary } : {})
  }

  release(item: HeldItem, bytes: Buffer, action: BreakAction): void {
    if (this.held !== item || this.closed) return
    const seconds = heldFor(item)
    const message =
      action === 'edited'
        ? `edited: ${formatBytes(item.bytes.length)} → ${formatBytes(bytes.length)} after ${seconds}`
        : action === 'timeout'
          ? `timed out after ${seconds}: forwarded unchanged`
          : `forwarded after ${seconds}`
    this.record(item, action, message, action === 'edited' ? bytes : undefined)
    this.held = undefined
    if (item.message.kind === 'chunk') {
      // A raw rule's chunk goes on to the framer (an HTTP rule may still want its message).
      this.wait({ bytes, offset: item.offset, checked: true }, true)
    } else this.port!.send(bytes)
    this.drain()
  }

  drop(item: HeldItem): void {
    if (this.held !== item || this.closed) return
    const kind = item.message.kind
    if (kind === 'http-request' || kind === 'http-response') {
      // HTTP/1 cannot end one exchange and keep its connection: a request dropped alone would
      // leave its client waiting for an answer that never comes (and the next answer paired
      // with the wrong request), a response dropped alone the same. So the connection is
      // reset, at once, as HTTP/2's drop resets the stream.
      const what = kind === 'http-request' ? 'request' : 'response'
      return this.shut(item, 'rst', `dropped after ${heldFor(item)}, connection closed with RST: HTTP/1 cannot end one ${what} and keep its connection`)
    }
    this.record(item, 'dropped', `dropped after ${heldFor(item)}`)
    this.held = undefined
    this.drain()
  }

  closeConnection(item: HeldItem, how: 'fin' | 'rst'): void {
    if (this.held !== item || this.closed) return
    this.shut(item, how, `dropped after ${heldFor(item)}, connection closed with ${how === 'rst' ? 'RST' : 'FIN'}`)
  }

  /** The held message goes nowhere and the connection ends: RST (recorded as the breakpoint's reset) or FIN to both sides. */
  private shut(item: HeldItem, how: 'fin' | 'rst', message: string): void {
    this.record(item, 'dropped', message, undefined, { closedWith: how })
    this.held = undefined
    this.clearPending()
    if (how === 'rst') this.port!.reset('breakpoint')
    else this.port!.close()
  }

  /** What waited behind a held message goes on, until something is held again. */
  private drain(): void {
    while (this.held === undefined && this.pending.length > 0 && !this.closed) {
      const next = this.pending.shift()!
      if (next !== 'fin') this.pendingBytes -= next.bytes.length
      if (next === 'fin') this.finish()
      else if (next.piece !== undefined) this.pieces([next.piece])
      else this.take(next.bytes, next.offset, next.checked === true)
    }
    // Read on unless a message is held with READ_AHEAD behind it already.
    if (!this.closed) this.port!.hold((this.held !== undefined && this.pendingBytes > READ_AHEAD) || this.h2Paused)
  }

  /** Queues what must wait behind a held message (at the front: what goes on first); past READ_AHEAD, the sender waits too. */
  private wait(p: Pending, first = false): void {
    if (first) this.pending.unshift(p)
    else this.pending.push(p)
    if (p === 'fin') return
    this.pendingBytes += p.bytes.length
    if (this.held !== undefined && this.pendingBytes > READ_AHEAD) this.port!.hold(true)
  }

  private clearPending(): void {
    this.pending = []
    this.pendingBytes = 0
  }

  private rawRule(chunk: Buffer): BreakEntry | undefined {
    for (const e of this.deps.registry.active) {
      if (e.compiled.chunk === undefined || !this.applies(e)) continue
      if (e.compiled.chunk(chunk)) return e
    }
    return undefined
  }

  h2Pause(paused: boolean): void {
    this.h2Paused = paused
    if (!this.closed) this.port?.hold((this.held !== undefined && this.pendingBytes > READ_AHEAD) || paused)
  }

  httpRule(head: MessageHead): BreakEntry | undefined {
    for (const e of this.deps.registry.active) {
      if (e.compiled.message === undefined || !this.applies(e)) continue
      if (e.compiled.message(head)) return e
    }
    return undefined
  }

  private applies(e: BreakEntry): boolean {
    const stream = e.rule.stream
    return e.rule.enabled && (stream === 'both' || (stream === 'upstream') === (this.dir === 'client')) && this.deps.picks(this.connId, e)
  }

  private record(item: HeldItem, action: BreakAction, message: string, sent?: Buffer, more: BreakMore = {}): void {
    recordBreak(this.port, item, action, message, sent, more)
  }

}
