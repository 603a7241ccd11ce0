// The rules of one connection's HTTP/1 traffic, as a pair of ForwardStages (forward-stage.ts).
// The request direction frames each request (breakpoint/http-framer.ts); one a rule could
// match is kept whole, matched with its body, and then answered here (respond), sent
// elsewhere (forward), changed (rewrite), delayed, or ends the connection (close, reset,
// timeout). The response direction keeps the answers in the order the requests came: every
// request has a slot, filled by the target's response (rewritten when its rule says so) or
// by an answer made here, and a slot is delivered only once those before it have been.
//
// What the receiver got instead of what the sender sent is recorded beside it, as a `rule`
// record in the sender's direction with the delivered bytes (rule-record.ts).

import type { EditableRequest } from '../../shared/http-request-edit'
import { parseRequest } from '../../shared/http-request-edit'
import { stepKind, type MessageRewrite, type Respond } from '../../shared/rules/rule-types'
import { HttpFramer, type Framed } from '../breakpoint/http-framer'
import type { MessageHead } from '../breakpoint/break-match'
import type { StagePair } from '../proxy/forward-stage'
import { headerValue, readBody, rewriteStep, serialize } from './http-edit'
import { httpResponseFor, keepsAlive } from './http-respond'
import type { ConnFacts, RequestFacts, Subject } from './rule-match'
import { recordRule } from './rule-record'
import type { ScriptRequest } from './script/script-types'
import { requestFromScript, scriptAnswer, scriptRequestOf } from './http-script'
import { Conversation, OrderedSide, type HttpRuleDeps, type Slot } from './http-order'

export type { HttpRuleDeps } from './http-order'
import { ResponseSide } from './http-response-side'
import { NOT_FOUND, badGateway } from './http-answers'
import { forwardHost } from './rule-forward'
import { asksWebSocket, wantsWebSocket } from './websocket/ws-relay'
import { inTargetsPlace, insteadOfTarget } from './traffic-deps'


/** An answer's place in the response order: the target's, one made here (ready once `bytes` is set), or none ever (timeout). */
export function httpRulePair(deps: HttpRuleDeps): StagePair {
  const conv = new Conversation()
  const request = new RequestSide(conv, deps)
  const response = new ResponseSide(conv, deps)
  conv.response = response
  conv.request = request
  return { client: request, server: response }
}

/** A stage that takes its sender's chunks in order, one at a time, with a pause while it works on one. */
class RequestSide extends OrderedSide {
  constructor(
    conv: Conversation,
    private readonly deps: HttpRuleDeps
  ) {
    super(conv, 'client')
  }

  /** Where the next byte the framer is fed starts in the client's stream. */
  private fed = 0

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      if (this.relayPending()) return
      const chunk = this.next()
      if (chunk === undefined) break
      if (chunk === 'fin') {
        this.finish()
        break
      }
      // WebSocket rules need the upgrade seen: the requests are framed for them too.
      if (this.framer === undefined && (this.deps.rules.framesHttp || this.scripted || wantsWebSocket(this.deps))) {
        this.framer = new HttpFramer('client', this.conv.http, (head) => this.wanted(head), true)
      }
      if (this.framer === undefined || this.framer.passing) {
        this.passOn(chunk)
        continue
      }
      const start = this.fed
      this.fed += chunk.length
      const out = this.framer.feed(chunk)
      if (out.rest !== undefined) {
        this.fed -= out.rest.length
        this.putBack(out.rest)
      }
      this.framed(out, start)
    }
    this.flow()
  }

  /** A script with request or response hooks sees every request. */
  private get scripted(): boolean {
    const script = this.deps.script
    return script !== undefined && (script.has('onRequest') || script.has('onResponse'))
  }

  /** Bytes for the target: on to it, or (no target) nowhere. */
  private passOn(bytes: Buffer): void {
    if (!this.deps.noTarget && this.conv.down === undefined) this.emit(bytes)
  }

  private framed(out: Framed, start: number): void {
    for (const bytes of out.pass) this.passOn(bytes)
    if (out.tooBig !== undefined) {
      this.port!.event('rule', { rule: '', label: '', action: 'error', message: `not matched: ${out.tooBig.summary} is over the 16.0 MiB hold limit, let through as it came`, offset: start })
    }
    if (out.message === undefined) return
    const { bytes } = out.message
    const offset = this.fed - bytes.length
    this.work(() => this.decide(bytes, offset))
  }

  /** A request's head: kept whole when some rule could match it; its slot taken now when none can. */
  private wanted(head: MessageHead): boolean {
    const found = this.deps.rules.find(this.subject(head, head.headers), 'http')
    if (found !== undefined || this.scripted) return true
    this.takeSlot({ kind: 'target', ...(asksWebSocket(head.headers) ? { websocket: true } : {}) })
    return false
  }

  private subject(head: MessageHead, headers: RequestFacts['headers'] = [], body?: RequestFacts['body']): Subject {
    return requestSubject(this.deps.conn(), head, headers, body)
  }

  /** A whole request some rule may match: which one does, and what it does. */
  private async decide(bytes: Buffer, offset: number): Promise<void> {
    const parsed = parseRequest(bytes)
    if ('error' in parsed) {
      this.takeSlot({ kind: 'target' })
      return this.passOn(bytes)
    }
    let request = parsed.request
    const body = await readBody(request)
    const head: MessageHead = { method: request.method, target: request.target, host: headerValue(request.headers, 'host') }
    const found = this.deps.rules.find(this.subject(head, request.headers, { ...(body.text !== undefined ? { text: body.text } : {}), ...(body.json !== undefined ? { json: body.json } : {}) }), 'http')
    if (found === undefined || found.verdict !== true || this.conv.closed) return this.goOn(request, bytes, undefined, offset)
    const entry = found.entry
    this.deps.rules.acted(entry)
    const summary = `${request.method} ${request.target}`
    const at = { offset, size: bytes.length, summary }
    let responseRewrite: MessageRewrite | undefined
    let changed = false
    for (const step of entry.spec.steps) {
      if (this.conv.closed) return
      const kind = stepKind(step)
      switch (kind) {
        case 'delay': {
          const ms = (step as { delay: number }).delay
          recordRule(this.port, entry, 'delay', `delayed ${summary} ${ms} ms`, at)
          await this.conv.sleep(ms)
          break
        }
        case 'rewrite': {
          const out = await rewriteStep(request, (step as { rewrite: { request?: MessageRewrite; response?: MessageRewrite } }).rewrite, responseRewrite)
          responseRewrite = out.forResponse
          if (out.rewritten !== undefined) {
            request = out.rewritten.message
            changed = true
            if (out.rewritten.notes.length > 0) recordRule(this.port, entry, 'rewrite', `${summary}: ${out.rewritten.notes.join('; ')}`, at)
          }
          break
        }
        case 'respond': {
          const r = (step as { respond: Respond }).respond
          const keep = keepsAlive(request.version, headerValue(request.headers, 'connection'))
          const answer = await httpResponseFor(r, request.method, keep, this.deps.baseDir)
          recordRule(this.port, entry, 'respond', `answered ${summary} with ${r.status ?? 200}${inTargetsPlace(this.deps)}`, at, answer)
          this.takeSlot({ kind: 'local', bytes: answer, ...(keep ? {} : { then: 'close' as const }) })
          return
        }
        case 'forward': {
          const f = (step as { forward: { to: string; host?: 'keep' | 'rewrite' } }).forward
          if (this.deps.forward === undefined) break
          const slot: Slot = { kind: 'local' }
          this.takeSlot(slot)
          const sent = serialize(f.host === 'rewrite' ? withHost(request, f.to) : request)
          recordRule(this.port, entry, 'forward', `sent ${summary} to ${f.to}${insteadOfTarget(this.deps)}`, at, changed ? sent : undefined)
          // The answer comes back in its slot's turn; meanwhile the next request is read.
          const forward = this.deps.forward
          void forward(f.to, sent, request.method)
            .then((answer) => this.fill(slot, answer))
            .catch((err: unknown) => this.fill(slot, badGateway(`${f.to}: ${(err as Error).message}`)))
          return
        }
        case 'close':
        case 'reset': {
          recordRule(this.port, entry, kind, `${kind === 'reset' ? 'reset' : 'closed'} the connection at ${summary}`, at)
          this.takeSlot({ kind: 'local', bytes: Buffer.alloc(0), then: kind })
          return
        }
        case 'timeout':
        case 'drop': {
          recordRule(this.port, entry, kind, `${summary} ${kind === 'drop' ? 'dropped' : 'never answered'}`, at)
          this.takeSlot({ kind: 'never' })
          return
        }
      }
    }
    // The chain ended without an answer: the request goes on (as changed).
    const written = changed ? serialize(request) : undefined
    if (written !== undefined) recordRule(this.port, entry, 'rewrite', `rewrote ${summary}`, at, written)
    await this.goOn(request, bytes, written, offset, responseRewrite !== undefined ? { rewrite: responseRewrite, entry, request } : {})
  }

  /** A request no rule answered: the script's onRequest (if any) may change or answer it, else it goes to the target. */
  /** `written`: the request as a rule changed it, in bytes (made once, for its record and to send). */
  private async goOn(request: EditableRequest, bytes: Buffer, written: Buffer | undefined, offset: number, slot: Partial<Slot & { kind: 'target' }> = {}): Promise<void> {
    const script = this.deps.script
    const summary = `${request.method} ${request.target}`
    const at = { offset, size: bytes.length, summary }
    let scriptRequest: ScriptRequest | undefined
    if (script !== undefined && (script.has('onRequest') || script.has('onResponse')) && !this.conv.closed) {
      scriptRequest = await scriptRequestOf(request, this.deps.connId)
      if (script.has('onRequest')) {
        const outcome = await script.onRequest(scriptRequest)
        if (this.conv.closed) return
        if (outcome.error !== undefined) recordRule(this.port, undefined, 'error', `the script's onRequest failed on ${summary}: ${outcome.error}${outcome.action === 'fail' ? '' : '; the request went on unchanged'}`, at)
        if (outcome.delayMs !== undefined && outcome.delayMs > 0) await this.conv.sleep(outcome.delayMs)
        const keep = keepsAlive(request.version, headerValue(request.headers, 'connection'))
        if (outcome.action === 'fail') {
          const answer = badGateway(`the script failed the request${outcome.error !== undefined ? `: ${outcome.error}` : ''}`, true)
          recordRule(this.port, undefined, 'script', `the script failed ${summary}`, at, answer)
          return this.takeSlot({ kind: 'local', bytes: answer, then: 'close' })
        }
        if (outcome.respond !== undefined) {
          const answer = scriptAnswer(outcome.respond, request.method, keep)
          recordRule(this.port, undefined, 'script', `the script answered ${summary} with ${outcome.respond.status}${inTargetsPlace(this.deps)}`, at, answer)
          return this.takeSlot({ kind: 'local', bytes: answer, ...(keep ? {} : { then: 'close' as const }) })
        }
        if (outcome.action === 'drop') {
          recordRule(this.port, undefined, 'script', `the script dropped ${summary}`, at)
          return this.takeSlot({ kind: 'never' })
        }
        if (outcome.action === 'close' || outcome.action === 'reset') {
          recordRule(this.port, undefined, 'script', `the script ${outcome.action === 'reset' ? 'reset' : 'closed'} the connection at ${summary}`, at)
          return this.takeSlot({ kind: 'local', bytes: Buffer.alloc(0), then: outcome.action })
        }
        if (outcome.changed !== undefined) {
          const notes: string[] = []
          request = await requestFromScript(request, outcome.changed, notes)
          scriptRequest = outcome.changed
          written = serialize(request)
          recordRule(this.port, undefined, 'script', `the script changed ${summary}${notes.length > 0 ? `: ${notes.join('; ')}` : ''}`, at, written)
        }
      }
    }
    this.takeSlot({
      kind: 'target',
      ...slot,
      ...(scriptRequest !== undefined && script?.has('onResponse') === true ? { script: scriptRequest, request } : {}),
      ...(asksWebSocket(request.headers) ? { websocket: true } : {})
    })
    this.passOn(written ?? bytes)
  }

  private takeSlot(slot: Slot): void {
    // With no target, what no rule answers gets a 404 in its turn.
    if (slot.kind === 'target' && this.deps.noTarget) slot = { kind: 'local', bytes: NOT_FOUND }
    else if (slot.kind === 'target' && this.conv.down !== undefined) slot = { kind: 'local', bytes: badGateway(this.conv.down) }
    this.conv.slots.push(slot)
    this.conv.response.pump()
  }

  private fill(slot: Slot & { kind: 'local' }, bytes: Buffer): void {
    slot.bytes = bytes
    this.conv.response.pump()
  }

  private finish(): void {
    const out = this.framer?.finish()
    if (out !== undefined) for (const bytes of out.pass) this.passOn(bytes)
    this.flushOut()
    this.conv.clientFinished = true
    // A target ends the connection after its last answer; without one (none behind, or down), the last answer made here does.
    if (!this.deps.noTarget && this.conv.down === undefined) this.port!.end()
    else this.conv.response.clientDone()
  }
}



function withHost(r: EditableRequest, to: string): EditableRequest {
  const host = forwardHost(to)
  return { ...r, headers: r.headers.map((h) => (h.name.toLowerCase() === 'host' ? { ...h, value: host } : h)) }
}

/** A request's facts, its query parsed when first read (most rules never read it). */
class Facts implements RequestFacts {
  port?: number
  body?: RequestFacts['body']
  private q: URLSearchParams | string

  constructor(
    readonly method: string,
    readonly path: string,
    query: URLSearchParams | string,
    readonly host: string,
    readonly headers: RequestFacts['headers']
  ) {
    this.q = query
  }

  get query(): URLSearchParams {
    if (typeof this.q === 'string') this.q = new URLSearchParams(this.q)
    return this.q
  }
}

/** A request as rules read it, HTTP/1's or HTTP/2's: its target split into path and query, its host and port (the target's when the host names none). */
export function requestSubject(conn: ConnFacts, head: MessageHead, headers: RequestFacts['headers'] = [], body?: RequestFacts['body']): Subject {
  const target = head.target ?? '/'
  let path = target
  let query: URLSearchParams | undefined
  let queryText = ''
  let host = head.host ?? ''
  // The usual origin-form target needs no URL parser (it runs for every request): the path is
  // what comes before the query, and the query is parsed only if a rule asks for it. Anything
  // else (absolute form, dot segments) is parsed.
  if (target.startsWith('/') && !target.includes('/.')) {
    const q = target.indexOf('?')
    path = q < 0 ? target : target.slice(0, q)
    queryText = q < 0 ? '' : target.slice(q + 1)
  } else {
    try {
      const url = new URL(target, `http://${host || 'x'}`)
      path = url.pathname
      query = url.searchParams
      // An absolute-form target (a forward proxy's request) names the host.
      if (/^https?:\/\//i.test(target)) host = url.host
    } catch {
      // A target URL cannot read: matched as it is.
    }
  }
  const portText = /:(\d+)$/.exec(host)?.[1]
  const hostName = portText === undefined ? host : host.slice(0, host.length - portText.length - 1)
  const request: RequestFacts = new Facts(head.method ?? '', path, query ?? queryText, hostName, headers)
  if (body !== undefined) request.body = body
  const port = portText !== undefined ? Number(portText) : conn.targetPort
  if (port !== undefined) request.port = port
  return { conn, request }
}
