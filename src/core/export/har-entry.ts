// A decoded HTTP exchange as a HAR 1.2 entry, all but its bodies (har.ts streams those in):
// the absolute URL, headers in their order and case, the query string, cookies, sizes from
// the byte ranges, and timings from the capture's times.

import type { ConnectionSummary } from '../../shared/capture-types'
import { isH2 } from '../../shared/h2-request'
import type { HttpExchange, HttpHeader, HttpMessage } from '../../shared/protocol-types'
import { firstHeader, nameIs } from '../protocols/http1/head-parser'

export interface HarPair {
  name: string
  value: string
}

export interface HarCookie extends HarPair {
  path?: string
  domain?: string
  expires?: string
  httpOnly?: boolean
  secure?: boolean
}

export interface HarTimings {
  blocked: number
  dns: number
  connect: number
  send: number
  wait: number
  receive: number
  ssl: number
}

/** The first `name` header's value (`name` lower-case), compared with no lower-cased copy: asked of every entry. */
export const header = (msg: HttpMessage | undefined, name: string): string | undefined => (msg ? firstHeader(msg.headers, name) : undefined)

/**
 * Headers in their order and case. HTTP/2's pseudo-headers stay in the list where they were
 * sent (first), `:status` too, as Chrome's HAR lists an h2 request's `:authority`, `:method`,
 * `:path` and `:scheme` (and as Charles lists `:status`): the entry shows what was on the wire.
 */
export const harHeaders = (headers: readonly HttpHeader[]): HarPair[] => headers.map((h) => ({ name: h.name, value: h.value }))

/** `%XX` decoded where it forms UTF-8; anything else left as sent. */
function unescapeQuery(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return s
  }
}

/** The pairs of a query string or a form body (`a=1&b=2`). */
export function queryPairs(query: string): HarPair[] {
  if (query === '') return []
  return query.split('&').map((part) => {
    const eq = part.indexOf('=')
    return eq < 0 ? { name: unescapeQuery(part), value: '' } : { name: unescapeQuery(part.slice(0, eq)), value: unescapeQuery(part.slice(eq + 1)) }
  })
}

/** The request's absolute URL: one rule with `tcpscope show` (shared/request-url.ts). */
export { requestUrl } from '../../shared/request-url'

export function requestQuery(req: HttpMessage): HarPair[] {
  const target = req.target ?? ''
  const q = target.indexOf('?')
  if (q < 0) return []
  const hash = target.indexOf('#', q)
  return queryPairs(target.slice(q + 1, hash < 0 ? undefined : hash))
}

/** Cookies a request sent: every Cookie header's `name=value` pairs. */
export function requestCookies(req: HttpMessage): HarCookie[] {
  const out: HarCookie[] = []
  for (const h of req.headers) {
    if (!nameIs(h.name, 'cookie')) continue
    for (const part of h.value.split(';')) {
      const eq = part.indexOf('=')
      if (part.trim() === '') continue
      out.push(eq < 0 ? { name: part.trim(), value: '' } : { name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() })
    }
  }
  return out
}

/** Cookies a response set: one per Set-Cookie header, with its attributes. */
export function responseCookies(res: HttpMessage): HarCookie[] {
  const out: HarCookie[] = []
  for (const h of res.headers) {
    if (!nameIs(h.name, 'set-cookie')) continue
    const [first, ...attributes] = h.value.split(';')
    const eq = first.indexOf('=')
    const cookie: HarCookie = eq < 0 ? { name: first.trim(), value: '' } : { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim() }
    for (const a of attributes) {
      const at = a.indexOf('=')
      const key = (at < 0 ? a : a.slice(0, at)).trim().toLowerCase()
      const value = at < 0 ? '' : a.slice(at + 1).trim()
      if (key === 'path') cookie.path = value
      else if (key === 'domain') cookie.domain = value
      else if (key === 'expires') {
        const t = Date.parse(value)
        cookie.expires = Number.isNaN(t) ? value : new Date(t).toISOString()
      } else if (key === 'httponly') cookie.httpOnly = true
      else if (key === 'secure') cookie.secure = true
    }
    out.push(cookie)
  }
  return out
}

/** HAR's httpVersion: `HTTP/1.1` as sent; HTTP/2 as browsers write it, `HTTP/2.0`. */
export const harVersion = (msg: HttpMessage): string => (isH2(msg) ? 'HTTP/2.0' : msg.version || 'HTTP/1.1')

/** The head's size: HTTP/2 has no HTTP/1 head (its header block is HPACK-compressed frames), so -1, HAR's "not known". */
export const headersSize = (msg: HttpMessage): number => (isH2(msg) ? -1 : msg.headRange.length)

export const contentType = (msg: HttpMessage | undefined): string | undefined => header(msg, 'content-type')

/**
 * The body's size on the wire (chunk framing included); 0 for none. HTTP/2's DATA frames
 * interleave with other streams' frames, so its body is the DATA payloads' sum.
 */
export const wireBodySize = (msg: HttpMessage): number => (msg.body.framing === 'none' ? 0 : msg.body.framing === 'h2' ? msg.body.size : msg.body.range.length)

const span = (from: number | undefined, to: number | undefined): number => (from === undefined || to === undefined || !(to >= from) ? 0 : to - from)

/**
 * From the times of the chunks holding each message's first and last byte: send is the
 * request going out, wait until the response began, receive the response arriving. What a
 * proxy cannot know (blocking, DNS, the client's connect, TLS) is -1.
 */
export function harTimings(ex: HttpExchange): HarTimings {
  const req = ex.request
  const res = ex.response
  const reqEnd = req?.endedAt ?? req?.startedAt
  return {
    blocked: -1,
    dns: -1,
    connect: -1,
    send: span(req?.startedAt, reqEnd),
    wait: res === undefined ? 0 : span(reqEnd, res.startedAt),
    receive: res === undefined ? 0 : span(res.startedAt, res.endedAt ?? res.startedAt),
    ssl: -1
  }
}

export const totalTime = (t: HarTimings): number => [t.blocked, t.dns, t.connect, t.send, t.wait, t.receive].reduce((sum, v) => sum + Math.max(0, v), 0)

/** The server's IP address, where the connection went to one (HAR wants an address, not a name). */
export function serverAddress(conn: ConnectionSummary): string | undefined {
  const remote = conn.upstream?.remote
  return remote !== undefined && 'address' in remote ? remote.address : undefined
}
