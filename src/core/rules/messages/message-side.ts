// One direction of a raw connection under message rules: its chunks cut into messages as they
// come (once a rule or the script's onMessage could want one), queued, and worked on one at a
// time in order, what a pass sends written in one batch, and the sender held while too much
// waits. The client and server sides (message-client-side.ts, message-server-side.ts) say
// what becomes of each message.

import type { Direction } from '../../../shared/direction'
import { RECOGNISE_WAIT_MS, type FramedPiece, type MessageSide } from '../../breakpoint/message-framer'
import { READ_AHEAD } from '../../breakpoint/read-ahead'
import type { ForwardStage, StagePort } from '../../proxy/forward-stage'
import type { RuleEntry } from '../rule-set'
import { LazyMessageFacts } from './message-facts'
import type { MessageConversation } from '../../breakpoint/message-framer'
import type { ConnFacts } from '../rule-match'
import type { TrafficDeps } from '../traffic-deps'
import type { ReplySlots } from './reply-slots'

export type Item = FramedPiece | 'fin'

/** What a side needs of the conversation both sides share (message-rule-pair.ts's Conversation). */
export interface Conversation {
  readonly framing: MessageConversation
  readonly slots: ReplySlots
  readonly deps: TrafficDeps
  readonly closed: boolean
  /** Whether answers keep the order of the requests (slots), or go at once. */
  readonly paired: boolean
  /** Whether the script sees each message no rule acted on. */
  readonly scripted: boolean
  conn(): ConnFacts
  side(dir: Direction): RuleSide
  sleep(ms: number): Promise<void>
  close(): void
}

/** Where a message acted on starts in its sender's stream, its size and its summary: what a rule record names. */
export type At = { offset: number; size: number; summary: string }

/**
 * What one pass sends is written at once, up to this much: a pipelined burst of 16 redis
 * commands as 16 writes of a few bytes took 16 syscalls, and ran at a tenth of the speed.
 */
const BATCH_BYTES = 64 * 1024

export abstract class RuleSide implements ForwardStage {
  port: StagePort | undefined
  protected pending: Item[] = []
  private pendingBytes = 0
  protected busy = false
  /** Bytes of this direction given so far: where the next chunk starts. */
  private received = 0
  /** Cutting into messages, once a rule or the script could want one (it goes on then, so no message is cut in two). */
  private cutting: MessageSide | undefined
  private recogniseTimer: NodeJS.Timeout | undefined
  /** Whether the sender is not read (port.hold). */
  private held = false
  private batch: Buffer[] = []
  private batchBytes = 0

  constructor(
    readonly dir: Direction,
    readonly conv: Conversation
  ) {}

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    const offset = this.received
    this.received += chunk.length
    if (this.cutting === undefined && (this.conv.deps.rules.framesMessages || this.conv.scripted)) this.cutting = this.conv.framing.sides[this.dir]
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

  /**
   * Takes one message: a rule that matches it acts on it, else the script's onMessage sees it,
   * else it goes on at once. Working on it reads no further meanwhile; a failure is recorded
   * and the message goes on as it came.
   */
  protected actOn(piece: FramedPiece, act: (entry: RuleEntry, at: At) => Promise<void>, script: (facts: LazyMessageFacts, at: At) => Promise<void>, pass: () => void): void {
    const facts = this.factsOf(piece)
    const entry = facts === undefined ? undefined : this.ruleFor(facts)
    if (facts === undefined || (entry === undefined && !this.conv.scripted)) return pass()
    const at = (): At => ({ offset: piece.offset, size: piece.bytes.length, summary: facts.summary })
    this.busy = true
    ;(entry !== undefined ? act(entry, at()) : script(facts, at()))
      .catch((err: unknown) => {
        this.port?.event('rule', { rule: '', label: '', action: 'error', message: `a rule failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}; the message went on as it came` })
        if (!this.conv.closed) pass()
      })
      .finally(() => {
        this.busy = false
        this.pump()
      })
  }

  /** A whole message's facts, as matchers and the script read them; undefined for bytes that are not one. */
  private factsOf(piece: FramedPiece): LazyMessageFacts | undefined {
    const m = piece.message
    const framing = this.conv.framing
    const codec = framing.codec
    if (m === undefined || m.error !== undefined || !codec) return undefined
    return new LazyMessageFacts({
      protocol: codec.name,
      dir: this.dir,
      bytes: piece.bytes,
      ...(m.note.command !== undefined ? { command: m.note.command } : {}),
      describe: () => framing.describe(this.dir, piece.bytes, m.note, m.incomplete !== true)
    })
  }

  /** The rule that acts on a whole message, counted; undefined when none matches. */
  private ruleFor(facts: LazyMessageFacts): RuleEntry | undefined {
    const found = this.conv.deps.rules.find({ conn: this.conv.conn(), message: facts }, 'message')
    if (found === undefined || found.verdict !== true) return undefined
    this.conv.deps.rules.acted(found.entry)
    return found.entry
  }

  abstract pump(): void
  /** A chunk no rule looks at, on to the receiver. */
  protected abstract passRaw(chunk: Buffer): void
}
