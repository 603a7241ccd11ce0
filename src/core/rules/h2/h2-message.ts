// An HTTP/2 message as a traffic rule reads and changes it: its decoded header fields and
// whole body read as the HTTP/1 message http-edit.ts edits (so a rewrite is the one rewrite,
// body codings and all), and the fields written back: the pseudo-headers kept, names in
// lower case, HTTP/1's connection-specific headers left out (RFC 9113 section 8.2.2). And the
// answers a respond step makes on a stream: a response's fields and body, or gRPC's
// trailers-only answer.

import type { EditableRequest, EditableResponse, RequestHeader } from '../../../shared/http-request-edit'
import type { Respond } from '../../../shared/rules/rule-types'
import type { MessageHead } from '../../breakpoint/break-match'
import type { ScriptResponse } from '../script/script-types'
import { F_ACK, T_GOAWAY, T_SETTINGS } from '../../protocols/http2/frame-reader'
import { frame } from '../../breakpoint/h2/h2-frames'
import { respondBody } from '../http-respond'
import { cannotForward } from '../http-answers'

export interface Field {
  name: string
  value: string
}

/** Headers HTTP/2 does not carry (`te` only as `trailers`). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

export const fieldValue = (fields: readonly Field[], name: string): string | undefined => fields.find((f) => f.name === name)?.value

/** Whether a message is a gRPC call's (its content type says so). */
export const isGrpc = (fields: readonly Field[]): boolean => /^application\/grpc/i.test(fieldValue(fields, 'content-type') ?? '')

/** A request's head from its fields, or undefined for a block that is no request (trailers). */
export function requestHead(fields: readonly Field[]): MessageHead | undefined {
  const method = fieldValue(fields, ':method')
  if (method === undefined) return undefined
  return { method, target: fieldValue(fields, ':path') ?? '/', host: fieldValue(fields, ':authority') ?? fieldValue(fields, 'host') ?? '' }
}

/** A response's status, or undefined when the block has none (trailers). */
export function responseStatus(fields: readonly Field[]): number | undefined {
  const status = Number(fieldValue(fields, ':status'))
  return Number.isInteger(status) ? status : undefined
}

export const regularFields = (fields: readonly Field[]): RequestHeader[] => fields.filter((f) => !f.name.startsWith(':')).map((f) => ({ name: f.name, value: f.value }))

export function asRequest(fields: readonly Field[], body: Uint8Array): EditableRequest {
  const head = requestHead(fields)
  return { method: head?.method ?? 'GET', target: head?.target ?? '/', version: 'HTTP/2', headers: regularFields(fields), eol: '\r\n', body }
}

export function asResponse(fields: readonly Field[], body: Uint8Array): EditableResponse {
  return { version: 'HTTP/2', status: fieldValue(fields, ':status') ?? '200', reason: '', headers: regularFields(fields), eol: '\r\n', body }
}

/** The fields of `m` (an edited `original`) for HTTP/2: its pseudo-headers first, in the original's order, then its headers. */
export function fieldsOf(original: readonly Field[], m: EditableRequest | EditableResponse): Field[] {
  const pseudo = original
    .filter((f) => f.name.startsWith(':'))
    .map((f) => {
      if ('method' in m && f.name === ':method') return { name: f.name, value: m.method }
      if ('method' in m && f.name === ':path') return { name: f.name, value: m.target }
      if ('status' in m && f.name === ':status') return { name: f.name, value: m.status }
      return { name: f.name, value: f.value }
    })
  return [...pseudo, ...h2Headers(m.headers)]
}

/** Headers as HTTP/2 fields: names in lower case, the connection-specific left out. */
export function h2Headers(headers: readonly { name: string; value: string }[]): Field[] {
  const out: Field[] = []
  for (const h of headers) {
    const name = h.name.toLowerCase()
    if (CONNECTION_SPECIFIC.has(name) || name.startsWith(':') || (name === 'te' && h.value.trim().toLowerCase() !== 'trailers')) continue
    out.push({ name, value: h.value })
  }
  return out
}

/** What a respond step (or a forward's destination) answers a stream with; `status` for the record. */
export interface Answer {
  fields: Field[]
  body: Buffer
  status: string
  /** A forward's: sent after the body (gRPC's grpc-status and grpc-message). */
  trailers?: Field[]
}

/**
 * The answer of a respond step to a request of `method`. gRPC's is trailers-only (one HEADERS
 * with END_STREAM: `:status` 200, its content type, grpc-status and grpc-message), which is
 * how a server fails a call before any message.
 */
export async function answerFor(r: Respond, method: string, baseDir: string | undefined): Promise<Answer> {
  const extra = h2Headers(Object.entries(r.headers ?? {}).map(([name, value]) => ({ name, value })))
  if (r.grpc !== undefined) return grpcAnswer(r.grpc.status, r.grpc.message, extra)
  const status = r.status ?? 200
  const { body, type } = await respondBody(r, baseDir)
  const fields: Field[] = [{ name: ':status', value: String(status) }, ...extra.filter((f) => f.name !== 'content-length')]
  if (type !== undefined && !fields.some((f) => f.name === 'content-type')) fields.push({ name: 'content-type', value: type })
  const noBody = method === 'HEAD' || status === 204 || status === 304 || status < 200
  if (status !== 204 && status !== 304 && status >= 200) fields.push({ name: 'content-length', value: String(body.length) })
  return { fields, body: noBody ? Buffer.alloc(0) : body, status: String(status) }
}

/** gRPC's trailers-only answer: `:status` 200, its content type, `extra` headers, grpc-status and (percent-encoded) grpc-message. */
export function grpcAnswer(status: number, message: string | undefined, extra: readonly Field[] = []): Answer {
  const own = new Set(['content-type', 'content-length', 'grpc-status', 'grpc-message'])
  const fields: Field[] = [{ name: ':status', value: '200' }, { name: 'content-type', value: 'application/grpc' }, ...extra.filter((f) => !own.has(f.name)), { name: 'grpc-status', value: String(status) }]
  if (message !== undefined && message !== '') fields.push({ name: 'grpc-message', value: grpcMessageText(message) })
  return { fields, body: Buffer.alloc(0), status: `grpc-status ${status}` }
}

/**
 * What a request gets when it cannot reach anyone (a forward failed, the target is down): 502
 * saying why, or for a gRPC call trailers-only UNAVAILABLE (14) with why as its message.
 */
export function cannotReach(grpc: boolean, why: string, method: string): Answer {
  if (grpc) return grpcAnswer(14, `tcpscope could not forward the call: ${why}`)
  return plainAnswer(502, [{ name: 'content-type', value: 'text/plain' }], cannotForward(why), method)
}

/** An answer the script made (`ctx.respond`, or a response returned) to a request of `method`: its headers as HTTP/2 fields, content-length fitted. */
export function scriptAnswerOf(r: ScriptResponse, method: string): Answer {
  return plainAnswer(r.status, h2Headers(r.headers.map(([name, value]) => ({ name, value }))), Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength), method)
}

/** A response of `status` with `headers` and `body` (none for HEAD, 204, 304), content-length fitted. */
export function plainAnswer(status: number, headers: readonly Field[], body: Buffer, method = 'GET'): Answer {
  const fields: Field[] = [{ name: ':status', value: String(status) }, ...headers.filter((f) => f.name !== 'content-length')]
  const noBody = method === 'HEAD' || status === 204 || status === 304
  if (status !== 204 && status !== 304) fields.push({ name: 'content-length', value: String(body.length) })
  return { fields, body: noBody ? Buffer.alloc(0) : body, status: String(status) }
}

/** gRPC's grpc-message: UTF-8, percent-encoded outside printable ASCII and for `%` itself (gRPC's PROTOCOL-HTTP2.md). */
export function grpcMessageText(message: string): string {
  let out = ''
  for (const byte of Buffer.from(message, 'utf8')) out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

/** RFC 9113 section 7: the codes the stage's own frames carry. */
export const NO_ERROR = 0x0
export const INTERNAL_ERROR = 0x2
export const REFUSED_STREAM = 0x7

/** A GOAWAY: streams up to `lastStream` may have been processed, none after. */
export function goaway(lastStream: number, code: number): Buffer {
  const p = Buffer.alloc(8)
  p.writeUInt32BE(lastStream & 0x7fffffff, 0)
  p.writeUInt32BE(code >>> 0, 4)
  return frame(T_GOAWAY, 0, 0, p)
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
