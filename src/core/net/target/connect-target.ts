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

import { connect, isIP, type NetConnectOpts, type Socket } from 'node:net'
import type { ConnectionEnd, PeerAddress } from '../../../shared/capture-types'
import { formatEndpoint, type Endpoint } from '../../../shared/endpoint'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/limits'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import { DeadlineQueue, type Expiring } from '../deadline-queue'
import type { FdBudget } from '../fd-budget'
import { checkSocketPath } from '../listen'
import { UserError, cancelled, describeConnectError, type ConnectFrom } from '../net-errors'
import { isResetError, localPeer, remotePeer } from '../sockets'

/**
 * How to reach a target: fixed for a proxy, a client session or a replay, and used by each of
 * its connects.
 *
 * TLS on this leg (the next issue) is one more optional field here, not another way to connect:
 *
 *     tls?: { servername?: string; alpn?: string[]; ca?: string[]; cert?: string; key?: string; verify?: boolean }
 *
 * With it, the attempt below runs tls.connect({ socket, ... }) over the TCP socket once it
 * connects and settles on 'secureConnect' instead: `connected` is still recorded when TCP
 * connects, the handshake's outcome (protocol, ALPN, the server's certificate) gets a record
 * of its own, a handshake failure is a `connect-failed` worded in net-errors.ts like every
 * other, and the socket handed back (by connect() and dial()) is the TLSSocket, so callers
 * read and write cleartext as they do now.
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
}

/** One connect(): where it is recorded, what cancels it, and what counts its descriptor. */
export interface ConnectOptions {
  record?: RecordedConnection
  signal?: AbortSignal
  budget?: FdBudget
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

  /** Throws a one-line UserError for a target no connect could reach as named (a socket path the OS would cut short). */
  constructor(opts: TargetOptions) {
    const t = opts.target
    checkSocketPath(t)
    this.where = formatEndpoint(t)
    this.timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    this.deadlines = new DeadlineQueue(this.timeoutMs)
    this.from = { localAddress: opts.localAddress, localPort: opts.localPort }
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
   */
  dial(rec: RecordedConnection, handler: DialHandler): Socket {
    const socket = connect(this.socketOptions)
    new Attempt(this, socket, rec, handler)
    return socket
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
    const socket = connect(this.socketOptions)
    if (budget !== undefined) {
      budget.opened(1)
      socket.once('close', () => budget.closed(1))
    }
    if (rec !== undefined) {
      socket.on('lookup', (err, address, family, host) => {
        if (!err) rec.event('lookup', undefined, { host, address, family })
      })
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => void socket.destroy(Object.assign(new Error('cancelled'), { code: 'ECANCELED' }))
      signal?.addEventListener('abort', onAbort, { once: true })
      new Attempt(this, socket, rec, {
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
      })
    })
  }
}

/** One connect in flight: its deadline, its outcome recorded, its handler told. */
class Attempt implements Expiring {
  private settled = false
  private readonly ticket: number

  constructor(
    private readonly target: Target,
    private readonly socket: Socket,
    private readonly rec: RecordedConnection | undefined,
    private readonly handler: DialHandler
  ) {
    this.ticket = target.deadlines.add(this)
    socket.once('connect', this.onConnect)
    // Stays for the socket's life: once settled it hands errors to targetError (the proxy's one
    // listener per socket), or ignores them for a caller that listens itself; either way an
    // error never finds the socket without a listener, which would end the process.
    socket.on('error', this.onError)
  }

  private readonly onConnect = (): void => {
    if (this.settled) return
    this.settled = true
    const { target, socket } = this
    target.deadlines.cancel(this.ticket)
    this.rec?.connected(localPeer(socket, target.path), target.knownRemote ?? remotePeer(socket, target.path))
    this.handler.targetConnected()
  }

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.settled) return this.handler.targetError?.(err)
    this.settled = true
    const target = this.target
    target.deadlines.cancel(this.ticket)
    const code = err.code ?? 'ERROR'
    const message = code === 'ECANCELED' ? 'cancelled' : describeConnectError(err, target.where, target.from)
    // A reset as the connect completes: the server did accept, and any bytes it sent before the reset are gone with the socket.
    const reset = isResetError(err)
    this.rec?.event(reset ? 'reset' : 'connect-failed', 'server', { code, message })
    this.handler.targetFailed({ code, message, end: reset ? 'server-reset' : 'connect-failed' })
  }

  /** The connect timeout passed: recorded, then the socket destroyed with ETIMEDOUT (onError words and records it). */
  expired(): void {
    if (this.settled || this.socket.destroyed) return
    const ms = this.target.timeoutMs
    this.rec?.event('timeout', undefined, { ms, what: 'connect' })
    this.socket.destroy(Object.assign(new Error(`connect timed out after ${ms} ms`), { code: 'ETIMEDOUT' }))
  }
}
