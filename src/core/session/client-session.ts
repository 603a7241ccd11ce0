// A TCP client opened by hand: connects with the options of net.createConnection, records
// the attempt (lookup, connect, failure, timeout) and the conversation, and can reconnect
// with the same settings.

import { createConnection, type Socket } from 'node:net'
import type { ClientConnectArgs, ClientSessionInfo } from '../../shared/session-types'
import { formatEndpoint, type Endpoint } from '../../shared/endpoint'
import type { LiveCapture } from '../capture/write/live-capture'
import { UserError, describeNetError, errorInfo } from '../net/net-errors'
import { localPeer, remotePeer } from '../net/sockets'
import type { SessionHooks } from './server-session'
import { SessionConnection } from './session-connection'

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/** A failed connect in one line; a bad local address or port is named as such, not as the target. */
function describeConnectError(err: NodeJS.ErrnoException, where: string, args: ClientConnectArgs): string {
  const pinned = args.localAddress !== undefined || (args.localPort !== undefined && args.localPort !== 0)
  if (!pinned || (err.code !== 'EADDRINUSE' && err.code !== 'EADDRNOTAVAIL')) return describeNetError(err, { op: 'connect', where })
  const from = [args.localAddress, args.localPort ? `port ${args.localPort}` : undefined].filter(Boolean).join(' ')
  const why =
    err.code === 'EADDRINUSE'
      ? 'that local port is in use'
      : 'that local address is not on this machine, or a connection from that port to the same server is still closing'
  return `cannot connect to ${where} from ${from}: ${why}; pick another local address or port, or leave them out`
}

export class ClientSession {
  private conn: SessionConnection | undefined
  private connId: number | undefined
  private state: ClientSessionInfo['state'] = 'closed'
  private error: string | undefined

  constructor(
    readonly id: string,
    private readonly target: Endpoint,
    private readonly args: ClientConnectArgs,
    private readonly capture: LiveCapture,
    private readonly hooks: SessionHooks
  ) {}

  info(): ClientSessionInfo {
    return {
      id: this.id,
      kind: 'client',
      target: formatEndpoint(this.target),
      state: this.state,
      intervals: this.conn?.sendingByHand ? [this.conn.id] : [],
      ...(this.connId !== undefined ? { connId: this.connId } : {}),
      ...(this.error !== undefined ? { error: this.error } : {})
    }
  }

  private open(): Socket {
    const t = this.target
    const a = this.args
    if (t.kind === 'unix') return createConnection({ path: t.path, allowHalfOpen: true })
    return createConnection({
      host: t.host,
      port: t.port,
      allowHalfOpen: true,
      localAddress: a.localAddress,
      localPort: a.localPort,
      family: a.family === undefined ? undefined : Number(a.family),
      noDelay: a.noDelay ?? true,
      keepAlive: a.keepAlive,
      keepAliveInitialDelay: a.keepAliveInitialDelayMs
    })
  }

  /** Connects; resolves once connected, rejects with a one-line reason when it fails. */
  connect(): Promise<void> {
    const where = formatEndpoint(this.target)
    const rec = this.capture.openConnection({ kind: 'client', ownerId: this.id, target: where })
    this.connId = rec.id
    this.state = 'connecting'
    this.error = undefined
    this.hooks.updated()
    rec.event('connecting', undefined, { target: where })
    const socket = this.open()
    this.hooks.budget.opened(1)
    socket.once('close', () => this.hooks.budget.closed(1))
    const timeoutMs = this.args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    const timer = setTimeout(() => {
      rec.event('timeout', undefined, { ms: timeoutMs, what: 'connect' })
      socket.destroy(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
    }, timeoutMs)
    socket.on('lookup', (err, address, family, host) => {
      if (!err) rec.event('lookup', undefined, { host, address, family })
    })
    return new Promise((resolve, reject) => {
      const onFail = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer)
        const message = describeConnectError(err, where, this.args)
        rec.event('connect-failed', 'server', { ...errorInfo(err), message })
        socket.once('close', () => {
          rec.close('connect-failed')
          this.state = 'closed'
          this.error = message
          this.hooks.updated()
          reject(new UserError(message, err.code ?? 'ECONNREFUSED'))
        })
      }
      socket.once('error', onFail)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', onFail)
        const path = this.target.kind === 'unix' ? this.target.path : undefined
        rec.connected(localPeer(socket, path), remotePeer(socket, path))
        this.conn = new SessionConnection(
          socket,
          rec,
          this.capture,
          'client',
          {
            onClosed: (c) => {
              this.state = 'closed'
              this.hooks.connClosed(c)
              this.hooks.updated()
            },
            onIntervalChanged: () => this.hooks.updated(),
            warn: (m) => this.hooks.warn(`${this.id}: ${m}`)
          },
          { idleTimeoutMs: this.args.idleTimeoutMs }
        )
        this.state = 'open'
        this.hooks.connOpened(this.conn)
        this.hooks.updated()
        if (this.args.interval) {
          this.conn.startInterval(this.args.interval, 'session').catch((e: Error) => this.hooks.warn(`${this.id}: interval send: ${e.message}`))
        }
        resolve()
      })
    })
  }

  /** Closes the current connection (if any) and connects again with the same settings. */
  async reconnect(): Promise<void> {
    // RST, not FIN, when the local port is pinned: a FIN-closed connection holds that port
    // until its close handshake is over, so connecting from it again would fail.
    await this.close(this.args.localPort !== undefined && this.args.localPort !== 0)
    await this.connect()
  }

  async close(reset = false): Promise<void> {
    const c = this.conn
    this.conn = undefined
    if (!c || c.closed) return
    const closed = new Promise<void>((r) => c.socket.once('close', () => r()))
    if (reset) c.reset()
    else c.destroy()
    await closed
  }
}
