// The canned HTTP response of a server session: built once (Content-Length computed in
// bytes), sent once per complete request, closing when the request asks for it.

import { nodeHttp } from '../lazy-builtins'
import type { HttpResponseSpec } from '../../shared/session-types'
import { buildPayload } from '../payload/build-payload'
import { UserError } from '../net/net-errors'

export interface CannedResponse {
  /** The whole response for a request that keeps the connection open / closes it. */
  keepAlive: Buffer
  close: Buffer
  /** Head only, for HEAD requests (same headers, no body). */
  headOnly: { keepAlive: Buffer; close: Buffer }
}

export function responseFor(r: CannedResponse, method: string, keepAlive: boolean): Buffer {
  const set = method === 'HEAD' ? r.headOnly : r
  return keepAlive ? set.keepAlive : set.close
}

export async function buildCannedResponse(spec: HttpResponseSpec): Promise<CannedResponse> {
  const body = spec.body ? await buildPayload(spec.body) : Buffer.alloc(0)
  const headers: string[] = []
  for (const h of spec.headers ?? []) {
    const colon = h.indexOf(':')
    if (colon <= 0 || /[\r\n]/.test(h)) throw new UserError(`bad HTTP header "${h}": write it as "Name: value"`)
    const name = h.slice(0, colon).trim().toLowerCase()
    // Framing is ours: a stale length or a connection header would contradict it.
    if (name === 'content-length' || name === 'connection' || name === 'transfer-encoding') continue
    headers.push(`${h.slice(0, colon).trim()}: ${h.slice(colon + 1).trim()}`)
  }
  const reason = nodeHttp().STATUS_CODES[spec.status] ?? 'Unknown'
  const head = (connection: string): Buffer =>
    Buffer.from(
      [`HTTP/1.1 ${spec.status} ${reason}`, ...headers, `Content-Length: ${body.length}`, `Connection: ${connection}`, '', ''].join('\r\n'),
      'latin1'
    )
  return {
    keepAlive: Buffer.concat([head('keep-alive'), body]),
    close: Buffer.concat([head('close'), body]),
    headOnly: { keepAlive: head('keep-alive'), close: head('close') }
  }
}

export const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 'latin1')
