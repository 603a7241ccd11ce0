// The traffic rules of one HTTP/2 connection (h2c with prior knowledge, or h2 after TLS with
// ALPN h2: the stage sees cleartext), as a pair of ForwardStages. The client's direction
// (h2-request-leg.ts) holds a request some rule may match (whole when the rule reads or
// rewrites its body, else until the rule has acted on its head, so a streaming call is not
// kept waiting for an end its client will not send first) and this module decides on it, as
// HTTP/1's rules do (http-rule-stage.ts), with the same matchers, steps and records:
//
// - respond: answered on its stream here (h2-response-leg.ts), after the target's SETTINGS
//   and its acknowledgement of the client's, as a server's answer comes;
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
// - forward: the request, held whole, goes to the step's destination instead (HTTP/2 when it
//   speaks it, else HTTP/1.1; gRPC only over HTTP/2), on a connection of its own the capture
//   records, and its answer comes back on the stream with its trailers; a failure answers
//   502 (gRPC: UNAVAILABLE). The target never gets the stream (h2-forward.ts).
//
// A held or delayed request keeps no other stream waiting: the streams opened after it go on,
// and it reaches the target under the target's next stream id (h2-stream-ids.ts; each place
// the ids part is a `renumber` record, for the capture's decoder to pair the target's streams
// with the client's). A stream the target never gets leaves both sides consistent: its id is
// skipped (ids only need to increase), the window its DATA used is given back to the client, and its header
// block, which the client's HPACK encoder counted on the target decoding, makes the blocks
// after it go as literals (h2-blocks.ts). Every action is recorded with recordRule, in the
// direction of the message it acted on, with what the receiver got instead.
//
// The user's script comes after the rules, as on HTTP/1: a request no rule answered is given
// whole to onRequest (h2-request-leg.ts holds it), and its outcome acts on the stream: an
// answer (`respond`) on the stream, `changed` re-encoded into its HEADERS and DATA toward the
// target (HPACK kept right as for a rule's rewrite), `drop` (never answered), `reset`
// (RST_STREAM INTERNAL_ERROR to the client), `close` (GOAWAY to both sides), `delayMs`,
// `fail` (a 502 on the stream), and `error` (it goes on unchanged, recorded as 'error'). The
// target's response is held whole for onResponse, and sent on as it changed it (status,
// headers, body re-framed; gRPC trailers after the body), or dropped, reset, closed.
//
// What the hook sees of HTTP/2's pseudo-headers: `method` is :method, `url` is :path (and
// `path` its path), and `headers` are the regular fields alone: no pseudo-header, and no
// `host` made from :authority. What it sets goes back as :method and :path; :scheme,
// :authority and :status (onResponse: `status`) keep their places; a header it adds is
// lower-cased, and a connection-specific one (connection, transfer-encoding, ...) left out.
//
// `serve --rules` (no target): the same stages, with tcpscope's own HTTP/2 server as their
// target (h2-own-target.ts): what no rule or script answers gets 404 on its stream. A target
// that is down (its connect failed) is replaced by that server too, what no rule or script
// answers getting a 502 naming the destination and why (h2-target-down.ts).

import type { Forward, MessageRewrite, Respond } from '../../../shared/rules/rule-types'
import type { StagePair } from '../../proxy/forward-stage'
import { readBody, rewriteMessage, rewriteStep } from '../http-edit'
import { requestSubject } from '../http-rule-stage'
import { stepKind } from '../../../shared/rules/rule-types'
import { recordRule } from '../rule-record'
import type { RequestFacts } from '../rule-match'
import { inTargetsPlace, type TrafficDeps } from '../traffic-deps'
import type { EditableRequest } from '../../../shared/http-request-edit'
import type { Block } from '../../breakpoint/h2/h2-blocks'
import { requestFromScript, responseFromScript, scriptRequestOf, scriptResponseOf } from '../http-script'
import type { RuleEntry } from '../rule-set'
import type { ScriptRequest } from '../script/script-types'
import { bodyOf, noteRule, type H2Leg, type Held, type LegHost, type ResponsePlan } from './h2-leg'
import { answerFor, asRequest, asResponse, fieldsOf, goaway, INTERNAL_ERROR, NO_ERROR, REFUSED_STREAM, plainAnswer, regularFields, requestHead, scriptAnswerOf } from './h2-message'
import { needsBody, RequestLeg, type Tap } from './h2-request-leg'
import { NOT_FOUND, ownTargetPair } from './h2-own-target'
import { targetPair } from './h2-target-down'
import { StreamForwards, type ForwardHost } from './h2-forward'
import { ResponseLeg } from './h2-response-leg'
import { StepWaits } from '../step-waits'
import { goawayRecord, renumberRecord, StreamIds } from './h2-stream-ids'
import { LocalStreams } from './h2-held'

export { opensLikeH2 } from './h2-message'

export function h2RulePair(deps: TrafficDeps): StagePair {
  const conv = new H2RuleConversation(deps)
  if (deps.noTarget !== true) return targetPair(conv)
  // Its answers are recorded as the server's bytes: nothing to place on the requests.
  conv.request.heads = undefined
  return ownTargetPair(conv, NOT_FOUND)
}

class H2RuleConversation implements LegHost, ForwardHost {
  readonly request: RequestLeg
  readonly response: ResponseLeg
  readonly local = new LocalStreams()
  readonly ids = new StreamIds((client, target) => this.renumbered(client, target))
  closed = false
  private readonly waits = new StepWaits()
  private readonly forwards = new StreamForwards(this)

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
    this.waits.endAll()
    this.forwards.endAll()
    this.request.clear()
    this.response.clear()
  }

  get answering(): boolean {
    return this.forwards.waiting
  }

  clientReset(stream: number): void {
    this.forwards.reset(stream)
  }

  /** Client stream `client` went to the target as `target`, and the ids part there: the capture's decoder is told. */
  private renumbered(client: number, target: number): void {
    this.request.port?.event('rule', renumberRecord(client, target))
  }

  refuse(targetLast: number, clientLast: number, unprocessed: number[]): void {
    // A request still held here the target will never process.
    const refused = [...unprocessed, ...this.request.heldStreams().filter((s) => !this.local.has(s))].sort((a, b) => a - b)
    // Once ids have parted, the decoder ends streams after a GOAWAY only by this record: it is always written then.
    if (refused.length === 0 && clientLast === targetLast && !this.ids.renumbered) return
    for (const s of refused) {
      this.response.reset(s, REFUSED_STREAM)
      this.local.add(s)
      this.request.refused(s)
      this.response.refused(s)
      this.forwards.reset(s)
    }
    this.response.port?.event('rule', goawayRecord(targetLast, clientLast, refused))
  }

  /** A delay step's wait: over at once when the connection closes. */
  private sleep(ms: number): Promise<void> {
    return this.waits.sleep(ms)
  }

  decide(leg: H2Leg, held: Held): void {
    const resume = held.resume
    held.resume = undefined
    const task = resume !== undefined ? resume() : leg === this.request ? this.decideRequest(held) : this.rewriteResponse(held)
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
    // Whether the request's body is in `request` (its DATA may complete it while a step waits).
    const bodyIn = held.complete
    let request = asRequest(fields, bodyIn ? bodyOf(held) : Buffer.alloc(0))
    let body: RequestFacts['body'] | undefined
    if (bodyIn) {
      const read = await readBody(request)
      body = { ...(read.text !== undefined ? { text: read.text } : {}), ...(read.json !== undefined ? { json: read.json } : {}), bytes: read.content }
      if (!leg.isCurrent(held)) return
    }
    const found = this.deps.rules.find(requestSubject(this.deps.conn(), head, regularFields(fields), body), 'http')
    if (found !== undefined && !held.complete && (found.verdict === undefined || needsBody(found.entry.spec.steps))) {
      // The rule that may match reads the body, or rewrites it: decided once it has come.
      held.whole = true
      held.deciding = false
      return
    }
    if (found === undefined || found.verdict !== true) return this.goOn(held, request, request.body, false, undefined, undefined, bodyIn)
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
          const out = await rewriteStep(request, (step as { rewrite: { request?: MessageRewrite; response?: MessageRewrite } }).rewrite, responseRewrite)
          responseRewrite = out.forResponse
          if (out.rewritten !== undefined) {
            request = out.rewritten.message
            changed = true
            if (out.rewritten.notes.length > 0) recordRule(leg.port, entry, 'rewrite', `${summary}: ${out.rewritten.notes.join('; ')}`, at)
          }
          break
        }
        case 'respond': {
          const r = (step as { respond: Respond }).respond
          const answer = await answerFor(r, head.method ?? 'GET', this.deps.baseDir)
          if (!leg.isCurrent(held)) return
          const delivered = this.response.answer(s, answer, !held.complete)
          this.local.add(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, 'respond', `answered ${summary} with ${answer.status} on stream ${s}${inTargetsPlace(this.deps)}`, at, delivered)
          return
        }
        case 'forward': {
          if (this.deps.forwardH2 === undefined) break
          return await this.forwards.forward(held, request, (step as { forward: Forward }).forward, entry, at)
        }
        case 'close': {
          recordRule(leg.port, entry, 'close', `closed the connection at ${summary} (GOAWAY to both sides)`, at)
          return this.closeConnection()
        }
        case 'reset': {
          const delivered = this.response.reset(s, INTERNAL_ERROR)
          this.local.add(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, 'reset', `reset stream ${s} of ${summary}${inTargetsPlace(this.deps, 'RST_STREAM INTERNAL_ERROR')}`, at, delivered)
          return
        }
        case 'timeout':
        case 'drop': {
          this.local.add(s)
          this.response.never(s)
          leg.swallowHeld(held)
          recordRule(leg.port, entry, kind, `${summary} ${kind === 'drop' ? 'dropped' : 'never answered'}${inTargetsPlace(this.deps, `stream ${s}`)}`, at)
          return
        }
      }
    }
    await this.goOn(held, request, original, changed, responseRewrite, entry, bodyIn)
  }

  /**
   * No rule answered: the request goes on (as a rule changed it, with the response's rewrite
   * waiting for it), unless the script's onRequest answers or changes it first. The script
   * needs the whole request: one decided on its head waits here for the rest. `bodyIn`: the
   * request's body is in `request` (else it was decided on its head).
   */
  private async goOn(held: Held, request: EditableRequest, original: Uint8Array, changed: boolean, responseRewrite: MessageRewrite | undefined, entry: RuleEntry | undefined, bodyIn: boolean): Promise<void> {
    const leg = this.request
    if (!leg.isCurrent(held)) return
    const script = this.deps.script
    if (script?.has('onRequest') === true && !bodyIn) {
      const rest = (): Promise<void> => {
        const body = bodyOf(held)
        return this.goOn(held, { ...request, body }, body, changed, responseRewrite, entry, true)
      }
      if (held.complete) return rest()
      held.whole = true
      held.deciding = false
      held.resume = rest
      return
    }
    const s = held.stream
    const summary = held.summary
    const at = { offset: held.head.offset, size: held.size, summary }
    let scriptRequest: ScriptRequest | undefined
    let scriptChanged = false
    if (script?.has('onRequest') === true) {
      scriptRequest = await scriptRequestOf(request, this.deps.connId)
      const outcome = await script.onRequest(scriptRequest)
      if (!leg.isCurrent(held)) return
      if (outcome.error !== undefined) recordRule(leg.port, undefined, 'error', `the script's onRequest failed on ${summary}: ${outcome.error}${outcome.action === 'fail' ? '' : '; the request went on unchanged'}`, at)
      if (outcome.delayMs !== undefined && outcome.delayMs > 0) {
        recordRule(leg.port, undefined, 'delay', `the script delayed ${summary} ${outcome.delayMs} ms`, at)
        this.flush()
        await this.sleep(outcome.delayMs)
        if (!leg.isCurrent(held)) return
      }
      if (outcome.action === 'fail' || outcome.respond !== undefined) {
        const failed = outcome.action === 'fail'
        const answer = failed
          ? plainAnswer(502, [{ name: 'content-type', value: 'text/plain' }], Buffer.from(`tcpscope could not forward the request: the script failed the request${outcome.error !== undefined ? `: ${outcome.error}` : ''}\n`), request.method)
          : scriptAnswerOf(outcome.respond!, request.method)
        const delivered = this.response.answer(s, answer, !held.complete)
        this.local.add(s)
        leg.swallowHeld(held)
        recordRule(leg.port, undefined, 'script', failed ? `the script failed ${summary} (502 on stream ${s})` : `the script answered ${summary} with ${answer.status} on stream ${s}${inTargetsPlace(this.deps)}`, at, delivered)
        return
      }
      if (outcome.action === 'drop') {
        this.local.add(s)
        this.response.never(s)
        leg.swallowHeld(held)
        recordRule(leg.port, undefined, 'script', `the script dropped ${summary}${inTargetsPlace(this.deps, `stream ${s}`)}`, at)
        return
      }
      if (outcome.action === 'reset') {
        const delivered = this.response.reset(s, INTERNAL_ERROR)
        this.local.add(s)
        leg.swallowHeld(held)
        recordRule(leg.port, undefined, 'script', `the script reset stream ${s} of ${summary}${inTargetsPlace(this.deps, 'RST_STREAM INTERNAL_ERROR')}`, at, delivered)
        return
      }
      if (outcome.action === 'close') {
        recordRule(leg.port, undefined, 'script', `the script closed the connection at ${summary} (GOAWAY to both sides)`, at)
        return this.closeConnection()
      }
      if (outcome.changed !== undefined) {
        const notes: string[] = []
        request = await requestFromScript(request, outcome.changed, notes, scriptRequest.body)
        if (!leg.isCurrent(held)) return
        scriptRequest = outcome.changed
        scriptChanged = true
        if (notes.length > 0) recordRule(leg.port, undefined, 'script', `${summary}: ${notes.join('; ')}`, at)
      }
    }
    const onResponse = script?.has('onResponse') === true
    // The request as the target gets it, for onResponse's `req` (a request still coming: copied as the rest passes).
    let tap: Tap | undefined
    if (onResponse && scriptRequest === undefined && !bodyIn) tap = leg.tap(s)
    if (responseRewrite !== undefined || onResponse) {
      const sent = request
      const seen = scriptRequest
      const plan: ResponsePlan = { summary, ...(responseRewrite !== undefined ? { rewrite: responseRewrite } : {}), ...(entry !== undefined ? { entry } : {}) }
      if (onResponse) {
        plan.script = async () => {
          if (seen !== undefined) return seen
          // A request still coming when it went on: what was held and the rest, copied as they passed.
          const body = tap === undefined ? sent.body : tap.body()
          tap?.release()
          return scriptRequestOf({ ...sent, body }, this.deps.connId)
        }
        if (tap !== undefined) plan.release = () => tap.release()
      }
      this.response.plans.set(s, plan)
    }
    if (!changed && !scriptChanged) return leg.letThrough(held)
    const bodyChanged = request.body !== original
    const delivered = leg.releaseEdited(held, fieldsOf(held.head.decoded.fields, request), bodyChanged ? request.body : undefined)
    if (tap !== undefined && bodyChanged) leg.untap(s)
    if (changed) recordRule(leg.port, entry, 'rewrite', `rewrote ${summary}`, at, scriptChanged ? undefined : delivered)
    if (scriptChanged) recordRule(leg.port, undefined, 'script', `the script changed ${summary}`, at, delivered)
  }

  /** A request goes on unheld while the script has onResponse: its body is copied as it passes, for the hook's `req`. */
  passing(b: Block, summary: string): void {
    const tap = this.request.tap(b.stream)
    const fields = b.decoded.fields
    this.response.plans.set(b.stream, {
      summary,
      script: async () => {
        const body = tap.body()
        tap.release()
        return scriptRequestOf(asRequest(fields, body), this.deps.connId)
      },
      release: () => tap.release()
    })
  }

  /** A held response: its request's rule rewrites it, then the script's onResponse sees it. */
  private async rewriteResponse(held: Held): Promise<void> {
    const leg = this.response
    const plan = held.plan!
    const fields = held.head.decoded.fields
    const original = asResponse(fields, bodyOf(held))
    let response = original
    const status = original.status
    const at = { offset: held.head.offset, size: held.size, summary: status }
    const to = ` to ${plan.summary}`
    let ruleNotes: string[] | undefined
    if (plan.rewrite !== undefined) {
      const out = await rewriteMessage(response, plan.rewrite)
      response = out.message
      ruleNotes = out.notes
      if (!leg.isCurrent(held)) return
    }
    const script = this.deps.script
    let scriptChanged = false
    if (plan.script !== undefined && script?.has('onResponse') === true) {
      const req = await plan.script()
      const seen = await scriptResponseOf(response)
      const outcome = await script.onResponse(seen, req)
      if (!leg.isCurrent(held)) return
      if (outcome.error !== undefined) recordRule(leg.port, undefined, 'error', `the script's onResponse failed on ${status}${to}: ${outcome.error}${outcome.action === 'fail' ? '' : '; the response went on unchanged'}`, at)
      if (outcome.delayMs !== undefined && outcome.delayMs > 0) {
        recordRule(leg.port, undefined, 'delay', `the script delayed the response ${status}${to} ${outcome.delayMs} ms`, at)
        this.flush()
        await this.sleep(outcome.delayMs)
        if (!leg.isCurrent(held)) return
      }
      const s = held.stream
      if (outcome.action === 'reset' || outcome.action === 'fail') {
        leg.swallowHeld(held)
        const delivered = leg.reset(s, INTERNAL_ERROR)
        recordRule(leg.port, undefined, 'script', `the script reset stream ${s} at the response ${status}${to} (RST_STREAM INTERNAL_ERROR)`, at, delivered)
        return
      }
      if (outcome.action === 'close') {
        leg.swallowHeld(held)
        recordRule(leg.port, undefined, 'script', `the script closed the connection at the response ${status}${to} (GOAWAY to both sides)`, at)
        return this.closeConnection()
      }
      if (outcome.action === 'drop') {
        leg.swallowHeld(held)
        recordRule(leg.port, undefined, 'script', `the script dropped the response ${status}${to} (stream ${s} never answered)`, at)
        return
      }
      if (outcome.changed !== undefined) {
        const notes: string[] = []
        response = await responseFromScript(response, outcome.changed, notes, seen.body)
        if (!leg.isCurrent(held)) return
        scriptChanged = true
        if (notes.length > 0) recordRule(leg.port, undefined, 'script', `the response ${status}${to}: ${notes.join('; ')}`, at)
      }
    }
    plan.release?.()
    if (plan.rewrite === undefined && !scriptChanged) return leg.letThrough(held)
    const bodyChanged = response.body !== original.body
    const delivered = leg.releaseEdited(held, fieldsOf(fields, response), bodyChanged ? response.body : undefined)
    if (ruleNotes !== undefined) recordRule(leg.port, plan.entry, 'rewrite', `rewrote the response ${status}${to}${ruleNotes.length > 0 ? `: ${ruleNotes.join('; ')}` : ''}`, at, scriptChanged ? undefined : delivered)
    if (scriptChanged) recordRule(leg.port, undefined, 'script', `the script changed the response ${status}${to}`, at, delivered)
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
