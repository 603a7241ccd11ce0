// TLS of ad-hoc sessions, made ready before a client connects or a server listens: the files
// named read (never synchronously) and checked, the CA opened once, so a mistake is one line
// at start and not a failure per connection. And a server session's client leg: each
// accepted client's hello read, answered with the certificate for the name it asked for,
// and recorded (tls-accept.ts, shared with the proxy), before the session talks to it.

import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Endpoint } from '../../shared/endpoint'
import type { TlsConnectOptions, TlsListenOptions } from '../../shared/tls-args'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { UserError, errorInfo } from '../net/net-errors'
import { isResetError } from '../net/sockets'
import { loadTlsConnect, type TlsConnect } from '../net/target/connect-target'
import type { CaSource } from '../tls/ca-commands'
import { certificateSource, type CertificateSource } from '../tls/certificate-source'
import { acceptTls, DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS, readHello, TlsAcceptError } from '../tls/tls-accept'
import { noCertificate, SESSION_TLS_FLAGS } from '../tls/tls-errors'

/** `tcpscope serve`'s names for a certificate given instead of the CA's leaves. */
export const SERVE_TLS_FLAGS = { cert: '--cert', key: '--key' }

/** A client session's TLS, loaded (its failures name `tcpscope connect`'s flags). */
export function loadClientTls(opts: TlsConnectOptions): Promise<TlsConnect> {
  return loadTlsConnect(opts, SESSION_TLS_FLAGS)
}

/** How a server session answers its clients' TLS. */
export interface ServerTls extends CertificateSource {
  /** The leaf's name for a client that sent no SNI. */
  defaultName: string
  alpn?: string[]
  timeoutMs: number
}

/** Addresses that name every interface: no client reaches them by that name, so the leaf is for `localhost`. */
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', ''])

/**
 * A server session's TLS: the cert/key given, or leaves from tcpscope's CA for the client's
 * SNI, else `name`, else the listen host (`localhost` for a wildcard address or a socket path).
 */
export async function loadServerTls(opts: TlsListenOptions, listen: Endpoint, ca: CaSource | undefined): Promise<ServerTls> {
  if (opts.cert !== undefined && opts.name !== undefined) {
    throw new UserError(`--tls-name names the leaf tcpscope's CA makes; with ${SERVE_TLS_FLAGS.cert} the certificate given is used whatever the name: drop one`, 'EUSAGE')
  }
  const { contextFor, leafFromCa } = await certificateSource(opts, SERVE_TLS_FLAGS, ca)
  const host = listen.kind === 'tcp' && !WILDCARDS.has(listen.host) ? listen.host : 'localhost'
  const out: ServerTls = { contextFor, leafFromCa, defaultName: opts.name ?? host, timeoutMs: DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS }
  if (opts.alpn !== undefined && opts.alpn.length > 0) out.alpn = opts.alpn
  return out
}

/** How serving one client's TLS ended: its secure socket, or why there is none. */
export type Secured = { socket: TLSSocket } | { failure: string }

/**
 * Answers one accepted client's TLS: resolves with the secure socket (the client leg's `tls`
 * record written), or why it could not be served: then the failure (or the client's FIN or
 * reset) is recorded, the socket closed, and `rec` closed with it. Never rejects.
 */
export async function secureClient(socket: Socket, rec: RecordedConnection | undefined, tls: ServerTls): Promise<Secured> {
  let end: 'error' | 'closed' | 'client-reset' | 'stopped' = 'error'
  const onClose = (): void => rec?.close(end)
  socket.once('close', onClose)
  // Closed here (its session stopped) before a hello came: readHello hears only the client's FIN or error.
  const destroyed = new Promise<'destroyed'>((resolve) => socket.once('close', () => resolve('destroyed')))
  end = 'stopped'
  const first = await Promise.race([readHello(socket, { timeoutMs: tls.timeoutMs }), destroyed])
  end = 'error'
  if (first === 'destroyed') return { failure: 'closed before its TLS hello' }
  if (first.state !== 'hello') {
    if (first.state === 'closed') {
      const reset = first.error !== undefined && isResetError(first.error)
      if (first.error === undefined) rec?.event('fin', 'client')
      else rec?.event(reset ? 'reset' : 'error', 'client', errorInfo(first.error))
      end = first.error === undefined ? 'closed' : reset ? 'client-reset' : 'error'
      socket.destroy()
      return { failure: `the client ${reset ? 'reset' : 'closed'} the connection before its TLS hello` }
    }
    const failure =
      first.state === 'not-tls' || first.state === 'silent'
        ? { side: 'client' as const, code: 'ENOTTLS', message: 'the client did not speak TLS (its first bytes are no TLS hello): connect with TLS, or serve without --tls' }
        : first.failure
    rec?.event('tls', 'client', { ok: false, ...failure })
    // A clean close: nothing the client did was a TCP error.
    socket.destroySoon()
    socket.resume()
    return { failure: failure.message }
  }
  const name = first.hello.sni ?? tls.defaultName
  try {
    const context = await tls.contextFor(name)
    // Gone meanwhile: its close is recorded already.
    if (socket.destroyed) return { failure: 'closed during its TLS handshake' }
    const secure = await acceptTls(socket, { head: first.bytes, context, alpn: tls.alpn, leafFromCa: tls.leafFromCa, record: rec, timeoutMs: tls.timeoutMs })
    socket.off('close', onClose)
    return { socket: secure }
  } catch (err) {
    if (err instanceof TlsAcceptError) return { failure: err.message }
    // No certificate for the name (the CA could not issue it): recorded, and a clean close.
    const failure = noCertificate(name, err)
    rec?.event('tls', 'client', { ok: false, ...failure })
    socket.destroySoon()
    socket.resume()
    return { failure: failure.message }
  }
}
