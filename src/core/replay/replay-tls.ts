// A replay's TLS: a connection whose target spoke TLS is replayed over TLS, as the same
// name (the SNI it recorded) and the same application protocol (the ALPN it settled on),
// verified unless told otherwise. What a connection recorded comes from a capture file, so it
// is checked before it goes into a handshake.

import type { ConnectionSummary } from '../../shared/capture-types'
import type { ReplayTlsOptions } from '../../shared/tls-args'
import { loadTlsConnect, type TlsConnect } from '../net/target/connect-target'
import type { TlsFlagWords } from '../tls/tls-errors'

/** `tcpscope replay`'s flags, as failures name them. */
export const REPLAY_TLS_FLAGS: TlsFlagWords = {
  ca: '--upstream-ca',
  insecure: '--insecure',
  sni: '--sni',
  clientCert: '--client-cert',
  clientKey: '--client-key',
  tls: '--tls',
  plain: 'replay with --no-tls'
}

/** A replay command's TLS options, loaded once for all its connections. */
export interface ReplayTls {
  opts: ReplayTlsOptions
  /** The files named, loaded; undefined with `enabled: false` (nothing is replayed over TLS). */
  loaded: TlsConnect | undefined
}

export async function loadReplayTls(opts: ReplayTlsOptions = {}): Promise<ReplayTls> {
  if (opts.enabled === false) return { opts, loaded: undefined }
  const connect = { verify: opts.verify, ca: opts.ca, sni: opts.sni, cert: opts.cert, key: opts.key }
  return { opts, loaded: await loadTlsConnect(connect, REPLAY_TLS_FLAGS) }
}

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

/**
 * Whether the connection's client spoke TLS to tcpscope (a proxy or server session that
 * terminated it): a recorded server (replay.serve) then answers its clients in TLS too.
 */
export function clientSpokeTls(conn: Pick<ConnectionSummary, 'tls'> | undefined): boolean {
  const t = conn?.tls
  return t !== undefined && (t.client !== undefined || t.failure?.side === 'client')
}

/** A DNS name a handshake can send (RFC 1123 labels; no IP, which SNI may not carry). */
export const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/

const usableName = (name: string | undefined): string | undefined => (name !== undefined && HOST_NAME.test(name) && !/^[0-9.]+$/.test(name) ? name : undefined)

const usableAlpn = (alpn: string | undefined): string[] | undefined => (alpn !== undefined && alpn.length > 0 && Buffer.byteLength(alpn) <= 255 ? [alpn] : undefined)

/** The TLS to replay `conn` with, or undefined for plain TCP. */
export function replayTlsFor(tls: ReplayTls, conn: Pick<ConnectionSummary, 'kind' | 'tls'>): TlsConnect | undefined {
  const { opts, loaded } = tls
  if (loaded === undefined || (opts.enabled !== true && !targetSpokeTls(conn))) return undefined
  const out: TlsConnect = { ...loaded }
  // The server leg's SNI is the name the target was asked for; a server session's client leg's is the one it was asked for.
  const name = opts.sni ?? usableName(conn.tls?.server?.sni ?? conn.tls?.sni)
  if (name !== undefined) out.servername = name
  // The recorded bytes speak that protocol (h2's preface, say): the target must be asked for it.
  const alpn = usableAlpn(conn.tls?.server?.alpn ?? conn.tls?.alpn)
  if (alpn !== undefined) out.alpn = alpn
  return out
}
