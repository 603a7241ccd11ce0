// A TCP client opened by hand: connects with the options of net.createConnection (through
// connect-target.ts, which records the attempt: lookup, connect, failure, timeout, and with
// TLS the handshake's facts or failure), records the conversation (the cleartext, with TLS),
// and can reconnect with the same settings.

import type { Socket } from 'node:net'
import type { ClientConnectArgs, ClientSessionInfo } from '../../shared/session-types'
import type { Endpoint } from '../../shared/endpoint'
import type { LiveCapture } from '../capture/write/live-capture'
import { UserError } from '../net/net-errors'
import { Target, type TlsConnect } from '../net/target/connect-target'
import type { SessionHooks } from './server-session'
import { SessionConnection } from './session-connection'

export class ClientSession {
  private conn: SessionConnection | undefined
  private connId: number | undefined
  private state: ClientSessionInfo['state'] = 'closed'
  private error: string | undefined
  private readonly target: Target

  /** Throws a one-line UserError for a target no connect could reach as named. */
  constructor(
    readonly id: string,
    target: Endpoint,
    private readonly args: ClientConnectArgs,
    private readonly capture: LiveCapture,
    private readonly hooks: SessionHooks,
    /** TLS toward the target, loaded (session-tls.ts loadClientTls). */
    tls?: TlsConnect
  ) {
    this.target = new Target({
      target,
      connectTimeoutMs: args.connectTimeoutMs,
      localAddress: args.localAddress,
      localPort: args.localPort,
      family: args.family === undefined ? undefined : args.family === '6' ? 6 : 4,
      noDelay: args.noDelay ?? true,
      keepAlive: args.keepAlive,
      keepAliveInitialDelayMs: args.keepAliveInitialDelayMs,
      tls
    })
  }

  /** How client.connect would open it again. */
  settings(): ClientConnectArgs {
    return this.args
  }

  info(): ClientSessionInfo {
    return {
      id: this.id,
      kind: 'client',
      target: this.target.where,
      state: this.state,
      intervals: this.conn?.sendingByHand ? [this.conn.id] : [],
      ...(this.connId !== undefined ? { connId: this.connId } : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
      ...(this.target.tls !== undefined ? { tls: true } : {})
    }
  }

  /** Connects; resolves once connected, rejects with a one-line reason when it fails. */
  async connect(): Promise<void> {
    const rec = this.capture.openConnection({ kind: 'client', ownerId: this.id, target: this.target.where })
    this.connId = rec.id
    this.state = 'connecting'
    this.error = undefined
    this.hooks.updated()
    let socket: Socket
    try {
      socket = await this.target.connect({ record: rec, budget: this.hooks.budget })
    } catch (err) {
      this.state = 'closed'
      this.error = err instanceof UserError ? err.message : String(err)
      this.hooks.updated()
      throw err
    }
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
