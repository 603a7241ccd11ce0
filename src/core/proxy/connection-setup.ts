// What a connection's set-up shares until a ProxyConnection takes it over: a forward proxy's
// tunnel (forward/tunnel.ts) and a TLS-listening proxy's handshake (tls-listen.ts) each open
// their sockets their own way, then hand both to the same two-legged connection.

import type { Socket } from 'node:net'
import type { ConnectionEnd } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { ProxyConnection, type ProxyContext } from './proxy-connection'

export abstract class ConnectionSetup<State extends string> {
  protected upstream: Socket | undefined
  protected conn: ProxyConnection | undefined
  protected end: ConnectionEnd | undefined
  /** Sockets still open before the hand-over (after it, the ProxyConnection counts). */
  protected openSockets = 1

  constructor(
    protected readonly client: Socket,
    protected state: State | 'running' | 'closing',
    protected captureHeld: boolean
  ) {}

  /**
   * The connection runs as any other from here. `ownLeg`: the target's socket was made
   * here (a TLS leg over the dialled TCP), so its errors are heard here; the dial's handler
   * hears the TCP socket's.
   */
  protected handOverTo(client: Socket, upstream: Socket, rec: RecordedConnection, ctx: ProxyContext, ownLeg: boolean): void {
    this.state = 'running'
    this.conn = new ProxyConnection(client, rec, ctx, this.captureHeld, upstream)
    if (ownLeg) upstream.on('error', (err: NodeJS.ErrnoException) => this.conn!.targetError(err))
    if (!this.captureHeld) {
      client.resume()
      upstream.resume()
    }
  }

  /** The proxied connection, once the hand-over made it (conn.pause, conn.inject, late stages). */
  get connection(): ProxyConnection | undefined {
    return this.conn
  }

  setCaptureHeld(held: boolean): void {
    this.captureHeld = held
    this.conn?.setCaptureHeld(held)
  }

  /** Closes both sides now (the proxy is stopping). */
  kill(): void {
    if (this.conn !== undefined) return this.conn.kill()
    this.end ??= 'stopped'
    this.state = 'closing'
    this.client.destroy()
    this.upstream?.destroy()
  }
}
