// The captured HTTP request a replay sends: its head exactly as on the wire (start line,
// header lines in their case, order and duplicates) and where its body lies in the client's
// stream (a chunked body with its framing, as sent). With fixLength, Content-Length is set
// to the body's length and Host to the target; nothing else is touched.

import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import { UserError } from '../../shared/errors'
import type { HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/capture-queries'
import type { Decoding } from '../decode/decoding'
import type { StreamRange } from './replay-plan'

export interface CapturedRequest {
  request: HttpMessage
  /** The recorded response, when the capture has one. */
  response?: HttpMessage
}

/** Exchange `exchange` (from 0) of connection `connId`, with a whole request. */
export async function capturedRequest(view: CaptureView, decoding: Decoding, connId: number, exchange: number): Promise<CapturedRequest> {
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
  if (!request.body.complete) throw new UserError(`the request of exchange ${exchange + 1} of connection #${connId} is incomplete in the capture: it cannot be sent again as it was`)
  return { request, response: ex.response }
}

export interface RequestBytes {
  head: Buffer
  /** The body on the wire in the client's stream (chunk framing included). */
  body: StreamRange
  /** Headers fixLength changed (lower case). */
  fixed: string[]
}

/** The bytes to send: byte-exact, or with Content-Length and Host fitted to the body and target. */
export async function requestBytes(view: CaptureView, connId: number, req: HttpMessage, fix: { target: Endpoint } | undefined): Promise<RequestBytes> {
  const head = await view.readBytes(connId, 'client', req.headRange.offset, req.headRange.length)
  const body = req.body.framing === 'none' ? { offset: req.body.range.offset, length: 0 } : { offset: req.body.range.offset, length: req.body.range.length }
  if (fix === undefined) return { head, body, fixed: [] }
  const fixed = new Set<string>()
  const host = fix.target.kind === 'tcp' ? formatEndpoint(fix.target) : undefined
  const parts: Buffer[] = []
  let at = 0
  for (const h of req.headers) {
    const from = h.range.offset - req.headRange.offset
    const name = h.name.toLowerCase()
    const value = name === 'host' ? host : name === 'content-length' && req.body.framing === 'length' ? String(body.length) : undefined
    if (value === undefined || from < at) continue
    const line = Buffer.from(`${h.name}: ${value}\r\n`, 'latin1')
    const old = head.subarray(from, from + h.range.length)
    if (line.equals(old)) continue
    parts.push(head.subarray(at, from), line)
    at = from + h.range.length
    fixed.add(name)
  }
  parts.push(head.subarray(at))
  return { head: Buffer.concat(parts), body, fixed: [...fixed] }
}
