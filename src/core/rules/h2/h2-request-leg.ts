// The client's direction of an HTTP/2 connection under traffic rules. A request some rule
// may match (rules.find on its head) is held: whole when its rule reads the body, rewrites it
// or forwards the request, else only until the rule has acted on its head. Requests no rule can match pass frame
// by frame.
//
// Nothing waits behind a held request: the streams the client opens after it go on (and may
// be held themselves), and the held one reaches the target, when it goes, under the target's
// next stream id (a client's new ids must increase, RFC 9113 section 5.1.1): every frame this
// direction sends is given the target's id at the outbox (h2-stream-ids.ts), so everything
// here speaks the client's ids. Held bytes past the hold limit let a request still coming go
// on as it came.
//
// The user's script: with onRequest, every request no rule answers is held whole for it (so a
// streaming call whose client waits for an answer before it ends its request waits too, and
// one past the hold limit goes on unseen). With onResponse alone a request is not held: its
// body is copied as it passes (`Tap`, bounded with every other copy by the hold limit, past
// which the hook sees it empty), for the hook's `req` once the response has come.

import { F_END_STREAM, T_DATA, T_HEADERS, T_RST_STREAM } from '../../protocols/http2/frame-reader'
import { MAX_HELD_MESSAGE } from '../../../shared/break-types'
import type { Block } from '../../breakpoint/h2/h2-blocks'
import type { Step } from '../../../shared/rules/rule-types'
import type { MessageHead } from '../../breakpoint/break-match'
import { H2Leg, type LegHost, type Part } from './h2-leg'
import { regularFields, requestHead } from './h2-message'
import { requestSubject } from '../http-rule-stage'
import { changesBody } from '../http-edit'

/** Whether a rule's steps need the request's body (a body rewrite, or a forward, which sends it whole): the request is then held whole. */
export const needsBody = (steps: readonly Step[]): boolean =>
  steps.some((s) => 'forward' in s || ('rewrite' in s && s.rewrite.request !== undefined && changesBody(s.rewrite.request)))

/** A request's body copied as it passes, for the script's onResponse. */
export class Tap {
  parts: Buffer[] = []
  size = 0
  /** Past the bound: the copy was given up. */
  over = false

  constructor(private readonly released: (n: number) => void) {}

  body(): Buffer {
    return Buffer.concat(this.parts)
  }

  /** The copy is no longer needed. */
  release(): void {
    this.released(this.size)
    this.parts = []
    this.size = 0
  }
}

/** Where a request starts in the client's stream, its size there and its summary (a rule record's place). */
export interface RequestAt {
  offset: number
  size: number
  summary: string
}

/** Requests kept in `heads`, the newest. */
const MAX_HEADS = 256

export class RequestLeg extends H2Leg {
  /** The highest stream the client opened (a GOAWAY made here names it). */
  lastStream = 0
  /**
   * The requests that went toward the target, by stream, while it may turn out to be down:
   * the answer tcpscope then makes is recorded on the request (h2-target-down.ts). Undefined
   * once the target is heard from, or with none to hear from.
   */
  heads: Map<number, RequestAt> | undefined = new Map()
  /** Requests whose body is copied as it passes, until their END_STREAM. */
  private readonly taps = new Map<number, Tap>()
  /** Bytes of every copy not yet released. */
  private tapBytes = 0

  constructor(host: LegHost) {
    super('client', host)
    this.outbox.ids = (frame) => host.ids.toTarget(frame)
  }

  /** Copies what of `stream`'s request body passes from now on. */
  tap(stream: number): Tap {
    const tap = new Tap((n) => (this.tapBytes -= n))
    this.taps.set(stream, tap)
    return tap
  }

  untap(stream: number): void {
    this.taps.delete(stream)
  }

  protected sendPart(p: Part, ours: boolean): void {
    if (!('block' in p)) {
      const tap = this.taps.get(p.stream)
      if (tap !== undefined && p.type === T_DATA && p.data !== undefined && p.data.length > 0 && !tap.over) {
        if (this.tapBytes + p.data.length > MAX_HELD_MESSAGE) {
          tap.release()
          tap.over = true
        } else {
          tap.parts.push(Buffer.from(p.data))
          tap.size += p.data.length
          this.tapBytes += p.data.length
        }
      }
      if (tap !== undefined && (p.type === T_RST_STREAM || (p.type === T_DATA && (p.flags & F_END_STREAM) !== 0))) this.taps.delete(p.stream)
    }
    super.sendPart(p, ours)
  }

  protected onBlock(b: Block): void {
    const s = b.stream
    if (this.host.local.has(s)) return this.blocks.swallowed(b)
    const held = this.held.get(s)
    if (held !== undefined) return this.toHeld(held, { block: b })
    const head = b.type === T_HEADERS ? requestHead(b.decoded.fields) : undefined
    if (head === undefined) {
      // Trailers end the request: its copy is whole.
      if (b.endStream) this.taps.delete(s)
      return void this.sendBlock(b)
    }
    this.consider(b, head)
  }

  /** A new request: held when some rule may match it, else on at once. */
  private consider(b: Block, head: MessageHead): void {
    const s = b.stream
    this.lastStream = Math.max(this.lastStream, s)
    this.outbox.window.open(s)
    this.other.outbox.window.open(s)
    const { rules, conn } = this.host.deps
    // A block cut at the decoded size limit has fields nobody knows: it is not matched.
    const found = rules.framesHttp && b.decoded.cut === undefined ? rules.find(requestSubject(conn(), head, regularFields(b.decoded.fields)), 'http') : undefined
    const summary = `${head.method} ${head.target}`.slice(0, 200)
    if (this.heads !== undefined) {
      this.heads.set(s, { offset: b.offset, size: b.size, summary })
      if (this.heads.size > MAX_HEADS) this.heads.delete(this.heads.keys().next().value!)
    }
    if (found === undefined) {
      const script = this.host.deps.script
      if (script?.has('onRequest') === true && b.decoded.cut === undefined) return this.startHeld(b, summary, true)
      if (script?.has('onResponse') === true && b.decoded.cut === undefined) this.host.passing(b, summary)
      return void this.sendBlock(b)
    }
    const whole = found.verdict === undefined || needsBody(found.entry.spec.steps)
    this.startHeld(b, summary, whole)
  }

  /** Client streams held here (not sent to the target yet). */
  heldStreams(): number[] {
    return [...this.held.keys()]
  }
}
