// A connection's TLS in the words the list and the TLS view use: which lock it gets (closed:
// decrypted; open: passed through; broken: a handshake failed), the name it was for, and an
// alert explained. Plain functions of the summary, so the list's cells stay cheap.

import type { ConnectionSummary } from '../../../../shared/capture-types'
import type { TlsSummary } from '../../../../shared/tls-types'

export type LockKind = 'closed' | 'open' | 'broken'

/** The hello the decoders read from a connection's first bytes (a plain proxy passes TLS through). */
const helloOf = (conn: ConnectionSummary) => conn.protocol?.hello

/** The name a TLS connection was for: the client's SNI, else the one sent upstream, else the hello's. */
export function sniOf(conn: ConnectionSummary): string | undefined {
  const tls = conn.tls
  return tls?.sni ?? tls?.client?.sni ?? tls?.server?.sni ?? tls?.passthrough?.sni ?? helloOf(conn)?.sni
}

/** The lock a connection's row shows; undefined: no TLS seen. */
export function lockOf(tls: TlsSummary | undefined, helloSeen = false): LockKind | undefined {
  if (tls?.failure) return 'broken'
  if (tls?.client || tls?.server) return 'closed'
  if (tls?.passthrough || helloSeen) return 'open'
  return undefined
}

export const lockOfConn = (conn: ConnectionSummary): LockKind | undefined => lockOf(conn.tls, helloOf(conn) !== undefined)

/** Alerts whose meaning the messages explain (tls.alert.<name>); others are named only. */
export const EXPLAINED_ALERTS = [
  'unknown_ca',
  'bad_certificate',
  'certificate_unknown',
  'certificate_expired',
  'certificate_revoked',
  'unsupported_certificate',
  'certificate_required',
  'handshake_failure',
  'protocol_version',
  'insufficient_security',
  'no_application_protocol',
  'unrecognized_name',
  'decrypt_error',
  'access_denied',
  'illegal_parameter',
  'internal_error',
  'close_notify'
] as const

/** The message key that explains `alert`, or undefined when the messages have no words for it. */
export function alertKey(alert: string | undefined): string | undefined {
  return alert && (EXPLAINED_ALERTS as readonly string[]).includes(alert) ? `tls.alert.${alert}` : undefined
}

/** ALPN ids as people say them. */
export function alpnName(alpn: string): string {
  if (alpn === 'h2') return 'HTTP/2'
  if (alpn === 'http/1.1') return 'HTTP/1.1'
  if (alpn === 'http/1.0') return 'HTTP/1.0'
  return alpn
}

/** The SNI worth showing beside a connection's target: none when it only repeats the target's host. */
export function sniBesideTarget(conn: ConnectionSummary): string | undefined {
  const sni = sniOf(conn)
  if (!sni) return undefined
  const host = conn.target.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
  return host.toLowerCase() === sni.toLowerCase() ? undefined : sni
}
