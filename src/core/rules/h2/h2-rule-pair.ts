// The traffic rules of one HTTP/2 connection (h2c with prior knowledge, or h2 after TLS with
// ALPN h2: the stage sees cleartext), as a pair of ForwardStages. The client's direction
// (h2-request-leg.ts) holds a request some rule may match (whole when the rule reads or
// rewrites its body, else until the rule has acted on its head, so a streaming call is not
// kept waiting for an end its client will not send first) and this module decides on it, as
// HTTP/1's rules do (http-rule-stage.ts), with the same matchers, steps and records:
//
// - respond: answered on its stream here (h2-response-leg.ts), after the target's SETTINGS;
//   the target never gets the stream. gRPC's answer is trailers-only (grpc-status,
//   grpc-message percent-encoded). A request still coming is then told to stop
//   (RST_STREAM NO_ERROR after the answer).
// - rewrite: the request's head and body (body codings done again, content-length fitted,
//   DATA cut to the receiver's frame size and windows) before it goes on; the response's,
//   held whole when the target answers, the same way.
// - delay: the request goes on (or is answered) that much later.
// - reset: RST_STREAM (INTERNAL_ERROR) to the client on that stream; the target never gets it.
//   The connection and its other streams go on (HTTP/1's reset ends the connection).
// - close: GOAWAY (NO_ERROR, the client's highest stream as the last) to both sides, then
//   the connection is closed.
// - drop, timeout: the stream is never answered, and the target never gets it.
// - forward (to another target) is not done on HTTP/2: said in one `rule` record, and the
//   request goes on to the target.
//
// A stream the target never gets leaves both sides consistent: its id is skipped (ids only
// need to increase), the window its DATA used is given back to the client, and its header
// block, which the client's HPACK encoder counted on the target decoding, makes the blocks
// after it go as literals (h2-blocks.ts). Every action is recorded with recordRule, in the
// direction of the message it acted on, with what the receiver got instead.

import type { MessageRewrite, Respond } from '../../../shared/rules/rule-types'
import type { StagePair } from '../../proxy/forward-stage'
import { F_ACK, T_SETTINGS } from '../../protocols/http2/frame-reader'
import { readBody, rewriteMessage } from '../http-edit'
import { requestSubject, stepKind } from '../http-rule-stage'
import { recordRule } from '../rule-record'
import type { RequestFacts } from '../rule-match'
import type { TrafficDeps } from '../traffic-pair'
import { bodyOf, noteRule, type H2Leg, type Held, type LegHost, type ResponsePlan } from './h2-leg'
import { answerFor, asRequest, asResponse, fieldsOf, goaway, INTERNAL_ERROR, NO_ERROR, regularFields, requestHead } from './h2-message'
import { needsBody, RequestLeg } from './h2-request-leg'
import { ResponseLeg } from './h2-response-leg'

export function h2RulePair(deps: TrafficDeps): StagePair {
  if (deps.noTarget) return noTargetPair()
  const conv = new H2RuleConversation(deps)
  return { client: conv.request, server: conv.response }
}

/**
 * Whether a target's first bytes, come before the client's, open like an HTTP/2 server: its
 * SETTINGS frame (RFC 9113 section 3.4), which a server sends as soon as it accepts, so it
 * often passes the client's preface. The switch then waits for the client (traffic-pair.ts).
 */
export function opensLikeH2(first: Buffer): boolean {
  if (first.length < 9 || first[3] !== T_SETTINGS || (first[4] & ~F_ACK) !== 0) return false
  const length = (first[0] << 16) | (first[1] << 8) | first[2]
  return length % 6 === 0 && length <= 16384 && (first.readUInt32BE(5) & 0x7fffffff) === 0
}

/** Client streams the target never got, the newest kept: a frame the client sends of one later is not the target's. */
const MAX_LOCAL = 1024

class LocalStreams {
  private readonly set = new Set<number>()

  has(stream: number): boolean {
    return this.set.has(stream)
  }

  add(stream: number): void {
    this.set.add(stream)
    if (this.set.size > MAX_LOCAL) this.set.delete(this.set.values().next().value!)
  }
}

class H2RuleConversation implements LegHost {
  readonly request: RequestLeg
  readonly response: ResponseLeg
  readonly local = new LocalStreams()
  closed = false
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

  constructor(readonly deps: TrafficDeps) {
    this.request = new RequestLeg(this)
    this.response = new ResponseLeg(this)
    this.request.other = this.response
    this.response.other = this.request
  }

  flush(): void {
    this.request.flush()
    this.response.flush()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const [t, resolve] of this.timers) {
      clearTimeout(t)
      resolve()
    }
    this.timers.clear()
    this.request.clear()
    this.response.clear()
  }

  /** A delay step's wait: over at once when the connection closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t)
        resolve()
      }, ms)
      this.timers.set(t, resolve)
    })
  }

  decide(leg: H2Leg, held: Held): void {
    const task = leg === this.request ? this.decideRequest(held) : this.rewriteResponse(held)
    task
      .catch((err: unknown) => {
        noteRule(leg.port, `a rule failed on ${held.summary}: ${(err as Error).message?.split('\n')[0] ?? String(err)}; it went on as it came`, { offset: held.head.offset, summary: held.summary })
        leg.letThrough(held)
      })
      .finally(() => this.flush())
  }

  /** A held request: which rule matches it now, and what its steps do. */
  private async decideRequest(held: Held): Promise<void> {
    const leg = this.request
    const s = held.stream
    const fields = held.head.decoded.fields
    const head = requestHead(fields)!
    let request = asRequest(fields, held.complete ? bodyOf(held) : Buffer.alloc(0))
    let body: RequestFacts['body'] | undefined
    if (held.complete) {
      const read = await readBody(request)
      body = { ...(read.text !== undefined ? { text: read.text } : {}), ...(read.json !== undefined ? { json: read.json } : {}) }
      if (!leg.isCurrent(held)) return
    }
    const found = this.deps.rules.find(requestSubject(this.deps.conn(), head, regularFields(fields), body), 'http')
    if (found !== undefined && !held.complete && (found.verdict === undefined || needsBody(found.entry.spec.steps))) {
      // The rule that may match reads the body, or rewrites it: decided once it has come.
      held.whole = true
      held.deciding = false
      return
    }
    if (found === undefined || found.verdict !== true) return leg.letThrough(held)
    const entry = found.entry
    this.deps.rules.acted(entry)
    const summary = held.summary
    const at = { offset: held.head.offset, size: held.size, summary }
    const original = request.body
    let changed = false
    let responseRewrite: MessageRewrite | undefined
    for (const step of entry.spec.steps) {
      if (!leg.isCurrent(held)) return
      const kind = stepKind(step)
      switch (kind) {
        case 'delay': {
          const ms = (step as { delay: number }).delay
          recordRule(leg.port, entry, 'delay', `delayed ${summary} ${ms} ms`, at)
          this.flush()
          await this.sleep(ms)
          break
        }
        case 'rewrite': {
          const rw = (step as { rewrite: { request?: MessageRewrite; response?: MessageRewrite } }).rewrite
          if (rw.request !== undefined) {
            const out = await rewriteMessage(request, rw.request)
            request = out.message
            changed = true
            if (out.notes.length > 0) recordRule(leg.port, entry, 'rewrite', `${summary}: ${out.notes.join('; ')}`, at)
          }
          if (rw.response !== undefined) responseRewrite = { ...responseRewrite, ...rw.response }
          break
        }
        case 'respond': {
          const r = (step as { respond: Respond }).respond
          const answer = await answerFor(r, head.method ?? 'GET', this.deps.baseDir)
          if (!leg.isCurrent(held)) return
          const delivered = this.response.answer(s, answer, !held.complete)
          this.local.add(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, 'respond', `answered ${summary} with ${answer.status} on stream ${s} (not sent to the target)`, at, delivered)
          return
        }
        case 'forward': {
          const to = (step as { forward: { to: string } }).forward.to
          recordRule(leg.port, entry, 'forward', `not forwarded to ${to}: forward is not done on HTTP/2, so ${summary} went on to the target`, at)
          return this.goOn(held, request, original, changed, responseRewrite, entry)
        }
        case 'close': {
          recordRule(leg.port, entry, 'close', `closed the connection at ${summary} (GOAWAY to both sides)`, at)
          return this.closeConnection()
        }
        case 'reset': {
          const delivered = this.response.reset(s, INTERNAL_ERROR)
          this.local.add(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, 'reset', `reset stream ${s} of ${summary} (RST_STREAM INTERNAL_ERROR; not sent to the target)`, at, delivered)
          return
        }
        case 'timeout':
        case 'drop': {
          this.local.add(s)
          this.response.never(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, kind, `${summary} ${kind === 'drop' ? 'dropped' : 'never answered'} (stream ${s}; not sent to the target)`, at)
          return
        }
      }
    }
    this.goOn(held, request, original, changed, responseRewrite, entry)
  }

  /** The chain ended without an answer: the request goes on, as changed, with the response's rewrite waiting for it. */
  private goOn(held: Held, request: ReturnType<typeof asRequest>, original: Uint8Array, changed: boolean, responseRewrite: MessageRewrite | undefined, entry: ResponsePlan['entry']): void {
    const leg = this.request
    if (!leg.isCurrent(held)) return
    if (responseRewrite !== undefined) this.response.plans.set(held.stream, { rewrite: responseRewrite, entry, summary: held.summary })
    if (!changed) return leg.letThrough(held)
    const bodyChanged = request.body !== original
    const delivered = leg.releaseEdited(held, fieldsOf(held.head.decoded.fields, request), bodyChanged ? request.body : undefined)
    recordRule(leg.port, entry, 'rewrite', `rewrote ${held.summary}`, { offset: held.head.offset, size: held.size, summary: held.summary }, delivered)
  }

  /** A held response whose request's rule rewrites it. */
  private async rewriteResponse(held: Held): Promise<void> {
    const leg = this.response
    const plan = held.plan!
    const fields = held.head.decoded.fields
    const response = asResponse(fields, bodyOf(held))
    const out = await rewriteMessage(response, plan.rewrite)
    if (!leg.isCurrent(held)) return
    const bodyChanged = out.message.body !== response.body
    const delivered = leg.releaseEdited(held, fieldsOf(fields, out.message), bodyChanged ? out.message.body : undefined)
    const status = response.status
    recordRule(leg.port, plan.entry, 'rewrite', `rewrote the response ${status} to ${plan.summary}${out.notes.length > 0 ? `: ${out.notes.join('; ')}` : ''}`, { offset: held.head.offset, size: held.size, summary: status }, delivered)
  }

  /** GOAWAY to both sides, then the connection closes. */
  private closeConnection(): void {
    this.response.outbox.own(goaway(this.request.lastStream, NO_ERROR))
    // The target's own streams (pushes) are none of the client's doing: none of them was processed.
    this.request.outbox.own(goaway(0, NO_ERROR))
    this.flush()
    const port = this.request.port
    this.close()
    port?.close()
  }
}

/** `serve --rules` answers HTTP/1 only: an HTTP/2 client is told so once, in the capture. */
function noTargetPair(): StagePair {
  let said = false
  return {
    client: {
      data: (_chunk, port) => {
        if (!said) noteRule(port, 'HTTP/2 is not answered without a target: rules answer HTTP/1 requests there')
        said = true
      },
      fin: (port) => port.end()
    }
  }
}
