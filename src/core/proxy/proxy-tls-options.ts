// A target proxy's TLS options made ready before it listens: the files it names read (never
// synchronously) and checked, the CA opened once, so a mistake is one line at start and
// not a failure per connection.

import type { Endpoint } from '../../shared/endpoint'
import type { TlsConnectOptions, TlsListenOptions } from '../../shared/tls-args'
import { loadTlsConnect, type TlsConnect } from '../net/target/connect-target'
import { TlsLeg } from '../net/target/tls-connect'
import type { CaSource } from '../tls/ca-commands'
import { certificateSource } from '../tls/certificate-source'
import { DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS } from '../tls/tls-accept'
import { PROXY_TLS_FLAGS } from '../tls/tls-errors'
import type { TlsListenSettings } from './tls-listen'

/**
 * How long a client that sent nothing yet is waited for before the target is asked whether
 * it speaks first (SMTP, IMAP, POP3, MySQL: TLS after STARTTLS). A TLS client sends its hello
 * at once; one slower than this still works (its hello is read once it comes), only its
 * target was dialed in the clear first.
 */
const SERVER_FIRST_WAIT_MS = 300
/** The well-known ports of protocols whose server speaks first (SMTP, submission, IMAP, POP3, MySQL): no wait. */
const SERVER_FIRST_PORTS = new Set([25, 587, 143, 110, 3306])

/**
 * Without `--tls-upstream`, the target's leg after a STARTTLS is still TLS (tcpscope never
 * downgrades one side), verified by default: its failures name the flags with the one they
 * need, since `--insecure` and `--upstream-ca` go with `--tls-upstream`.
 */
const STARTTLS_DEFAULT_FLAGS = { ...PROXY_TLS_FLAGS, ca: '--tls-upstream --upstream-ca', insecure: '--tls-upstream --insecure', sni: '--tls-upstream --sni' }

/** `tcpscope proxy`'s names for a certificate given instead of the CA's leaves. */
export const PROXY_LISTEN_FLAGS = { cert: '--tls-cert', key: '--tls-key' }

export async function proxyTlsOptions(
  target: Endpoint,
  tlsListen: TlsListenOptions | undefined,
  tlsUpstream: TlsConnectOptions | undefined,
  ca: CaSource | undefined
): Promise<{ tls?: TlsConnect; tlsListen?: TlsListenSettings }> {
  const out: { tls?: TlsConnect; tlsListen?: TlsListenSettings } = {}
  if (tlsUpstream !== undefined) out.tls = await loadTlsConnect(tlsUpstream, PROXY_TLS_FLAGS)
  if (tlsListen === undefined) return out
  const { contextFor, leafFromCa } = await certificateSource(tlsListen, PROXY_LISTEN_FLAGS, ca)
  const settings: TlsListenSettings = {
    contextFor,
    leafFromCa,
    defaultName: tlsListen.name ?? (target.kind === 'tcp' ? target.host : 'localhost'),
    timeoutMs: DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS,
    serverFirstWaitMs: target.kind === 'tcp' && SERVER_FIRST_PORTS.has(target.port) ? 0 : SERVER_FIRST_WAIT_MS,
    starttlsLeg: new TlsLeg(out.tls ?? (await loadTlsConnect({}, STARTTLS_DEFAULT_FLAGS)), target.kind === 'tcp' ? target.host : undefined)
  }
  if (tlsUpstream?.sni !== undefined) settings.sni = tlsUpstream.sni
  if (tlsUpstream?.alpn !== undefined && tlsUpstream.alpn.length > 0) settings.alpn = tlsUpstream.alpn
  out.tlsListen = settings
  return out
}
