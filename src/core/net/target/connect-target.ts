// Opening a connection to a target, in one place: the proxy's upstream leg, client sessions
// and every replay (raw, HTTP, keep-alive sequences, `replay --all`) connect here, so a
// target is reached, timed out, recorded and worded the same way whoever asks.
//
// What a connect records into the caller's RecordedConnection: `connecting` (and `lookup`
// when a host name was resolved), then `connected` with both addresses; or, when it fails,
// `timeout` if the connect timeout passed, then `connect-failed` with the one-line reason of
// net-errors.ts (a reset before the connect completed is the server's `reset` instead: the
// server did accept). The one exception is the proxy's hot path, dial(): its open record,
// written an instant before, marks the attempt, so it writes no `connecting` or `lookup`
// records; at thousands of short connections a second, every record counts.
//
// Two ways in, one code path (Attempt below):
// - connect(): resolves with the connected socket, or closes the record and rejects with the
//   one-line reason (a ConnectError, or `cancelled` when the caller's signal fired).
// - dial(): returns the socket at once, still connecting, so a proxy can write the client's
//   first bytes to it (Node holds them until it connects), and tells a handler the outcome.
//   No promise, no timer of its own (a Target's timeouts share one, deadline-queue.ts), and
//   no listener beyond the two a connect needs.
//
// TLS on this leg (TargetOptions.tls, loaded by tls-connect.ts) is one more step of the same
// attempt, not another way to connect: tls.connect() runs over the TCP socket, `connected` is
// still recorded when TCP connects, and the attempt settles on the handshake instead: a `tls`
// record with the leg's facts (version, cipher, SNI, ALPN, the target's chain), or a `tls`
// failure and a `connect-failed` with the same one line (tls-errors.ts). The connect timeout
// covers both. connect() and dial() hand back the TLSSocket, so callers read and write
// cleartext as they do over TCP; a TLS error after the handshake (a TLS 1.3 server refusing
// the client certificate) is recorded as a `tls` failure too, then told as the socket's error.

import { connect, isIP, type NetConnectOpts, type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { ConnectionEnd, PeerAddress } from '../../../shared/capture-types'
import { formatEndpoint, type Endpoint } from '../../../shared/endpoint'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/limits'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import { DeadlineQueue, type Expiring } from '../deadline-queue'
import type { FdBudget } from '../fd-budget'
import { checkSocketPath } from '../listen'
import { UserError, cancelled, describeConnectError, type ConnectFrom } from '../net-errors'
import { isResetError, localPeer, remotePeer } from '../sockets'
import { isTlsError, TlsLeg, type TlsConnect, type TlsOverride } from './tls-connect'
import type { TlsFailure } from '../../../shared/tls-types'

export type { TlsConnect, TlsOverride } from './tls-connect'
export { loadTlsConnect } from './tls-connect'

/**
 * How to reach a target: fixed for a proxy, a client session or a replay, and used by each of
 * its connects.
 */
export interface TargetOptions {
  target: Endpoint
  /** Give up after this long (DEFAULT_CONNECT_TIMEOUT_MS unless said). */
  connectTimeoutMs?: number
  /** Leave from this local address and port (a client session's options). */
  localAddress?: string
  localPort?: number
  /** Resolve a host name to this IP family only. */
  family?: 4 | 6
  /** Default true: every chunk goes out as it is written. */
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelayMs?: number
  /** Speak TLS to the target: loadTlsConnect(options) builds it (files read once, before any connect). */
  tls?: TlsConnect
}

/** One connect(): where it is recorded, what cancels it, and what counts its descriptor. */
export interface ConnectOptions {
  record?: RecordedConnection
  signal?: AbortSignal
  budget?: FdBudget
  /** This connect's SNI and ALPN, over the Target's TLS options (ignored without them). */
  tls?: TlsOverride
}

/** The target could not be reached: front ends tell it apart from other failures (the CLI's exit code, replay's "unreachable"). */
export class ConnectError extends UserError {}

/** How a connect failed, as recorded. */
export interface ConnectFailure {
  code: string
  /** The one-line reason (net-errors.ts describeConnectError). */
  message: string
  /** How the connection ends because of it. */
  end: ConnectionEnd
  /** The TLS handshake failed (TCP had connected): recorded as a `tls` failure too; a proxy closes its client cleanly. */
  tls?: TlsFailure
}

/** Told how a dial() ended (one of the first two, once), then of the socket's errors after it connected. */
export interface DialHandler {
  /** Connected; `connected` is recorded. */
  targetConnected(): void
  /** Failed, and recorded so; the socket is being destroyed (its 'close' follows). */
  targetFailed(failure: ConnectFailure): void
  /** An error of the connected socket: the caller's to record (one listener per socket serves both, see Attempt). */
  targetError?(err: NodeJS.ErrnoException): void
}

export class Target {
  /** The target as people type it; records and messages name it so. */
  readonly where: string
  readonly timeoutMs: number
  /** The target's address when it is named exactly (an IP): no getpeername() needed. */
  readonly knownRemote: PeerAddress | undefined
  /** A Unix socket's path, which is both ends' address. */
  readonly path: string | undefined
  readonly from: ConnectFrom
  readonly deadlines: DeadlineQueue
  /** Built once: every connect of this target passes the same options. */
  private readonly socketOptions: NetConnectOpts
  /** TLS toward the target, when it speaks it. */
  readonly tls: TlsLeg | undefined

  /** Throws a one-line UserError for a target no connect could reach as named (a socket path the OS would cut short). */
  constructor(opts: TargetOptions) {
    const t = opts.target
    checkSocketPath(t)
    this.where = formatEndpoint(t)
    this.timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.deadlines = new DeadlineQueue(this.timeoutMs)
    this.from = { localAddress: opts.localAddress, localPort: opts.localPort }
    this.tls = opts.tls !== undefined ? new TlsLeg(opts.tls, t.kind === 'unix' ? undefined : t.host) : undefined
    if (t.kind === 'unix') {
      this.path = t.path
      this.knownRemote = undefined
      this.socketOptions = { path: t.path, allowHalfOpen: true }
      return
    }
    this.path = undefined
    const v = isIP(t.host)
    this.knownRemote = v === 0 ? undefined : { address: t.host, port: t.port, family: v === 6 ? 'IPv6' : 'IPv4' }
    const o: NetConnectOpts = { host: t.host, port: t.port, allowHalfOpen: true, noDelay: opts.noDelay ?? true }
    if (opts.localAddress !== undefined) o.localAddress = opts.localAddress
    if (opts.localPort !== undefined) o.localPort = opts.localPort
    if (opts.family !== undefined) o.family = opts.family
    if (opts.keepAlive !== undefined) o.keepAlive = opts.keepAlive
    if (opts.keepAliveInitialDelayMs !== undefined) o.keepAliveInitialDelay = opts.keepAliveInitialDelayMs
    this.socketOptions = o
  }

  /**
   * The proxy's hot path: starts a connect and returns its socket at once, still connecting.
   * The outcome is recorded into `rec` and told to `handler`, and so are the socket's errors
   * after it connected (targetError): the caller adds no 'error' listener of its own.
   * With TLS the socket is the TLSSocket (what is written before the handshake waits for it);
   * `tls` sets this connect's SNI and ALPN.
   */
  dial(rec: RecordedConnection, handler: DialHandler, tls?: TlsOverride): Socket {
    if (this.tls === undefined) return this.dialClear(rec, handler)
    const raw = connect(this.socketOptions)
    const started = this.tls.start(raw, tls)
    new Attempt(this, started.socket, raw, rec, handler, started.servername)
    return started.socket
  }

  /**
   * dial() in the clear whatever this target's TLS: for a connection whose opening is
   * cleartext and whose TLS starts midway (STARTTLS), secured later with secureOver().
   */
  dialClear(rec: RecordedConnection, handler: DialHandler): Socket {
    const raw = connect(this.socketOptions)
    new Attempt(this, raw, raw, rec, handler, undefined)
    return raw
  }

  /** Connects; resolves with the connected socket, or closes the record and rejects with the one-line reason. */
  connect(opts: ConnectOptions = {}): Promise<Socket> {
    const { record: rec, signal, budget } = opts
    // A signal aborted already never fires 'abort': without this, a cancelled caller would still connect (up to the connect timeout).
    if (signal?.aborted) {
      rec?.close('stopped')
      return Promise.reject(cancelled())
    }
    rec?.event('connecting', undefined, { target: this.where })
    const raw = connect(this.socketOptions)
    const started = this.tls?.start(raw, opts.tls)
    const socket: Socket = started?.socket ?? raw
    if (budget !== undefined) {
      budget.opened(1)
      raw.once('close', () => budget.closed(1))
    }
    if (rec !== undefined) {
      raw.on('lookup', (err, address, family, host) => {
        if (!err) rec.event('lookup', undefined, { host, address, family })
      })
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => void socket.destroy(Object.assign(new Error('cancelled'), { code: 'ECANCELED' }))
      signal?.addEventListener('abort', onAbort, { once: true })
      new Attempt(this, socket, raw, rec, {
        targetConnected: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(socket)
        },
        targetFailed: (failure) => {
          signal?.removeEventListener('abort', onAbort)
          // Settled once the socket is gone: a caller that connects again (a reconnect from a pinned port) finds it free.
          socket.once('close', () => {
            rec?.close(failure.end)
            reject(failure.code === 'ECANCELED' ? cancelled() : new ConnectError(failure.message, failure.code))
          })
        }
      }, started?.servername)
    })
  }
}

/**
 * One connect in flight: its deadline, its outcome recorded, its handler told. `socket` is
 * what the caller gets (the TLSSocket with TLS), `raw` the TCP socket under it (the same
 * socket without TLS).
 */
class Attempt implements Expiring {
  private settled = false
  /** TLS only: TCP is up and the handshake is running. */
  private handshaking = false
  private readonly ticket: number

  constructor(
    private readonly target: Target,
    private readonly socket: Socket,
    private readonly raw: Socket,
    private readonly rec: RecordedConnection | undefined,
    private readonly handler: DialHandler,
    /** The SNI sent, with TLS. */
    private readonly servername: string | undefined
  ) {
    this.ticket = target.deadlines.add(this)
    raw.once('connect', this.onConnect)
    // Stays for the socket's life: once settled it hands errors to targetError (the proxy's one
    // listener per socket), or ignores them for a caller that listens itself; either way an
    // error never finds the socket without a listener, which would end the process.
    socket.on('error', this.onError)
    if (socket !== raw) {
      // The TLSSocket reports the TCP socket's errors too; this one only must not go unheard.
      raw.on('error', () => {})
      socket.once('secureConnect', this.onSecure)
    }
  }

  private readonly onConnect = (): void => {
    if (this.settled) return
    const { target, raw } = this
    this.rec?.connected(localPeer(raw, target.path), target.knownRemote ?? remotePeer(raw, target.path))
    if (this.socket !== raw) {
      this.handshaking = true
      return
    }
    this.settled = true
    target.deadlines.cancel(this.ticket)
    this.handler.targetConnected()
  }

  /** The TLS handshake finished: judged (verified unless told not to), recorded, and told. */
  private readonly onSecure = (): void => {
    if (this.settled) return
    this.settled = true
    this.handshaking = false
    const { target, rec } = this
    target.deadlines.cancel(this.ticket)
    const outcome = target.tls!.judge(this.socket as TLSSocket, this.servername, target.where)
    if ('facts' in outcome) {
      rec?.event('tls', 'server', { ok: true, ...outcome.facts })
      return this.handler.targetConnected()
    }
    const f = outcome.failure
    rec?.event('tls', 'server', { ok: false, ...f })
    rec?.event('connect-failed', 'server', { code: f.code, message: f.message })
    // Closed, not reset: the target did nothing wrong at the TCP level.
    this.socket.destroy()
    this.handler.targetFailed({ code: f.code, message: f.message, end: 'connect-failed', tls: f })
  }

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.settled) return this.afterError(err)
    this.settled = true
    const target = this.target
    target.deadlines.cancel(this.ticket)
    if (this.handshaking) {
      this.handshaking = false
      const f = err.code === 'ETIMEDOUT' ? { side: 'server' as const, code: 'ETIMEDOUT', message: err.message } : target.tls!.failure(err, target.where)
      this.rec?.event('tls', 'server', { ok: false, ...f })
      this.rec?.event('connect-failed', 'server', { code: f.code, message: f.message })
      return this.handler.targetFailed({ code: f.code, message: f.message, end: 'connect-failed', tls: f })
    }
    const code = err.code ?? 'ERROR'
    const message = code === 'ECANCELED' ? 'cancelled' : describeConnectError(err, target.where, target.from)
    // A reset as the connect completes: the server did accept, and any bytes it sent before the reset are gone with the socket.
    const reset = isResetError(err)
    this.rec?.event(reset ? 'reset' : 'connect-failed', 'server', { code, message })
    this.handler.targetFailed({ code, message, end: reset ? 'server-reset' : 'connect-failed' })
  }

  /**
   * An error after the connect settled: the handler's (or the caller's own listener's). A TLS
   * error (an alert after the handshake) is recorded as the leg's `tls` failure first, and
   * told in its one line.
   */
  private afterError(err: NodeJS.ErrnoException): void {
    if (this.socket !== this.raw && isTlsError(err)) {
      const f = this.target.tls!.failure(err, this.target.where)
      this.rec?.event('tls', 'server', { ok: false, ...f })
      return this.handler.targetError?.(Object.assign(new Error(f.message), { code: f.code, tlsFailure: f }))
    }
    this.handler.targetError?.(err)
  }

  /** The connect timeout passed: recorded, then the socket destroyed with ETIMEDOUT (onError words and records it). */
  expired(): void {
    if (this.settled || this.socket.destroyed) return
    const ms = this.target.timeoutMs
    const handshake = this.handshaking
    this.rec?.event('timeout', undefined, { ms, what: handshake ? 'tls-handshake' : 'connect' })
    const message = handshake ? `${this.target.where} did not finish the TLS handshake within ${ms} ms` : `connect timed out after ${ms} ms`
    this.socket.destroy(Object.assign(new Error(message), { code: 'ETIMEDOUT' }))
  }
}
