// The rules of one raw connection read as messages (redis, PostgreSQL, MQTT, ... or a chosen
// framing), as a pair of ForwardStages (forward-stage.ts). Each direction is cut as msg.page
// and message breakpoints cut it (breakpoint/message-framer.ts: the connection's framing,
// else the protocol its first bytes or its port say); a whole message is matched by the
// `resp` and `message` matchers (message-facts.ts says what they read) and then goes on,
// changed (rewrite.bytes, its lengths refit by the codec), later (delay), not at all (drop,
// timeout), is answered here (respond), or ends the connection (close, reset).
//
// Answers made here, and the order they keep:
// - A protocol whose every request has one answer (redis, Modbus, DNS: PAIRED) keeps the
//   answers in the order the requests came, as HTTP/1's rules do: each client message sent on
//   takes a slot that the target's next reply fills, an answer made here takes a slot of its
//   own, and a slot goes to the client only once those before it have. A pipelined burst
//   with one command mocked gets its replies in order. redis's pushes (pub/sub messages,
//   RESP3 `>`) answer no command: they go as they come. A SUBSCRIBE's several confirmations
//   each count as a reply.
// - Any other protocol (PostgreSQL, MQTT, MySQL, a plain framing) has no one answer per
//   message (a query answers with many messages, a PUBLISH at QoS 0 with none): an answer
//   made here goes to the client at once, between the target's messages, and `timeout` is
//   `drop`.
// - `timeout` on a paired protocol: the target still gets the next requests, but the client
//   gets no answer from then on, as from a server that hangs. `drop`: the message is not sent
//   and takes no slot, so the target's replies go on as they come.
// - A rule on a server message (`dir: server`): rewrite, delay and drop as above, respond
//   sends its answer to the client instead of the message, timeout drops it and every later
//   one from the target, close and reset end the connection there.
// - `forward` sends HTTP requests elsewhere: on a message it is passed over (recorded).
//
// A connection that no rule could match when its first bytes came (`framesMessages`) is not
// cut: each chunk goes on as it came, unless a rule that could comes later. With no target
// (`serve --rules`), a client message no rule answers gets nothing. What a rule did is
// recorded beside what was sent, with the delivered bytes (rule-record.ts).

import type { Direction } from '../../../shared/direction'
import type { Respond, Rewrite, RuleEventInfo } from '../../../shared/rules/rule-types'
import { MessageConversation, RECOGNISE_WAIT_MS, type FramedPiece, type MessageSide } from '../../breakpoint/message-framer'
import { READ_AHEAD } from '../../breakpoint/read-ahead'
import type { ForwardStage, StagePair, StagePort } from '../../proxy/forward-stage'
import { stepKind } from '../http-rule-stage'
import type { ConnFacts } from '../rule-match'
import { recordRule } from '../rule-record'
import type { RuleEntry } from '../rule-set'
import type { TrafficDeps } from '../traffic-pair'
import { LazyMessageFacts } from './message-facts'
import { messageAnswer, rewriteBytes } from './message-edit'

/** Protocols whose every client message is answered by exactly one server message. */
const PAIRED = new Set(['resp', 'modbus', 'dns'])

/** A client's answer in the order of its requests: the target's next reply, one made here (ready once `bytes` is set), or none ever. */
type Slot = { kind: 'target' } | { kind: 'local'; bytes?: Buffer; then?: 'close' | 'reset' } | { kind: 'never' }

type Item = FramedPiece | 'fin'

/**
 * What one pass sends is written at once, up to this much: a pipelined burst of 16 redis
 * commands as 16 writes of a few bytes took 16 syscalls, and ran at a tenth of the speed.
 */
const BATCH_BYTES = 64 * 1024
type At = { offset: number; size: number; summary: string }

export function messageRulePair(deps: TrafficDeps): StagePair {
  const conv = new Conversation(deps)
  return { client: conv.client, server: conv.server }
}

class Conversation {
  readonly framing: MessageConversation
  readonly slots: Slot[] = []
  readonly client: ClientSide
  readonly server: ServerSide
  closed = false
  private facts: ConnFacts | undefined
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

  constructor(readonly deps: TrafficDeps) {
    this.framing = new MessageConversation({ framing: () => deps.framing?.(), port: () => deps.port?.() })
    this.client = new ClientSide('client', this)
    this.server = new ServerSide('server', this)
  }

  /** Whether answers keep the order of the requests (slots), or go at once. */
  get paired(): boolean {
    const codec = this.framing.codec
    return codec != null && PAIRED.has(codec.name)
  }

  conn(): ConnFacts {
    this.facts ??= this.deps.conn()
    return this.facts
  }

  side(dir: Direction): RuleSide {
    return dir === 'client' ? this.client : this.server
  }

  /** A delay step's wait: over at once when the connection closes. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.set(t, resolve)
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const [t, resolve] of this.timers) {
      clearTimeout(t)
      resolve()
    }
    this.timers.clear()
    this.client.clear()
    this.server.clear()
  }
}

/** One direction: cut into messages as they come, then worked on one at a time, in order. */
abstract class RuleSide implements ForwardStage {
  port: StagePort | undefined
  protected pending: Item[] = []
  private pendingBytes = 0
  protected busy = false
  /** Bytes of this direction given so far: where the next chunk starts. */
  private received = 0
  /** Cutting into messages, once a rule could match one (it goes on then, so no message is cut in two). */
  private cutting: MessageSide | undefined
  private recogniseTimer: NodeJS.Timeout | undefined
  /** Whether the sender is not read (port.hold). */
  private held = false
  private batch: Buffer[] = []
  private batchBytes = 0

  constructor(
    readonly dir: Direction,
    protected readonly conv: Conversation
  ) {}

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    const offset = this.received
    this.received += chunk.length
    if (this.cutting === undefined && this.conv.deps.rules.framesMessages) this.cutting = this.conv.framing.sides[this.dir]
    if (this.cutting === undefined) {
      // No rule can match a message: the chunk goes on as it came (behind what waits, if anything does).
      if (this.pending.length === 0 && !this.busy) this.passRaw(chunk)
      else this.queue([{ bytes: chunk, offset }])
    } else {
      const pieces = this.cutting.feed(chunk, offset)
      if (this.cutting.undecided && pieces.length === 0) this.awaitRecognition()
      else {
        this.stopWaiting()
        this.queue(pieces)
      }
      this.conv.side(this.dir === 'client' ? 'server' : 'client').settle()
    }
    this.pump()
  }

  fin(port: StagePort): void {
    this.port = port
    this.stopWaiting()
    if (this.cutting !== undefined) this.queue(this.cutting.finish())
    this.pending.push('fin')
    this.pump()
  }

  close(): void {
    this.conv.close()
  }

  clear(): void {
    this.stopWaiting()
    this.pending = []
    this.pendingBytes = 0
    this.batch = []
    this.batchBytes = 0
  }

  /** The protocol was told (by the other direction, or the wait is over): what waited is cut. */
  settle(): void {
    if (this.cutting === undefined || this.cutting.undecided || this.conv.closed) return
    const pieces = this.cutting.settle()
    if (pieces.length === 0) return
    this.stopWaiting()
    this.queue(pieces)
    this.pump()
  }

  private stopWaiting(): void {
    clearTimeout(this.recogniseTimer)
    this.recogniseTimer = undefined
  }

  /** The client's first bytes cannot tell the protocol yet: more may come, else a moment later they are cut as what they seem. */
  private awaitRecognition(): void {
    this.recogniseTimer ??= setTimeout(() => {
      this.recogniseTimer = undefined
      if (this.conv.closed || this.cutting === undefined) return
      this.queue(this.cutting.settle())
      this.pump()
    }, RECOGNISE_WAIT_MS)
  }

  private queue(pieces: readonly FramedPiece[]): void {
    for (const p of pieces) {
      this.pending.push(p)
      this.pendingBytes += p.bytes.length
    }
  }

  protected peek(): Item | undefined {
    return this.pending[0]
  }

  protected next(): Item | undefined {
    const n = this.pending.shift()
    if (n !== undefined && n !== 'fin') this.pendingBytes -= n.bytes.length
    return n
  }

  /** Bytes for the receiver, written with the rest of this pass (flush). */
  protected emit(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.batch.push(bytes)
    this.batchBytes += bytes.length
    if (this.batchBytes >= BATCH_BYTES) this.flush()
  }

  protected flush(): void {
    if (this.batch.length === 0) return
    const bytes = this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch, this.batchBytes)
    this.batch = []
    this.batchBytes = 0
    if (!this.conv.closed) this.port!.send(bytes)
  }

  /** Sends what this pass made, and reads on unless READ_AHEAD waits behind a message being worked on (or an answer's turn). */
  protected flow(): void {
    this.flush()
    const held = this.pendingBytes > READ_AHEAD
    if (held === this.held || this.conv.closed || this.port === undefined) return
    this.held = held
    this.port.hold(held)
  }

  /** Works on one message's steps, reading no further meanwhile; a failure is recorded and the connection goes on. */
  protected work(task: () => Promise<void>, fallback: () => void): void {
    this.busy = true
    task()
      .catch((err: unknown) => {
        this.port?.event('rule', { rule: '', label: '', action: 'error', message: `a rule failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}; the message went on as it came` })
        if (!this.conv.closed) fallback()
      })
      .finally(() => {
        this.busy = false
        this.pump()
      })
  }

  /** The rule that acts on a whole message, counted; undefined when none matches. */
  protected ruleFor(piece: FramedPiece): { entry: RuleEntry; facts: LazyMessageFacts } | undefined {
    const m = piece.message
    const codec = this.conv.framing.codec
    if (m === undefined || m.error !== undefined || !codec) return undefined
    const framing = this.conv.framing
    const facts = new LazyMessageFacts({
      protocol: codec.name,
      dir: this.dir,
      bytes: piece.bytes,
      ...(m.note.command !== undefined ? { command: m.note.command } : {}),
      describe: () => framing.describe(this.dir, piece.bytes, m.note, m.incomplete !== true)
    })
    const found = this.conv.deps.rules.find({ conn: this.conv.conn(), message: facts }, 'message')
    if (found === undefined || found.verdict !== true) return undefined
    this.conv.deps.rules.acted(found.entry)
    return { entry: found.entry, facts }
  }

  /**
   * Runs a rule's steps on a message; resolves with the bytes that go on (rewritten or not),
   * or undefined when a step ended the message's way (`ended` said how).
   */
  protected async steps(piece: FramedPiece, entry: RuleEntry, at: At, ended: (how: 'respond' | 'close' | 'reset' | 'drop' | 'timeout', answer?: Buffer) => void): Promise<Buffer | undefined> {
    let bytes = piece.bytes
    const record = (action: RuleEventInfo['action'], message: string, delivered?: Uint8Array): void => recordRule(this.port, entry, action, message, at, delivered)
    const what = this.dir === 'client' ? at.summary : `the reply ${at.summary}`
    for (const step of entry.spec.steps) {
      if (this.conv.closed) return undefined
      const kind = stepKind(step)
      switch (kind) {
        case 'delay': {
          const ms = (step as { delay: number }).delay
          record('delay', `delayed ${what} ${ms} ms`)
          await this.conv.sleep(ms)
          break
        }
        case 'rewrite': {
          const rw = (step as { rewrite: Rewrite }).rewrite
          if (rw.request !== undefined || rw.response !== undefined) record('error', `rewrite.request and rewrite.response change HTTP messages: ${what} changes with rewrite.bytes`)
          const replaces = rw.bytes
          if (replaces === undefined) break
          const out = rewriteBytes(bytes, replaces, this.conv.framing.codec ?? undefined, this.dir)
          if (!Buffer.isBuffer(out)) record('error', `${what} not rewritten: ${out.error}; it goes as it came`)
          else bytes = out
          break
        }
        case 'respond': {
          const answer = await messageAnswer((step as { respond: Respond }).respond, this.conv.deps.baseDir)
          if (this.conv.closed) return undefined
          record('respond', this.dir === 'client' ? `answered ${what} (not sent to the target)` : `replaced ${what} with an answer of ${answer.length} bytes`, answer)
          ended('respond', answer)
          return undefined
        }
        case 'forward':
          record('error', `a forward step sends HTTP requests elsewhere: ${what} goes on as the other steps say`)
          break
        case 'close':
        case 'reset':
          record(kind, `${kind === 'reset' ? 'reset' : 'closed'} the connection at ${what}`)
          ended(kind)
          return undefined
        case 'drop':
        case 'timeout':
          record(kind, `${what} ${kind === 'drop' ? 'dropped' : 'never answered'}`)
          ended(kind)
          return undefined
      }
    }
    if (bytes !== piece.bytes) record('rewrite', `rewrote ${what}`, bytes)
    return bytes
  }

  abstract pump(): void
  /** A chunk no rule looks at, on to the receiver. */
  protected abstract passRaw(chunk: Buffer): void
}

class ClientSide extends RuleSide {
  pump(): void {
    while (!this.busy && !this.conv.closed) {
      const item = this.next()
      if (item === undefined) break
      if (item === 'fin') {
        this.finish()
        break
      }
      const found = this.ruleFor(item)
      if (found === undefined) {
        this.forward(item.bytes, item.message !== undefined)
        continue
      }
      this.work(
        () => this.act(item, found.entry, { offset: item.offset, size: item.bytes.length, summary: found.facts.summary }),
        () => this.forward(item.bytes, true)
      )
    }
    this.flow()
  }

  private async act(piece: FramedPiece, entry: RuleEntry, at: At): Promise<void> {
    const bytes = await this.steps(piece, entry, at, (how, answer) => {
      if (how === 'respond') this.answer({ kind: 'local', bytes: answer })
      else if (how === 'close' || how === 'reset') this.answer({ kind: 'local', bytes: Buffer.alloc(0), then: how })
      else if (how === 'timeout' && this.conv.paired && !this.conv.deps.noTarget) this.conv.server.take({ kind: 'never' })
    })
    if (bytes !== undefined) this.forward(bytes, true)
  }

  protected passRaw(chunk: Buffer): void {
    this.forward(chunk, false)
  }

  /** A client message on to the target; one that expects a reply takes its slot. */
  private forward(bytes: Buffer, message: boolean): void {
    if (this.conv.deps.noTarget) return
    if (message && this.conv.paired) this.conv.server.take({ kind: 'target' })
    this.emit(bytes)
  }

  /** An answer made here: in its turn for a paired protocol, else at once. */
  private answer(slot: Slot & { kind: 'local' }): void {
    if (this.conv.paired) this.conv.server.take(slot)
    else this.conv.server.inject(slot)
  }

  private finish(): void {
    this.flush()
    if (this.conv.deps.noTarget) this.conv.server.clientDone()
    else this.port!.end()
  }
}

class ServerSide extends RuleSide {
  private clientEnded = false
  private ended = false
  /** A timeout step: nothing more of the target's reaches the client. */
  private silenced = false

  take(slot: Slot): void {
    // Nothing after a timeout is ever delivered: no need to keep its place.
    if (this.conv.slots.at(-1)?.kind === 'never') return
    this.conv.slots.push(slot)
    this.pump()
  }

  /** An answer that goes to the client now (a protocol without one reply per message). */
  inject(slot: Slot & { kind: 'local' }): void {
    this.deliver(slot)
    this.flush()
  }

  /** `serve --rules`: the client sent its FIN; once the last answer is delivered, the connection ends. */
  clientDone(): void {
    this.clientEnded = true
    this.pump()
  }

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      if (this.deliverLocal()) continue
      const item = this.peek()
      if (item === undefined) break
      const front = this.conv.slots[0]
      // An answer made here and not ready yet goes first; after a timeout, nothing does.
      if (item === 'fin') {
        if (front?.kind === 'local') break
        this.next()
        this.finish()
        break
      }
      if (this.conv.paired && item.message === undefined) this.untrack()
      else if (this.conv.paired && this.isReply(item)) {
        if (front?.kind === 'local' || front?.kind === 'never') break
        if (front?.kind === 'target') this.conv.slots.shift()
      }
      this.next()
      if (this.silenced) continue
      const found = this.ruleFor(item)
      if (found === undefined) {
        this.send(item.bytes)
        continue
      }
      this.work(
        () => this.act(item, found.entry, { offset: item.offset, size: item.bytes.length, summary: found.facts.summary }),
        () => this.send(item.bytes)
      )
    }
    this.flow()
    if (this.clientEnded && this.conv.slots.length === 0 && !this.ended && this.conv.deps.noTarget) {
      this.ended = true
      this.port?.end()
    }
  }

  /** Whether a target's message answers a request (redis: not a push). */
  private isReply(piece: FramedPiece): boolean {
    const note = piece.message!.note
    return this.conv.framing.codec?.name !== 'resp' || note.command === undefined || note.pair !== undefined
  }

  private async act(piece: FramedPiece, entry: RuleEntry, at: At): Promise<void> {
    const bytes = await this.steps(piece, entry, at, (how, answer) => {
      if (how === 'respond') this.send(answer!)
      else if (how === 'close' || how === 'reset') this.deliver({ kind: 'local', bytes: Buffer.alloc(0), then: how })
      else if (how === 'timeout') this.silenced = true
    })
    if (bytes !== undefined) this.send(bytes)
  }

  /** Delivers the answer made here that is next in turn; true when it did. */
  private deliverLocal(): boolean {
    const front = this.conv.slots[0]
    if (front?.kind !== 'local' || front.bytes === undefined) return false
    this.conv.slots.shift()
    this.deliver(front)
    return true
  }

  private deliver(slot: Slot & { kind: 'local' }): void {
    if (this.ended || this.conv.closed || this.port === undefined) return
    if (slot.bytes !== undefined) this.emit(slot.bytes)
    if (slot.then === undefined) return
    this.flush()
    if (slot.then === 'reset') this.port.reset()
    else this.port.close()
  }

  protected passRaw(chunk: Buffer): void {
    this.untrack()
    if (!this.silenced) this.send(chunk)
  }

  /**
   * The target's bytes are not cut (a framing error, or no rule wanted them cut when they
   * began): which reply is which is not known, so the requests waiting for one are let go, and
   * an answer made here goes when its turn comes among the rest.
   */
  private untrack(): void {
    while (this.conv.slots[0]?.kind === 'target') this.conv.slots.shift()
  }

  private send(bytes: Buffer): void {
    if (!this.ended) this.emit(bytes)
  }

  private finish(): void {
    // Answers made here that are ready still go, before the FIN.
    while (this.deliverLocal());
    this.flush()
    this.ended = true
    this.port!.end()
  }
}
