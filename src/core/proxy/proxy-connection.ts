// One proxied connection: the accepted client socket, its upstream socket, and the rules
// that keep them honest. Every byte is forwarded, then recorded with the time it arrived
// (recording after the write keeps it off the round trip); a slow side pauses the other
// (as pipe() would), and so does a capture writer that falls behind. FIN is forwarded as
// FIN and RST as RST, so each side sees what the other really did: an 'end' is checked to
// be a FIN (node-internals.ts), and a reset is passed on after the bytes that came before it.

import { connect, isIP, type Socket } from 'node:net'
import type { ConnectionEnd, Direction, PeerAddress } from '../../shared/capture-types'
import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { describeNetError, errorInfo } from '../net/net-errors'
import { DeadlineQueue, type Expiring } from '../net/deadline-queue'
import type { LiveSetMember } from '../net/live-set'
import { confirmFin, readInto } from '../net/node-internals'
import { READ_BUFFER_SIZE, ReadBuffers } from '../net/read-buffers'
import { isResetError, localPeer, remotePeer, resetSocket, resetWhenFlushed } from '../net/sockets'

export interface UpstreamOptions {
  target: Endpoint
  connectTimeoutMs: number
  noDelay: boolean
}

/** What all connections of one proxy share. */
export interface ProxyContext extends UpstreamOptions {
  /** The upstream's address when the target names it exactly: no getpeername() needed. */
  knownRemote: PeerAddress | undefined
  connectDeadlines: DeadlineQueue
  /** What the sockets read into (shared by every proxy of the process, bounded there). */
  readBuffers: ReadBuffers
  /** Called once per connection, when both sockets have closed and the close is recorded. */
  done(conn: ProxyConnection): void
}

const readBuffers = new ReadBuffers()
/** Reads from this size up hand their buffer on when kept, smaller ones are copied (at most half a buffer is pinned for nothing). */
const HAND_ON_BYTES = READ_BUFFER_SIZE / 2

export function proxyContext(opts: UpstreamOptions, done: (conn: ProxyConnection) => void): ProxyContext {
  return { ...opts, knownRemote: knownRemote(opts.target), connectDeadlines: new DeadlineQueue(opts.connectTimeoutMs), readBuffers, done }
}

function knownRemote(target: Endpoint): PeerAddress | undefined {
  if (target.kind !== 'tcp') return undefined
  const v = isIP(target.host)
  return v === 0 ? undefined : { address: target.host, port: target.port, family: v === 6 ? 'IPv6' : 'IPv4' }
}

export class ProxyConnection implements Expiring, LiveSetMember {
  liveSlot = -1
  private readonly upstream: Socket
  private connected = false
  private captureHeld: boolean
  /** `held[dir]`: reading what `dir` sends is paused because the other side's buffer is full. */
  private readonly held: Record<Direction, boolean> = { client: false, server: false }
  private end: ConnectionEnd | undefined
  private openSockets = 2
  /** The buffer each side's socket reads into (readDirect), if it has one. */
  private readonly readBuf: Record<Direction, Buffer | undefined> = { client: undefined, server: undefined }
  private readonly connectDeadline: number

  /**
   * Starts the upstream connect at once. The open record (written by the caller an instant
   * ago, with the target) marks that moment, so there is no separate `connecting` record:
   * at thousands of short connections a second, every record counts.
   */
  constructor(
    private readonly client: Socket,
    private readonly rec: RecordedConnection,
    private readonly ctx: ProxyContext,
    captureHeld: boolean
  ) {
    this.captureHeld = captureHeld
    const { target } = ctx
    client.setNoDelay(ctx.noDelay)
    this.upstream =
      target.kind === 'unix'
        ? connect({ path: target.path, allowHalfOpen: true })
        : connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: ctx.noDelay })
    const up = this.upstream
    this.connectDeadline = ctx.connectDeadlines.add(this)
    up.once('connect', () => {
      ctx.connectDeadlines.cancel(this.connectDeadline)
      this.connected = true
      const path = target.kind === 'unix' ? target.path : undefined
      rec.connected(localPeer(up, path), ctx.knownRemote ?? remotePeer(up, path))
    })
    up.on('error', (err: NodeJS.ErrnoException) => {
      if (this.connected) return this.onError('server', err)
      ctx.connectDeadlines.cancel(this.connectDeadline)
      if (isResetError(err)) {
        // The server accepted and reset before Node saw the connect complete: Node reads the
        // reset as the connect's error, and any bytes sent before it are gone with the socket.
        rec.event('reset', 'server', { code: err.code, message: `${formatEndpoint(target)} reset the connection as it was accepted; bytes it sent before the reset could not be read` })
        this.end ??= 'server-reset'
      } else {
        rec.event('connect-failed', 'server', { code: err.code ?? 'ERROR', message: describeNetError(err, { op: 'connect', where: formatEndpoint(target) }) })
        this.end ??= 'connect-failed'
      }
      resetSocket(client)
    })
    client.on('error', (err: NodeJS.ErrnoException) => this.onError('client', err))
    this.readDirect('client', client, up)
    this.readDirect('server', up, client)
    client.on('data', (chunk: Buffer) => this.forward('client', chunk, up))
    up.on('data', (chunk: Buffer) => this.forward('server', chunk, client))
    up.on('drain', () => this.release('client'))
    client.on('drain', () => this.release('server'))
    client.on('end', () => confirmFin(client, () => this.onFin('client', up)))
    up.on('end', () => confirmFin(up, () => this.onFin('server', client)))
    client.on('close', this.onSocketClosed)
    up.on('close', this.onSocketClosed)
    if (captureHeld) {
      client.pause()
      up.pause()
    }
  }

  get id(): number {
    return this.rec.id
  }

  /** The upstream connect took too long. */
  expired(): void {
    if (this.connected || this.upstream.destroyed) return
    const err = Object.assign(new Error(`connect timed out after ${this.ctx.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })
    this.upstream.destroy(err)
  }

  private forward(dir: Direction, chunk: Buffer, to: Socket): void {
    const time = Date.now()
    const mono = this.rec.monoNow()
    // Nothing the write does reaches the capture before this chunk's record: the other
    // side's answer and any socket events come in later turns of the event loop.
    const flowing = to.write(chunk)
    this.rec.data(dir, chunk, time, mono)
    if (!flowing && !this.held[dir]) {
      this.held[dir] = true
      this.applyFlow(dir)
    }
  }

  /**
   * Lets `from` read into a buffer of its own instead of a new one per read (node-internals.ts
   * readInto), where the capture copies what it records. The buffer takes the next read
   * unless something kept these bytes: a write queued behind earlier writes or a connect, a
   * detailed listener, or a write the kernel took only in part. Then a large read leaves its
   * buffer to them and the socket reads into a fresh one, and a small one is forwarded as a
   * copy of just its bytes. Without a buffer to spare (or the internals) the socket emits
   * 'data' as usual.
   */
  private readDirect(dir: Direction, from: Socket, to: Socket): void {
    if (!this.rec.copiesChunks) return
    const pool = this.ctx.readBuffers
    const buf = pool.take()
    if (buf === undefined) return
    const onRead = (n: number, b: Buffer): void => {
      const chunk = b.subarray(0, n)
      const kept = to.writableLength > 0 || to.connecting || !this.rec.chunksReusable
      // A few bytes are copied rather than pinning a whole buffer; a large read keeps its buffer.
      if (kept && n < HAND_ON_BYTES) return this.forward(dir, Buffer.from(chunk), to)
      this.forward(dir, chunk, to)
      if (kept || to.writableLength > 0) this.readBuf[dir] = pool.fresh()
    }
    if (!readInto(from, buf, onRead, () => this.readBuf[dir]!)) return pool.give(buf)
    this.readBuf[dir] = buf
  }

  private release(dir: Direction): void {
    if (!this.held[dir]) return
    this.held[dir] = false
    this.applyFlow(dir)
  }

  /** The socket that reads what `dir` sends. */
  private reader(dir: Direction): Socket {
    return dir === 'client' ? this.client : this.upstream
  }

  private applyFlow(dir: Direction): void {
    const s = this.reader(dir)
    if (this.held[dir] || this.captureHeld) s.pause()
    else s.resume()
  }

  setCaptureHeld(held: boolean): void {
    if (this.captureHeld === held) return
    this.captureHeld = held
    this.applyFlow('client')
    this.applyFlow('server')
  }

  private onFin(dir: Direction, to: Socket): void {
    this.rec.event('fin', dir)
    if (!to.destroyed) to.end()
  }

  private onError(side: Direction, err: NodeJS.ErrnoException): void {
    const other = side === 'client' ? this.upstream : this.client
    if (isResetError(err)) {
      // RST, not FIN: one side reset, so the other must see a reset too.
      this.rec.event('reset', side, errorInfo(err))
      this.end ??= side === 'client' ? 'client-reset' : 'server-reset'
    } else {
      this.rec.event('error', side, errorInfo(err))
      this.end ??= 'error'
    }
    // Still connecting upstream: it is reset as soon as it connects (and recorded so).
    resetWhenFlushed(other)
  }

  private readonly onSocketClosed = (): void => {
    if (--this.openSockets > 0) return
    // Both sockets are closed: neither reads again, and no pending write holds a buffer still in readBuf.
    for (const b of [this.readBuf.client, this.readBuf.server]) if (b !== undefined) this.ctx.readBuffers.give(b)
    this.ctx.connectDeadlines.cancel(this.connectDeadline)
    this.rec.close(this.end ?? 'closed')
    this.ctx.done(this)
  }

  /** Closes both sides now (the proxy is stopping). */
  kill(): void {
    this.end ??= 'stopped'
    this.client.destroy()
    this.upstream.destroy()
  }
}
