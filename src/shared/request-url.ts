// A request's absolute URL, one rule for HAR export and `tcpscope show`: HTTP/1's from its
// target, Host header and whether the connection's TLS was terminated (http-scheme.ts);
// HTTP/2's from its `:scheme`, `:authority` and `:path` pseudo-headers.

import type { ConnectionSummary } from './capture-types'
import { httpScheme } from './http-scheme'
import type { HttpMessage } from './protocol-types'

const header = (msg: HttpMessage, name: string): string | undefined => msg.headers.find((h) => h.name.toLowerCase() === name)?.value

/**
 * An absolute-form target as it is, else `https://` when the connection's TLS was
 * terminated and `http://` otherwise, with the Host header (HTTP/2: `:authority`, then
 * Host; either way else the connection's target) and the target (HTTP/2: `:path`); an
 * HTTP/2 request's `:scheme` names its scheme. CONNECT's authority-form names the host alone.
 */
export function requestUrl(req: HttpMessage, conn: Pick<ConnectionSummary, 'target' | 'tls'>): string {
  const h2 = req.version === 'HTTP/2'
  const target = (h2 ? header(req, ':path') : undefined) ?? req.target ?? '/'
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return target
  const host = (h2 ? header(req, ':authority') : undefined) ?? header(req, 'host') ?? conn.target
  const scheme = (h2 ? header(req, ':scheme') : undefined) ?? httpScheme(conn.tls)
  if (req.method?.toUpperCase() === 'CONNECT') return `${scheme}://${h2 ? host : target}`
  if (target === '*') return `${scheme}://${host}`
  return `${scheme}://${host}${target.startsWith('/') ? '' : '/'}${target}`
}
