// How a message's body is delimited (RFC 9112 section 6.3), decided from its head and, for
// a response, the request it answers.

import type { HttpHeader } from '../../../shared/protocol-types'
import { headerTokens, headerValues, nameIs } from './head-parser'

/** The headers framing reads. */
export const FRAMING_HEADERS = ['content-length', 'transfer-encoding']

export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' } | { problem: string }

/** Content-Length as one number; duplicates (or a list) of one value are allowed, differing ones are not (RFC 9112 6.3 item 5). */
function contentLength(headers: readonly HttpHeader[]): number | undefined | { problem: string } {
  // One header of digits, nearly always: no list made for it.
  let first: string | undefined
  let more = false
  for (const h of headers) {
    if (!nameIs(h.name, 'content-length')) continue
    if (first === undefined) first = h.value
    else more = true
  }
  if (first === undefined) return undefined
  if (!more && /^\d{1,15}$/.test(first)) return Number(first)
  const values = headerValues(headers, 'content-length')
  const all = new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim()))
  const [only] = all
  if (all.size !== 1 || !/^\d+$/.test(only)) return { problem: `bad Content-Length "${values.join(', ').slice(0, 60)}"` }
  const n = Number(only)
  if (!Number.isSafeInteger(n)) return { problem: `Content-Length ${only.slice(0, 30)} is too large` }
  return n
}

export function requestFraming(headers: readonly HttpHeader[]): Framing {
  const codings = headerTokens(headers, 'transfer-encoding')
  if (codings.length > 0) {
    // A request has no close to end its body: without chunked last it cannot be framed (6.3 item 4).
    if (codings[codings.length - 1] !== 'chunked') return { problem: `a request's Transfer-Encoding "${codings.join(', ')}" does not end in chunked` }
    return { kind: 'chunked' }
  }
  const length = contentLength(headers)
  if (typeof length === 'object') return length
  return length === undefined ? { kind: 'none' } : { kind: 'length', length }
}

export function responseFraming(status: number, headers: readonly HttpHeader[], requestMethod: string | undefined): Framing {
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { kind: 'none' }
  if (requestMethod === 'CONNECT' && status >= 200 && status < 300) return { kind: 'none' }
  const codings = headerTokens(headers, 'transfer-encoding')
  if (codings.length > 0) return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' }
  const length = contentLength(headers)
  if (typeof length === 'object') return length
  return length === undefined ? { kind: 'close' } : { kind: 'length', length }
}
