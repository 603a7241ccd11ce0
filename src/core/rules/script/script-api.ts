// The objects a user's hooks see inside the worker: a request, a response, a message, their
// headers and the hook's ctx. They are changed in place ("return nothing to send it as
// changed"), and afterwards each says only what really differs from what came in, so the
// proxy keeps its fast path for traffic a script looked at and left alone.

import { HeaderList, headerPairs } from './script-headers'
import type { RequestFields, ScriptAction, ScriptConnection, ScriptMessage, ScriptResponse } from './script-types'

const INSPECT = Symbol.for('nodejs.util.inspect.custom')
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A script's body: a string is sent as UTF-8; an object or array as JSON. */
export function bodyBytes(value: unknown): Uint8Array {
  if (value === undefined || value === null) return new Uint8Array(0)
  if (typeof value === 'string') return encoder.encode(value)
  if (value instanceof Uint8Array) return new Uint8Array(value)
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0))
  if (typeof value === 'object') return encoder.encode(JSON.stringify(value))
  throw new TypeError(`a body must be a string, a Uint8Array or an object for JSON, not ${typeof value}`)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
}

function samePairs(a: [string, string][], b: [string, string][]): boolean {
  return a.length === b.length && a.every(([n, v], i) => n === b[i][0] && v === b[i][1])
}

/** Bytes as a script may see and replace them, decoded as UTF-8 only when asked. */
class Payload {
  readonly original: Uint8Array

  #bytes: Uint8Array

  constructor(bytes: Uint8Array) {
    this.original = bytes
    this.#bytes = bytes
  }

  /** A copy on first look, so a script that changes the bytes in place changes the copy, and the change shows. */
  get bytes(): Uint8Array {
    if (this.#bytes === this.original) this.#bytes = this.original.slice()
    return this.#bytes
  }

  get text(): string {
    return decoder.decode(this.#bytes)
  }

  get length(): number {
    return this.#bytes.length
  }

  set(value: unknown): void {
    this.#bytes = bodyBytes(value)
  }

  changed(): Uint8Array | undefined {
    return sameBytes(this.original, this.#bytes) ? undefined : this.#bytes
  }
}

/** The part of a request-target a person calls its path: no scheme, host, query or fragment. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i

function pathOf(url: string): string {
  const noOrigin = url.replace(ORIGIN, '')
  const path = noOrigin.replace(/[?#].*$/s, '')
  return path || (noOrigin === url ? url : '/')
}

/** What a request and a response share: a body a hook reads and sets as text or as bytes. */
class WithBody {
  readonly #body: Payload

  constructor(body: Uint8Array) {
    this.#body = new Payload(body)
  }

  get body(): string {
    return this.#body.text
  }

  set body(value: string) {
    this.#body.set(value)
  }

  get bytes(): Uint8Array {
    return this.#body.bytes
  }

  set bytes(value: Uint8Array) {
    this.#body.set(value)
  }

  /** The new body, if a hook changed it. */
  protected bodyChanged(): ReturnType<Payload['changed']> {
    return this.#body.changed()
  }
}

export class ScriptRequestApi extends WithBody {
  method: string
  #url: string
  #path: string
  readonly headers: HeaderList
  readonly #in: RequestFields

  constructor(req: RequestFields) {
    super(req.body)
    this.#in = req
    this.method = req.method
    this.#url = req.url
    this.#path = req.path
    this.headers = new HeaderList(req.headers)
  }

  get url(): string {
    return this.#url
  }

  set url(value: string) {
    this.#url = String(value)
    this.#path = pathOf(this.#url)
  }

  get path(): string {
    return this.#path
  }

  /** Replaces the path and keeps the rest of the request-target (its origin and query). */
  set path(value: string) {
    const path = String(value)
    const origin = ORIGIN.exec(this.#url)?.[0] ?? ''
    const rest = this.#url.slice(origin.length)
    const tail = rest.startsWith(this.#path) ? rest.slice(this.#path.length) : (/[?#].*$/s.exec(rest)?.[0] ?? '')
    this.#url = `${origin}${path}${tail}`
    this.#path = path
  }


  /** What console.log and JSON.stringify show: the fields, not the private workings. */
  toJSON(): object {
    return { method: this.method, url: this.#url, path: this.#path, headers: this.headers.pairs(), body: this.body }
  }

  [INSPECT](): object {
    return this.toJSON()
  }

  /** The fields that differ from the request as it came (undefined when none does): only those cross back. */
  changed(): Partial<RequestFields> | undefined {
    const headers = this.headers.pairs()
    const body = this.bodyChanged()
    return onlyChanged({
      method: this.method === this.#in.method ? undefined : String(this.method),
      url: this.#url === this.#in.url ? undefined : this.#url,
      path: this.#path === this.#in.path ? undefined : this.#path,
      headers: samePairs(headers, this.#in.headers) ? undefined : headers,
      body
    })
  }
}

/** The object without its undefined fields, or undefined when none is left. */
function onlyChanged<T extends object>(fields: T): Partial<T> | undefined {
  const kept = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>
  return Object.keys(kept).length ? kept : undefined
}

/** The request beside a response: to read, not to change (it has been sent). */
export function requestView(req: RequestFields): Readonly<{ method: string; url: string; path: string; headers: HeaderList; body: string; bytes: Uint8Array }> {
  return Object.freeze({
    method: req.method,
    url: req.url,
    path: req.path,
    headers: new HeaderList(req.headers),
    get body() {
      return decoder.decode(req.body)
    },
    get bytes() {
      return req.body.slice()
    }
  })
}

export class ScriptResponseApi extends WithBody {
  #status: number
  reason: string | undefined
  readonly headers: HeaderList
  readonly #in: ScriptResponse

  constructor(res: ScriptResponse) {
    super(res.body)
    this.#in = res
    this.#status = res.status
    this.reason = res.reason
    this.headers = new HeaderList(res.headers)
  }

  get status(): number {
    return this.#status
  }

  set status(value: number) {
    this.#status = statusCode(value)
  }


  toJSON(): object {
    return { status: this.#status, reason: this.reason, headers: this.headers.pairs(), body: this.body }
  }

  [INSPECT](): object {
    return this.toJSON()
  }

  changed(): Partial<ScriptResponse> | undefined {
    const headers = this.headers.pairs()
    return onlyChanged({
      status: this.#status === this.#in.status ? undefined : this.#status,
      reason: this.reason === this.#in.reason || this.reason === undefined ? undefined : String(this.reason),
      headers: samePairs(headers, this.#in.headers) ? undefined : headers,
      body: this.bodyChanged()
    })
  }
}

export function statusCode(value: unknown): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 100 || n > 999) throw new RangeError(`a status must be a whole number from 100 to 999, not ${String(value)}`)
  return n
}

export class ScriptMessageApi {
  readonly protocol: string
  readonly dir: 'client' | 'server'
  readonly summary: string
  readonly fields: unknown
  #bytes: Payload

  constructor(msg: Omit<ScriptMessage, 'connId'>) {
    this.protocol = msg.protocol
    this.dir = msg.dir
    this.summary = msg.summary
    this.fields = msg.fields
    this.#bytes = new Payload(msg.bytes)
  }

  get bytes(): Uint8Array {
    return this.#bytes.bytes
  }

  set bytes(value: Uint8Array) {
    this.#bytes.set(value)
  }

  get text(): string {
    return this.#bytes.text
  }

  set text(value: string) {
    this.#bytes.set(value)
  }

  toJSON(): object {
    return { protocol: this.protocol, dir: this.dir, summary: this.summary, fields: this.fields, bytes: this.#bytes.length }
  }

  [INSPECT](): object {
    return this.toJSON()
  }

  changed(): Uint8Array | undefined {
    return this.#bytes.changed()
  }
}

/** A frozen copy: a script may read a connection, not change it. */
export function connectionApi(conn: ScriptConnection): Readonly<ScriptConnection> {
  return Object.freeze({ id: conn.id, client: conn.client, target: conn.target })
}

/** An answer a script gave (ctx.respond, or an object returned from onRequest), checked. */
export function scriptResponse(value: unknown): ScriptResponse {
  if (typeof value !== 'object' || value === null) throw new TypeError('a response must be an object like { status, headers, body }')
  const r = value as { status?: unknown; reason?: unknown; headers?: unknown; body?: unknown }
  const headers = headerPairs(r.headers)
  const plainObjectBody = typeof r.body === 'object' && r.body !== null && !(r.body instanceof Uint8Array) && !(r.body instanceof ArrayBuffer)
  if (plainObjectBody && !headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['content-type', 'application/json'])
  return { status: r.status === undefined ? 200 : statusCode(r.status), ...(r.reason === undefined ? {} : { reason: String(r.reason) }), headers, body: bodyBytes(r.body) }
}

/** What a hook asked for besides changes: an answer, an action, a delay. */
export class HookContext {
  respondWith: ScriptResponse | undefined
  action: ScriptAction | undefined
  delayMs = 0
  readonly #canRespond: boolean

  constructor(
    readonly state: Record<string, unknown>,
    canRespond: boolean
  ) {
    this.#canRespond = canRespond
  }

  respond(value: unknown): void {
    if (!this.#canRespond) throw new TypeError('ctx.respond() answers a request: call it in onRequest')
    this.respondWith = scriptResponse(value)
  }

  drop(): void {
    this.action = 'drop'
  }

  close(): void {
    this.action = 'close'
  }

  reset(): void {
    this.action = 'reset'
  }

  fail(): void {
    this.action = 'fail'
  }

  /** Delays add up: two calls of delay(100) hold the traffic 200 ms. */
  delay(ms: number): void {
    const n = Number(ms)
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`ctx.delay() takes milliseconds, 0 or more, not ${String(ms)}`)
    this.delayMs += n
  }
}
