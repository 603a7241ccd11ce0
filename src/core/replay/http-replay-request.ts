// The captured HTTP request a replay sends: its head exactly as on the wire (start line,
// header lines in their case, order and duplicates) and where its body lies in the client's
// stream (a chunked body with its framing, as sent). With fixLength, Content-Length is set
// to the body's length and Host to the target; nothing else is touched. An edited request
// is the user's bytes, fitted the same way when asked. A request that came to the forward
// proxy as absolute-form HTTP is sent as the origin got it (as-origin-got.ts): origin-form,
// without the proxy's credentials.

import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import type { HttpHeader, HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { CR, latin1 } from '../protocols/http1/bytes'
import { findBlankLine } from '../protocols/http1/head-boundary'
import { headerTokens, parseHead } from '../protocols/http1/head-parser'
import { absoluteFormOrigin, asOriginGets } from '../proxy/forward/as-origin-got'
import type { Destination } from '../proxy/forward/http-proxy-request'
import type { StreamRange } from './replay-plan'

export interface CapturedRequest {
  request: HttpMessage
  /** The recorded response, when the capture has one. */
  response?: HttpMessage
  /** The origin, when the request came to the forward proxy as absolute-form HTTP: it is sent as the origin got it. */
  origin?: Destination
}

/**
 * Exchange `exchange` (from 0) of connection `connId`, with a whole request unless it is to
 * be replaced by an edited one (`edited`: then only its recorded response is used).
 */
export async function capturedRequest(view: CaptureView, decoding: Decoding, connId: number, exchange: number, edited = false): Promise<CapturedRequest> {
  const conn = await view.connection(connId)
  if (conn === undefined) throw new UserError(`no connection #${connId} in this capture`, 'ENOENT')
  const page = await decoding.exchanges(view, connId, exchange, 1)
  const ex = page.exchanges[0]
  if (ex === undefined && page.total === 0) {
    throw new UserError(`connection #${connId} carries no HTTP request (it reads as ${page.protocol === 'unknown' ? 'nothing yet' : page.protocol}); HTTP replay is for HTTP connections`)
  }
  if (ex === undefined) throw new UserError(`connection #${connId} has no HTTP exchange ${exchange + 1} (it has ${page.total})`)
  const request = ex.request
  if (request === undefined || request.method === undefined) throw new UserError(`exchange ${exchange + 1} of connection #${connId} has no request`)
  if (!request.body.complete && !edited) throw new UserError(`the request of exchange ${exchange + 1} of connection #${connId} is incomplete in the capture: it cannot be sent again as it was`)
  const origin = absoluteFormOrigin(conn)
  return { request, response: ex.response, ...(origin !== undefined ? { origin } : {}) }
}

export interface RequestBytes {
  /** The head (start line to blank line); for an edited request, all of its bytes. */
  head: Buffer
  /** The captured body on the wire in the client's stream (chunk framing included); none for an edited request. */
  body?: StreamRange
  /** Headers fixLength changed (lower case). */
  fixed: string[]
}

type Fit = { target: Endpoint } | undefined

/**
 * The bytes to send: byte-exact (as the origin got them, for a forward proxy's absolute-form
 * request), or with Content-Length and Host fitted to the body and target.
 */
export async function requestBytes(view: CaptureView, connId: number, req: HttpMessage, fix: Fit, origin?: Destination): Promise<RequestBytes> {
  const recorded = await view.readBytes(connId, 'client', req.headRange.offset, req.headRange.length)
  const body = req.body.framing === 'none' ? { offset: req.body.range.offset, length: 0 } : { offset: req.body.range.offset, length: req.body.range.length }
  if (origin !== undefined) {
    const head = asOriginGets(recorded, origin, `this request (${req.target ?? ''})`)
    if (fix === undefined) return { head, body, fixed: [] }
    const parsed = parseHead(latin1(head, 0, head.length), 0, 'client', 'request')
    if (typeof parsed === 'string') throw new UserError(`the request as the origin got it is not HTTP (${parsed})`)
    return { ...fitHead(head, parsed.headers, req.body.framing === 'chunked', body.length, fix.target), body }
  }
  const head = recorded
  if (fix === undefined) return { head, body, fixed: [] }
  const headers = req.headers.map((h) => ({ ...h, range: { ...h.range, offset: h.range.offset - req.headRange.offset } }))
  return { ...fitHead(head, headers, req.body.framing === 'chunked', body.length, fix.target), body }
}

/**
 * An edited request (the user's bytes): sent as it is, or with Content-Length set to the
 * bytes after its head's blank line (unless it is chunked) and Host to the target.
 */
export function editedRequestBytes(edited: Buffer, fix: Fit, origin?: Destination): RequestBytes {
  // The editor opens on the captured request: one that came to the forward proxy goes as the origin would get it.
  const bytes = origin === undefined ? edited : asOriginGets(edited, origin, 'the edited request')
  if (fix === undefined) return { head: bytes, fixed: [] }
  const end = findBlankLine(bytes, 0, true)
  if (end < 0) throw new UserError('the edited request has no blank line ending its head, so Content-Length and Host cannot be fitted: end the head with an empty line, or send it without fixing lengths')
  const parsed = parseHead(latin1(bytes, 0, end), 0, 'client', 'request')
  if (typeof parsed === 'string') throw new UserError(`the edited request does not start with a request line, so Content-Length and Host cannot be fitted (${parsed})`)
  const chunked = headerTokens(parsed.headers, 'transfer-encoding').length > 0
  const fitted = fitHead(bytes.subarray(0, end), parsed.headers, chunked, bytes.length - end, fix.target)
  return { head: Buffer.concat([fitted.head, bytes.subarray(end)]), fixed: fitted.fixed }
}

/**
 * `head` with its Host set to the target and its Content-Length to `bodyLength` (unless the
 * body is chunked; added before the blank line when a body has none); header ranges are
 * offsets in `head`. Every other byte is kept.
 */
function fitHead(head: Buffer, headers: readonly HttpHeader[], chunked: boolean, bodyLength: number, target: Endpoint): { head: Buffer; fixed: string[] } {
  const fixed = new Set<string>()
  const host = target.kind === 'tcp' ? formatEndpoint(target) : undefined
  const parts: Buffer[] = []
  let at = 0
  let hasLength = false
  for (const h of headers) {
    const from = h.range.offset
    const name = h.name.toLowerCase()
    if (name === 'content-length') hasLength = true
    const value = name === 'host' ? host : name === 'content-length' && !chunked ? String(bodyLength) : undefined
    if (value === undefined || from < at) continue
    const line = Buffer.from(`${h.name}: ${value}\r\n`, 'latin1')
    const old = head.subarray(from, from + h.range.length)
    if (line.equals(old)) continue
    parts.push(head.subarray(at, from), line)
    at = from + h.range.length
    fixed.add(name)
  }
  if (!hasLength && !chunked && bodyLength > 0) {
    // A body with nothing to frame it would reach the server as the start of a next request.
    const blank = head[head.length - 2] === CR ? head.length - 2 : head.length - 1
    parts.push(head.subarray(at, blank), Buffer.from(`Content-Length: ${bodyLength}\r\n`, 'latin1'))
    at = blank
    fixed.add('content-length')
  }
  parts.push(head.subarray(at))
  return { head: Buffer.concat(parts), fixed: [...fixed] }
}
