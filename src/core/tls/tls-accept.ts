// The client leg's TLS: tcpscope answers a client's handshake as a TLS server. Shared by the
// proxy (`--tls-listen`), the forward proxy's intercepted tunnels and server sessions, so a
// client leg is read, answered, timed out, recorded and worded the same way whoever accepts.
//
// Two steps, because a caller needs what the client asked for before it answers (the proxy
// dials the target with the client's SNI and ALPN, and answers with the ALPN the target
// settled on; the forward proxy decides between intercepting and passing through):
//
//     const first = await readHello(socket, { timeoutMs })          // never rejects
//     if (first.state !== 'hello') ...                               // not TLS, bad, closed, timed out
//     const context = await ca.leafContext(first.hello.sni ?? host)  // or a context from cert/key
//     const tlsSocket = await acceptTls(socket, { head: first.bytes, context, alpn, leafFromCa: true, record: rec })
//
// acceptTls resolves once the handshake is done, with the client leg's `tls` record written
// (version, cipher, SNI, ALPN, resumed); on a failure it records the `tls` failure (worded in
// tls-errors.ts: a client that rejects tcpscope's leaf reads "the client rejected tcpscope's
// certificate (alert unknown_ca): ..."), destroys the socket and rejects with a
// TlsAcceptError carrying that TlsFailure. Read and write the resolved TLSSocket with 'data'
// events and write(): the proxy's readInto fast path is for plain TCP sockets only.
//
// Session resumption toward clients: OpenSSL issues session tickets from the SecureContext,
// so a context reused per name (the CA caches one per leaf) resumes returning clients.

import type { Socket } from 'node:net'
import type { SecureContext, TLSSocket } from 'node:tls'
import { nodeTls } from '../lazy-builtins'
import type { StartTlsProtocol, TlsFailure, TlsHello } from '../../shared/tls-types'
import { UserError } from '../../shared/errors'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { helloOf, HelloBytes, readClientHello } from '../protocols/client-hello'
import { badHello, badKeyPair, clientClosedDuringHandshake, clientFailure, HELLO_CUT_SHORT, helloTimeout } from './tls-errors'
import { legFacts } from './tls-facts'
import { readSmallFile } from '../files/read-small-file'

/** How long a client may take to send its hello, and then to finish its handshake, unless said. */
export const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000

/** What the client's first bytes were. `bytes`: everything read so far (given back to acceptTls, or forwarded as they were). */
export type FirstBytes =
  | { state: 'hello'; hello: TlsHello; bytes: Buffer }
  /** Not TLS: another protocol; the bytes go on as they came. */
  | { state: 'not-tls'; bytes: Buffer }
  /** TLS, but no readable hello: `failure` says why (side client). */
  | { state: 'bad'; failure: TlsFailure; bytes: Buffer }
  /** The client sent nothing in time. */
  | { state: 'timeout'; failure: TlsFailure; bytes: Buffer }
  /** The client ended (FIN) before sending anything, or reset or errored before a whole hello came; `error` when it was not a plain FIN. A FIN after part of a hello is `bad`. */
  | { state: 'closed'; bytes: Buffer; error?: NodeJS.ErrnoException }
  /** The client sent nothing within `silentMs` (the server may speak first: a STARTTLS protocol). */
  | { state: 'silent'; bytes: Buffer }

export interface ReadHelloOptions {
  timeoutMs?: number
  /** Resolve `silent` when nothing came within this long (the caller then asks the server). */
  silentMs?: number
  /** Bytes that are no TLS, but may be the start of something the caller reads too (a STARTTLS request): true to wait for more. */
  waitFor?: (bytes: Buffer) => boolean
}

/**
 * Reads `socket` until its first bytes say whether they are a TLS ClientHello (bounded by
 * client-hello.ts). Leaves the socket paused with no listeners of its own, the bytes read
 * taken out of it (in `bytes`). Never rejects. Must be called before anything reads it.
 */
export function readHello(socket: Socket, opts: ReadHelloOptions = {}): Promise<FirstBytes> {
  const ms = opts.timeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS
  return new Promise((resolve) => {
    const gathered = new HelloBytes<Buffer>(Buffer.concat)
    const finish = (result: FirstBytes): void => {
      clearTimeout(timer)
      clearTimeout(silence)
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('error', onError)
      socket.pause()
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      const r = gathered.push(chunk)
      if (r.state === 'need-more') return
      clearTimeout(silence)
      const bytes = gathered.bytes
      if (r.state === 'hello') finish({ state: 'hello', hello: helloOf(r), bytes })
      else if (r.state === 'not-tls' && opts.waitFor?.(bytes) !== true) finish({ state: 'not-tls', bytes })
      else if (r.state === 'not-tls') return
      else finish({ state: 'bad', failure: badHello(r.reason), bytes })
    }
    // A FIN after part of a hello is a hello that will never be whole: unreadable, not a quiet close.
    const onEnd = (): void => finish(gathered.length > 0 ? { state: 'bad', failure: badHello(HELLO_CUT_SHORT), bytes: gathered.bytes } : { state: 'closed', bytes: gathered.bytes })
    const onError = (error: NodeJS.ErrnoException): void => finish({ state: 'closed', bytes: gathered.bytes, error })
    const timer = setTimeout(() => finish({ state: 'timeout', failure: helloTimeout(ms, gathered.length), bytes: gathered.bytes }), ms)
    // A slow client must not keep the process alive; its socket does that.
    timer.unref()
    const silence = opts.silentMs !== undefined ? setTimeout(() => finish({ state: 'silent', bytes: gathered.bytes }), opts.silentMs) : undefined
    silence?.unref()
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.on('error', onError)
    socket.resume()
  })
}

/** A client leg's handshake failed; recorded already. */
export class TlsAcceptError extends UserError {
  constructor(readonly failure: TlsFailure) {
    super(failure.message, failure.code)
  }
}

export interface AcceptTlsOptions {
  /** Bytes already read off the socket (readHello's `bytes`): handed to TLS before anything else. */
  head?: Buffer
  /** The certificate and key to answer with: the CA's leaf for the name (CertificateAuthority.leafContext), or one made from a cert/key given. */
  context: SecureContext
  /**
   * ALPN: a proxy passes the one protocol its target settled on; a server session the
   * protocols it accepts, in its order. Only those the client offered (read from `head`) are
   * answered, and none when it offered none of them: a server that answers ALPN with no
   * protocol in common must end the handshake (RFC 7301), and the client may well speak
   * what it would have spoken without ALPN.
   */
  alpn?: string[]
  /** The certificate came from tcpscope's CA (a rejection then says to trust the CA). */
  leafFromCa: boolean
  /** Where the client leg's `tls` record (facts or failure) goes. */
  record?: RecordedConnection
  /** The handshake must finish within this long (default DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS). */
  timeoutMs?: number
  /** TLS starts midway, after this protocol's opening (recorded with the leg). */
  starttls?: StartTlsProtocol
}

/**
 * Answers the client's TLS handshake on `socket` (a TCP socket nothing else reads). Resolves
 * with the secure TLSSocket; rejects with a TlsAcceptError, the failure recorded and the
 * socket destroyed. See the header for the whole recipe.
 */
export function acceptTls(socket: Socket, opts: AcceptTlsOptions): Promise<TLSSocket> {
  const ms = opts.timeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS
  if (opts.head !== undefined && opts.head.length > 0) socket.unshift(opts.head)
  // The TLSSocket reports the TCP socket's errors; this one only must not go unheard.
  socket.on('error', () => {})
  const options: ConstructorParameters<typeof TLSSocket>[1] = { isServer: true, secureContext: opts.context, requestCert: false }
  const alpn = answerable(opts.alpn, opts.head)
  if (alpn.length > 0) options.ALPNProtocols = alpn
  const secure = new (nodeTls().TLSSocket)(socket, options)
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (failure: TlsFailure): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      opts.record?.event('tls', 'client', { ok: false, ...failure })
      secure.destroy()
      reject(new TlsAcceptError(failure))
    }
    const timer = setTimeout(() => fail({ side: 'client', code: 'ETIMEDOUT', message: `the client did not finish its TLS handshake within ${ms} ms` }), ms)
    timer.unref()
    secure.once('secure', () => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      secure.off('close', onClose)
      secure.off('end', onClose)
      const sni = (secure as TLSSocket & { servername?: string | false }).servername
      const facts = legFacts(secure, 'client', typeof sni === 'string' ? sni : undefined, false)
      if (opts.starttls !== undefined) facts.starttls = opts.starttls
      opts.record?.event('tls', 'client', { ok: true, ...facts })
      resolve(secure)
    })
    // Stays for the socket's life, so a later error never finds it without a listener; after the handshake the caller listens too.
    secure.on('error', (err: NodeJS.ErrnoException) => fail(clientFailure(err, { leafFromCa: opts.leafFromCa })))
    const onClose = (): void => fail(clientClosedDuringHandshake(opts.leafFromCa))
    secure.once('close', onClose)
    secure.once('end', onClose)
  })
}

/** The ALPN protocols worth answering with: those of `alpn` the client's hello offered. */
function answerable(alpn: string[] | undefined, head: Buffer | undefined): string[] {
  if (alpn === undefined || alpn.length === 0) return []
  const read = head !== undefined ? readClientHello(head) : undefined
  if (read?.state !== 'hello') return alpn
  const offered = read.alpn ?? []
  return alpn.filter((p) => offered.includes(p))
}

/**
 * The context of a certificate and key someone gave (instead of a leaf from the CA), read
 * asynchronously and checked to make a pair. `flags` names them as the front end does
 * (`--tls-cert`/`--tls-key` for a proxy, `--cert`/`--key` for `serve`); errors are one line.
 */
export async function loadListenContext(cert: string, key: string, flags: { cert: string; key: string }): Promise<SecureContext> {
  const [certPem, keyPem] = await Promise.all([readSmallFile(cert, `cannot read ${flags.cert} ${cert}`), readSmallFile(key, `cannot read ${flags.key} ${key}`)])
  try {
    return nodeTls().createSecureContext({ cert: certPem, key: keyPem })
  } catch (err) {
    throw badKeyPair(`${flags.cert} ${cert}`, `${flags.key} ${key}`, err)
  }
}
