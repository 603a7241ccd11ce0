// Whether a replay of a connection goes over TLS unless told otherwise: the engine's rule
// (core/replay/replay-tls.ts), and the Replay tab's, which offers its TLS controls (a CA
// file, not verifying) for those connections only.

import type { ConnectionSummary } from './capture-types'

/**
 * Whether the connection's target spoke TLS: its `server` leg was TLS (a proxy's upstream, a
 * client session, an earlier replay), even when the handshake failed; or it is a server
 * session's connection, whose target is that session, which answered in TLS. A proxy that
 * only terminated its clients' TLS reached its target in plain TCP, and TLS passed through
 * untouched is replayed as the bytes it was.
 */
export function targetSpokeTls(conn: Pick<ConnectionSummary, 'kind' | 'tls'>): boolean {
  const t = conn.tls
  if (t === undefined) return false
  if (t.server !== undefined || t.failure?.side === 'server') return true
  return conn.kind === 'server' && (t.client !== undefined || t.failure?.side === 'client')
}
