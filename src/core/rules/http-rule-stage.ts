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

import type { EditableRequest, EditableResponse } from '../../shared/http-request-edit'
import { parseRequest, parseResponse } from '../../shared/http-request-edit'
import type { MessageRewrite, Respond, Step } from '../../shared/rules/rule-types'
import { HttpConversation, HttpFramer, type Framed } from '../breakpoint/http-framer'
import type { MessageHead } from '../breakpoint/break-match'
import { READ_AHEAD } from '../breakpoint/read-ahead'
import type { ForwardStage, StagePair, StagePort } from '../proxy/forward-stage'
import { headerValue, readBody, rewriteMessage, serialize } from './http-edit'
import { httpResponseFor, keepsAlive } from './http-respond'
import type { ConnFacts, RequestFacts, Subject } from './rule-match'
import type { RuleEntry, RuleSet } from './rule-set'
import { recordRule } from './rule-record'

export interface HttpRuleDeps {
  rules: RuleSet
  /** The connection's facts for connection matchers and a request's port. */
  conn(): ConnFacts
  /** Where a respond step's `file` is read from (the rules file's folder). */
  baseDir?: string
  /** Sends a request to another target (a forward step) and resolves with its whole response. */
  forward?(to: string, request: Buffer, method: string): Promise<Buffer>
  /** No target behind (`serve --rules`): what no rule answers gets this instead of going on. */
  noTarget?: boolean
}

/** An answer's place in the response order: the target's, one made here (ready once `bytes` is set), or none ever (timeout). */
type Slot =
  | { kind: 'target'; rewrite?: MessageRewrite; entry?: RuleEntry; request?: EditableRequest; offset?: number }
  | { kind: 'local'; bytes?: Buffer; then?: 'close' | 'reset' }
  | { kind: 'never' }

class Conversation {
  readonly http = new HttpConversation()
  readonly slots: Slot[] = []
  request!: RequestSide
  response!: ResponseSide
  closed = false
  private readonly timers = new Map<NodeJS.Timeout, () => void>()

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
    this.closed = true
    for (const [t, resolve] of this.timers) {
      clearTimeout(t)
      resolve()
    }
    this.timers.clear()
  }
}

export function httpRulePair(deps: HttpRuleDeps): StagePair {
  const conv = new Conversation()
  conv.request = new RequestSide(conv, deps)
  conv.response = new ResponseSide(conv)
  return { client: conv.request, server: conv.response }
}

/** A stage that takes its sender's chunks in order, one at a time, with a pause while it works on one. */
abstract class OrderedSide implements ForwardStage {
  port: StagePort | undefined
  protected pending: Array<Buffer | 'fin'> = []
  private pendingBytes = 0
  protected busy = false
  protected framer: HttpFramer | undefined

  constructor(protected readonly conv: Conversation) {}

  open(port: StagePort): void {
    this.port = port
  }

  data(chunk: Buffer, port: StagePort): void {
    this.port = port
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    this.pump()
  }

  fin(port: StagePort): void {
    this.port = port
    this.pending.push('fin')
    this.pump()
  }

  close(): void {
    this.conv.close()
    this.pending = []
    this.pendingBytes = 0
  }

  protected next(): Buffer | 'fin' | undefined {
    const n = this.pending.shift()
    if (n !== undefined && n !== 'fin') this.pendingBytes -= n.length
    return n
  }

  protected putBack(rest: Buffer): void {
    this.pending.unshift(rest)
    this.pendingBytes += rest.length
  }

  /** Reads on unless READ_AHEAD waits behind a message being worked on. */
  protected flow(): void {
    if (!this.conv.closed) this.port?.hold(this.busy && this.pendingBytes > READ_AHEAD)
  }

  /** Works on one async step, reading no further meanwhile; a failure lets the connection go on as it can. */
  protected work(task: () => Promise<void>): void {
    this.busy = true
    this.flow()
    task()
      .catch((err: unknown) => {
        this.port?.event('rule', { rule: '', label: '', action: 'error', message: `a rule failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}` })
      })
      .finally(() => {
        this.busy = false
        this.flow()
        this.pump()
      })
  }

  abstract pump(): void
}

class RequestSide extends OrderedSide {
  constructor(
    conv: Conversation,
    private readonly deps: HttpRuleDeps
  ) {
    super(conv)
  }

  /** Where the next byte the framer is fed starts in the client's stream. */
  private fed = 0

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      const chunk = this.next()
      if (chunk === undefined) break
      if (chunk === 'fin') {
        this.finish()
        break
      }
      if (this.framer === undefined && this.deps.rules.framesHttp) {
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

  /** Bytes for the target: on to it, or (no target) nowhere. */
  private passOn(bytes: Buffer): void {
    if (!this.deps.noTarget) this.port!.send(bytes)
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
    const found = this.deps.rules.find(this.subject(head), 'http')
    if (found !== undefined) return true
    this.takeSlot({ kind: 'target' })
    return false
  }

  private subject(head: MessageHead, headers: RequestFacts['headers'] = [], body?: RequestFacts['body']): Subject {
    const conn = this.deps.conn()
    const target = head.target ?? '/'
    let path = target
    let query = new URLSearchParams()
    let host = head.host ?? ''
    try {
      const url = new URL(target, `http://${host || 'x'}`)
      path = url.pathname
      query = url.searchParams
      // An absolute-form target (a forward proxy's request) names the host.
      if (/^https?:\/\//i.test(target)) host = url.host
    } catch {
      // A target URL cannot read: matched as it is.
    }
    const portText = /:(\d+)$/.exec(host)?.[1]
    const hostName = host.replace(/:\d+$/, '')
    const request: RequestFacts = { method: head.method ?? '', path, query, host: hostName, headers, ...(body !== undefined ? { body } : {}) }
    const port = portText !== undefined ? Number(portText) : conn.targetPort
    if (port !== undefined) request.port = port
    return { conn, request }
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
    if (found === undefined || found.verdict !== true || this.conv.closed) {
      this.takeSlot({ kind: 'target' })
      return this.passOn(bytes)
    }
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
          const rw = (step as { rewrite: { request?: MessageRewrite; response?: MessageRewrite } }).rewrite
          if (rw.request !== undefined) {
            const out = await rewriteMessage(request, rw.request)
            request = out.message
            changed = true
            if (out.notes.length > 0) recordRule(this.port, entry, 'rewrite', `${summary}: ${out.notes.join('; ')}`, at)
          }
          if (rw.response !== undefined) responseRewrite = { ...responseRewrite, ...rw.response }
          break
        }
        case 'respond': {
          const r = (step as { respond: Respond }).respond
          const keep = keepsAlive(request.version, headerValue(request.headers, 'connection'))
          const answer = await httpResponseFor(r, request.method, keep, this.deps.baseDir)
          recordRule(this.port, entry, 'respond', `answered ${summary} with ${r.status ?? 200} (not sent to the target)`, at, answer)
          this.takeSlot({ kind: 'local', bytes: answer, ...(keep ? {} : { then: 'close' as const }) })
          return
        }
        case 'forward': {
          const f = (step as { forward: { to: string; host?: 'keep' | 'rewrite' } }).forward
          if (this.deps.forward === undefined) break
          const slot: Slot = { kind: 'local' }
          this.takeSlot(slot)
          const sent = serialize(f.host === 'rewrite' ? withHost(request, f.to) : request)
          recordRule(this.port, entry, 'forward', `sent ${summary} to ${f.to} instead of the target`, at, changed ? sent : undefined)
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
    const out = changed ? serialize(request) : bytes
    if (changed) recordRule(this.port, entry, 'rewrite', `rewrote ${summary}`, at, out)
    this.takeSlot({ kind: 'target', ...(responseRewrite !== undefined ? { rewrite: responseRewrite, entry, request } : {}) })
    this.passOn(out)
  }

  private takeSlot(slot: Slot): void {
    // With no target, what no rule answers gets a 404 in its turn.
    if (slot.kind === 'target' && this.deps.noTarget) slot = { kind: 'local', bytes: NOT_FOUND }
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
    if (!this.deps.noTarget) this.port!.end()
    else this.conv.response.clientDone()
  }
}

class ResponseSide extends OrderedSide {
  private current: Slot | undefined
  private clientEnded = false

  pump(): void {
    while (!this.busy && !this.conv.closed) {
      if (this.deliverLocal()) continue
      if (this.pending.length === 0) break
      // A slot made here that is not ready yet goes first: the target's next response waits.
      const front = this.conv.slots[0]
      if ((this.framer === undefined || this.framer.between) && front !== undefined && front.kind !== 'target' && this.pending[0] !== 'fin') break
      const chunk = this.next()!
      if (chunk === 'fin') {
        this.finish()
        break
      }
      this.framer ??= new HttpFramer('server', this.conv.http, (head) => this.wanted(head), true)
      if (this.framer.passing) {
        this.port!.send(chunk)
        continue
      }
      const out = this.framer.feed(chunk)
      if (out.rest !== undefined) this.putBack(out.rest)
      for (const bytes of out.pass) this.port!.send(bytes)
      if (out.message !== undefined) {
        const slot = this.current
        const message = out.message.bytes
        this.work(() => this.rewrite(message, slot))
      }
    }
    this.flow()
  }

  /** Delivers the answers made here that are next in turn; true when it delivered one. */
  private deliverLocal(): boolean {
    if (this.framer !== undefined && !this.framer.between) return false
    const front = this.conv.slots[0]
    if (front === undefined || front.kind !== 'local' || front.bytes === undefined || this.port === undefined) return false
    this.conv.slots.shift()
    // The request never reached the target: its response is not the target's to frame.
    this.conv.http.methods.shift()
    if (front.bytes.length > 0) this.port.send(front.bytes)
    if (front.then === 'reset') this.port.reset()
    else if (front.then === 'close') this.port.close()
    else if (this.clientEnded && this.conv.slots.length === 0) this.port.end()
    return true
  }

  private wanted(head: MessageHead): boolean {
    // A 1xx other than 101 comes before the real answer to the same request.
    if (head.status !== undefined && head.status >= 100 && head.status < 200 && head.status !== 101) return false
    const slot = this.conv.slots[0]?.kind === 'target' ? this.conv.slots.shift() : undefined
    this.current = slot
    return slot?.kind === 'target' && slot.rewrite !== undefined
  }

  private async rewrite(bytes: Buffer, slot: Slot | undefined): Promise<void> {
    if (slot?.kind !== 'target' || slot.rewrite === undefined || slot.entry === undefined) return void this.port!.send(bytes)
    const parsed = parseResponse(bytes)
    if ('error' in parsed) return void this.port!.send(bytes)
    const out = await rewriteMessage<EditableResponse>(parsed.response, slot.rewrite)
    const delivered = serialize(out.message)
    const summary = `${parsed.response.status} ${parsed.response.reason}`.trim()
    recordRule(this.port, slot.entry, 'rewrite', `rewrote the response ${summary}${slot.request ? ` to ${slot.request.method} ${slot.request.target}` : ''}${out.notes.length > 0 ? `: ${out.notes.join('; ')}` : ''}`, { summary, size: bytes.length }, delivered)
    this.port!.send(delivered)
  }

  /** `serve --rules`: the client sent its FIN; the last answer, once delivered, ends the connection. */
  clientDone(): void {
    this.clientEnded = true
    if (this.conv.slots.length === 0) this.port?.end()
    else this.pump()
  }

  private finish(): void {
    const out = this.framer?.finish()
    if (out !== undefined) for (const bytes of out.pass) this.port!.send(bytes)
    // Answers made here that are ready still go, before the FIN.
    while (this.deliverLocal());
    this.port!.end()
  }
}

const NOT_FOUND = Buffer.from('HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 31\r\n\r\nno rule answers this request.\r\n', 'latin1')

function badGateway(why: string): Buffer {
  const body = Buffer.from(`tcpscope could not forward the request: ${why}\n`)
  return Buffer.concat([Buffer.from(`HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`, 'latin1'), body])
}

function withHost(r: EditableRequest, to: string): EditableRequest {
  const host = to.replace(/^https?:\/\//, '').replace(/\/$/, '')
  return { ...r, headers: r.headers.map((h) => (h.name.toLowerCase() === 'host' ? { ...h, value: host } : h)) }
}

export type StepKind = 'respond' | 'forward' | 'rewrite' | 'delay' | 'close' | 'reset' | 'drop' | 'timeout'

export function stepKind(step: Step): StepKind {
  return Object.keys(step)[0] as StepKind
}
