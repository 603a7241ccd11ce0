// A rule made from the recording ("Mock this response", "Rewrite requests like this", "Mock
// this reply", `tcpscope rules from`), for a person to check and add:
// - mock an exchange: match its request's method and path, answer as the server did, the
//   body decoded (its content codings undone, so the mock sends it plain and says so with no
//   Content-Encoding), JSON kept as JSON, text as text, anything else as hex;
// - rewrite requests like an exchange's: the same match, and a request rewrite filled in
//   with what the request carried (its JSON body's top-level values by path, else its own
//   headers), to be edited into what the target should get;
// - mock a raw message's reply: match the client's message by its protocol and summary (as
//   the Messages tab shows it) and answer with the reply recorded for it, byte for byte.
// The one place rules are made from the recording: the app and the CLI both ask for it.

import { missingExchange } from '../decode/missing-exchange'
import type { Respond, RuleSpec } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import type { Messages } from '../decode/messages/messages'
import type { HttpMessage } from '../../shared/protocol-types'
import { UserError } from '../net/net-errors'

/** Largest recorded body a rule carries (a rule file is read whole). */
export const MAX_RULE_BODY = 4 * 1024 * 1024
/** Values or headers a rewrite is filled in with, at most: a start to edit, not a copy. */
const MAX_FILLED = 8
/** The most of a request's body read for its JSON values. */
const MAX_REWRITE_BODY = 256 * 1024

/** Headers a mock does not repeat: the framing is its own, the coding undone, the rest hop by hop or of that moment. */
const LEFT_OUT = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'date', 'set-cookie'])
/** Request headers every client sends on its own: a rewrite is not filled in with them. */
const COMMON_REQUEST = new Set(['host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'upgrade-insecure-requests', 'cache-control', 'pragma'])

export type RuleFromAs = 'mock' | 'rewrite'

export type RuleSource = { connId: number; exchange: number; as?: RuleFromAs } | { connId: number; message: number; as?: RuleFromAs }

export async function ruleFrom(view: CaptureView, recorded: { decoding: Decoding; messages: Messages }, source: RuleSource): Promise<RuleSpec> {
  if ('message' in source) {
    if (source.as === 'rewrite') throw new UserError('a rule that rewrites messages is written by hand (rewrite.bytes); from a message, tcpscope makes one that answers it as recorded', 'EINVAL')
    return ruleFromMessage(view, recorded.messages, source.connId, source.message)
  }
  return ruleFromExchange(view, recorded.decoding, source.connId, source.exchange, source.as ?? 'mock')
}

/** The path of a request target (origin-form `/a?b`, or absolute-form `http://h/a?b`), without its query. */
export function targetPath(target: string): string {
  return target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] || '/'
}

/** The request's match: its method and path, exact (a `*` in a path would otherwise be a glob). */
function requestMatch(req: HttpMessage): { method: string; path: string; match: RuleSpec['match'] } {
  const method = req.method!.toUpperCase()
  const path = targetPath(req.target ?? '/')
  return { method, path, match: { http: { method, path: /[*?]/.test(path) ? { exact: path } : path } } }
}

/** The whole decoded body of one side of an exchange, up to `max` (over it: a one-line error naming what to do). */
async function bodyOf(view: CaptureView, decoding: Decoding, connId: number, exchange: number, part: 'request' | 'response', max: number): Promise<Buffer | undefined> {
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const p = await decoding.body(view, { connId, exchange, part, decode: true, offset: size, length: max + 1 - size })
    if (p.problem !== undefined || p.cut !== undefined) throw new UserError(`the ${part}'s body cannot be read whole (${p.problem?.message ?? p.note ?? 'cut'}): answer with a file instead`, 'EINVAL')
    parts.push(p.bytes)
    size += p.bytes.length
    if (size > max) return undefined
    if (p.end || p.bytes.length === 0) break
  }
  return Buffer.concat(parts)
}

const isText = (text: string): boolean => !text.includes('\uFFFD') && !/[\x00-\x08\x0e-\x1f]/.test(text)

export async function ruleFromExchange(view: CaptureView, decoding: Decoding, connId: number, exchange: number, as: RuleFromAs = 'mock'): Promise<RuleSpec> {
  const page = await decoding.exchanges(view, connId, exchange, 1)
  const ex = page.exchanges[0]
  if (ex === undefined) throw page.total === 0 ? new UserError(`connection #${connId} carries no HTTP exchange`, 'ENOENT') : missingExchange(connId, exchange, page.total, 'ENOENT')
  const req = ex.request
  if (req?.method === undefined) throw new UserError(`exchange ${exchange + 1} of connection #${connId} has no request`, 'ENOENT')
  if (as === 'rewrite') return rewriteRule(req, await requestJson(view, decoding, connId, exchange, req))
  const res = ex.response
  if (res?.status === undefined) throw new UserError(`exchange ${exchange + 1} of connection #${connId} has no response to answer with`, 'ENOENT')
  const body = await bodyOf(view, decoding, connId, exchange, 'response', MAX_RULE_BODY)
  if (body === undefined) throw new UserError(`the response's body is over ${MAX_RULE_BODY / 1024 / 1024} MiB: a rule carries at most that; answer with a file instead`, 'EINVAL')
  const headers: Record<string, string> = {}
  for (const h of res.headers) if (!h.name.startsWith(':') && !LEFT_OUT.has(h.name.toLowerCase())) headers[h.name] = h.name in headers ? `${headers[h.name]}, ${h.value}` : h.value
  const type = res.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? ''
  const text = body.toString('utf8')
  const r: Respond = { status: res.status, ...(Object.keys(headers).length > 0 ? { headers } : {}) }
  if (body.length > 0) {
    const json = /json/i.test(type) ? parseJson(text) : undefined
    if (json !== undefined) r.json = json
    else if (isText(text)) r.body = text
    else r.hex = body.toString('hex')
  }
  const { method, path, match } = requestMatch(req)
  return { name: `mock ${method} ${path}`, match, steps: [{ respond: r }] }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Labelled JSON but not: kept as text.
    return undefined
  }
}

/** The request's JSON body when it is an object (read up to MAX_REWRITE_BODY), else undefined. */
async function requestJson(view: CaptureView, decoding: Decoding, connId: number, exchange: number, req: HttpMessage): Promise<Record<string, unknown> | undefined> {
  const type = req.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? ''
  if (!/json/i.test(type) || req.body.framing === 'none') return undefined
  let body: Buffer | undefined
  try {
    body = await bodyOf(view, decoding, connId, exchange, 'request', MAX_REWRITE_BODY)
  } catch {
    return undefined
  }
  const doc = body !== undefined ? parseJson(body.toString('utf8')) : undefined
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined
}

/** A request rewrite filled in with the request's JSON values by path (scalars), else its own headers. */
function rewriteRule(req: HttpMessage, json: Record<string, unknown> | undefined): RuleSpec {
  const { method, path, match } = requestMatch(req)
  const request: Record<string, unknown> = {}
  const values = Object.entries(json ?? {}).filter(([k, v]) => /^[A-Za-z_$][\w$]*$/.test(k) && (v === null || typeof v !== 'object'))
  if (values.length > 0) request.json = Object.fromEntries(values.slice(0, MAX_FILLED).map(([k, v]) => [`$.${k}`, v]))
  else {
    const own = req.headers.filter((h) => !h.name.startsWith(':') && !COMMON_REQUEST.has(h.name.toLowerCase()) && h.name.toLowerCase() !== 'content-type')
    request.headers = own.length > 0 ? Object.fromEntries(own.slice(0, MAX_FILLED).map((h) => [h.name.toLowerCase(), h.value])) : { 'x-rewritten-by': 'tcpscope' }
  }
  return { name: `rewrite ${method} ${path}`, match, steps: [{ rewrite: { request } }] }
}

/** A rule answering a client's raw message (matched by protocol and summary) with the reply recorded for it. */
export async function ruleFromMessage(view: CaptureView, messages: Messages, connId: number, message: number): Promise<RuleSpec> {
  const page = await messages.page(view, { connId, from: message, limit: 1 })
  const m = page.messages[0]
  if (m === undefined) throw new UserError(page.framing === 'none' ? `connection #${connId} is not cut into messages: choose a framing ("decode as") first` : `connection #${connId} has no message ${message + 1} (it has ${page.total})`, 'ENOENT')
  if (m.dir !== 'client') throw new UserError(`message ${message + 1} of connection #${connId} is the server's: choose the client's message whose reply to mock`, 'EINVAL')
  if (m.pair === undefined) throw new UserError(`message ${message + 1} of connection #${connId} has no reply paired with it in the recording (${m.protocol} pairs none, or none came)`, 'ENOENT')
  const reply = (await messages.page(view, { connId, from: m.pair, limit: 1 })).messages[0]
  if (reply === undefined) throw new UserError(`the reply to message ${message + 1} of connection #${connId} is not in the recording`, 'ENOENT')
  if (reply.range.length > MAX_RULE_BODY) throw new UserError(`the reply is over ${MAX_RULE_BODY / 1024 / 1024} MiB: a rule carries at most that`, 'EINVAL')
  const bytes = await view.readBytes(connId, reply.range.dir, reply.range.offset, reply.range.length)
  const text = bytes.toString('utf8')
  const respond: Respond = isText(text) ? { text } : { hex: bytes.toString('hex') }
  return {
    name: `answer ${m.summary} as recorded`,
    match: { message: { dir: 'client', protocol: m.protocol, summary: { exact: m.summary } } },
    steps: [{ respond }]
  }
}
