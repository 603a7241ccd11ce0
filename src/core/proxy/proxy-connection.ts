// One proxied connection: the accepted client socket, its upstream socket, and the rules
// that keep them honest. Every byte is forwarded, then recorded with the time it arrived
// (recording after the write keeps it off the round trip); a slow side pauses the other
// (as pipe() would), and so does a capture writer that falls behind. FIN is forwarded as
// FIN and RST as RST, so each side sees what the other really did: an 'end' is checked to
// be a FIN (node-internals.ts), and a reset is passed on after the bytes that came before it.
// The upstream is opened and its connect recorded by connect-target.ts, as every connect to
// a target is. Each direction may pass through a stage (forward-stage.ts); a direction
// without one takes the fast path below, which knows nothing of stages. A TLS leg (a
// TLSSocket from tls-accept.ts or connect-target.ts) is read through 'data' events: the
// fast path's own read buffers are for TCP sockets only.

import type { Socket } from 'node:net'
import { DIRECTIONS, type ConnectionEnd, type Direction, type ResetCause, type TcpscopeReset } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { errorInfo } from '../net/net-errors'
import type { LiveSetMember } from '../net/live-set'
import type { ConnectFailure, DialHandler, Target } from '../net/target/connect-target'
import { confirmFin, readInto } from '../net/target/node-internals'
import { READ_BUFFER_SIZE, type ReadBuffers } from '../net/read-buffers'
import { isResetError, resetSocket, resetWhenFlushed } from '../net/sockets'
import { stageFailure, type ForwardStages, type StagePair, type StagePort } from './forward-stage'
import { HelloSniff } from './hello-sniff'

/** What all connections of one proxy share. */
export interface ProxyContext {
  /** The upstream every connection dials (its timeouts share one timer). */
  target: Target
  noDelay: boolean
  stages: ForwardStages | undefined
  /** What the sockets read into (shared by every proxy of the process, bounded there). */
  readBuffers: ReadBuffers
  /** Called once per connection, when both sockets have closed and the close is recorded. */
  done(conn: ProxyConnection): void
  /** Record a TLS client's hello as passed through (hello-sniff.ts). */
  sniffHellos?: boolean
}

/** Reads from this size up hand their buffer on when kept, smaller ones are copied (at most half a buffer is pinned for nothing). */
const HAND_ON_BYTES = READ_BUFFER_SIZE / 2

/**
 * After a person's RST to one side, how long the other side may still send (read and
 * recorded, with nowhere to go) before it is reset too: long enough for an answer already
 * on its way, short enough that a peer that never stops cannot grow the capture without bound.
 */
export const AFTER_RST_GRACE_MS = 5000

export class ProxyConnection implements DialHandler, LiveSetMember {
  liveSlot = -1
  private readonly upstream: Socket
  private captureHeld: boolean
  /** `held[dir]`: reading what `dir` sends is paused because the other side's buffer is full. */
  private readonly held: Record<Direction, boolean> = { client: false, server: false }
  private end: ConnectionEnd | undefined
  /** With end `tcpscope-reset`: what made tcpscope reset it, and to whom. */
  private reset: TcpscopeReset | undefined
  /** The connect's failure (its end), once a stage took over answering for a target that is down: the end if that stage gives up after all. */
  private downEnd: ConnectionEnd | undefined
  /** After a person's RST to one side: when the other side is reset too (AFTER_RST_GRACE_MS). */
  private graceTimer: NodeJS.Timeout | undefined
  private openSockets = 2
  /** The buffer each side's socket reads into (readDirect), if it has one. */
  private readonly readBuf: Record<Direction, Buffer | undefined> = { client: undefined, server: undefined }
  /** This connection's stages (forward-stage.ts) and their ports, once its proxy has any (at accept, or later). */
  private stages: StagePair | undefined
  private ports: Record<Direction, StagePort> | undefined
  /** `userHeld[dir]`: a person paused reading what `dir` sends (conn.pause). */
  private readonly userHeld: Record<Direction, boolean> = { client: false, server: false }
  /** The look at the first bytes for a TLS hello (maybe after a STARTTLS opening): undefined before it, null once over (or never to be had). */
  private sniff: HelloSniff | null | undefined
  /** `stageHeld[dir]`: `dir`'s stage asked for its sender to be held; made by the first ask. */
  private stageHeld: Record<Direction, boolean> | undefined

  /**
   * Starts the upstream connect at once (connect-target.ts dial(), recorded there); the
   * client's first bytes wait in the upstream socket until it connects. A forward proxy's
   * tunnel passes `upstream` already connected (its dial's handler passes errors on to
   * targetError).
   */
  constructor(
    private readonly client: Socket,
    private readonly rec: RecordedConnection,
    private readonly ctx: ProxyContext,
    captureHeld: boolean,
    upstream?: Socket
  ) {
    this.captureHeld = captureHeld
    if (ctx.sniffHellos !== true) this.sniff = null
    client.setNoDelay(ctx.noDelay)
    this.upstream = upstream ?? ctx.target.dial(rec, this)
    const up = this.upstream
    client.on('error', (err: NodeJS.ErrnoException) => this.onError('client', err))
    this.readDirect('client', client, up)
    this.readDirect('server', up, client)
    client.on('data', (chunk: Buffer) => this.forward('client', chunk, up))
    up.on('data', (chunk: Buffer) => this.forward('server', chunk, client))
    client.on('end', () => confirmFin(client, () => this.onFin('client', up)))
    up.on('end', () => confirmFin(up, () => this.onFin('server', client)))
    this.attachStages()
    up.on('drain', () => this.release('client'))
    client.on('drain', () => this.release('server'))
    // A socket handed over (a TLS leg, a tunnel) may have closed before this connection took
    // it: its 'close' is gone, so it is counted now, or the connection would never end.
    for (const s of [client, up]) {
      if (s.closed) process.nextTick(this.onSocketClosed)
      else s.on('close', this.onSocketClosed)
    }
    if (captureHeld) {
      client.pause()
      up.pause()
    }
  }

  get id(): number {
    return this.rec.id
  }

  get connection(): ProxyConnection {
    return this
  }

  targetConnected(): void {
    // Nothing to do: the connect is recorded, and what the client sent meanwhile goes out by itself.
  }

  /** An error of the connected upstream (before it connects, its errors are the connect's: targetFailed). */
  targetError(err: NodeJS.ErrnoException): void {
    this.onError('server', err)
  }

  /**
   * The upstream connect failed (recorded by connect-target.ts): the client is reset, as the
   * target's refusal would have; a TLS handshake failure is tcpscope's refusal, not the
   * target's, so the client sees a clean close (the reason is in the capture). A forward
   * proxy's tunnel whose destination is down calls it itself, once it handed its sockets
   * over (forward/target-down.ts).
   */
  targetFailed(failure: ConnectFailure): void {
    // Traffic rules may answer the client themselves (a mock while the backend is down). What
    // the client sent toward the connecting socket may have filled it: no drain will come now.
    if (failure.tls === undefined && this.stageAnswers(failure.message)) {
      this.downEnd = failure.end
      return this.release('client')
    }
    this.end ??= failure.end
    if (failure.tls === undefined) return void resetSocket(this.client)
    this.client.destroySoon()
  }

  /** Whether the target direction's stage takes over answering the client now that the target cannot be reached. */
  private stageAnswers(why: string): boolean {
    try {
      return this.stages?.server?.targetDown?.(why) === true
    } catch (err) {
      this.stageFailed('server', err)
      return false
    }
  }

  /** True when a stage kept the chunk itself (a read's buffer must then be left to it). */
  private forward(dir: Direction, chunk: Buffer, to: Socket): boolean {
    if (this.stages !== undefined) {
      if (this.stages[dir] !== undefined) return this.toStage(dir, chunk)
      // The other direction's stage may have ended or stopped the connection (a forward
      // tunnel's absolute-form requests, a one-way toxic): nothing is written once it goes down.
      if (this.goingDown(to)) {
        this.rec.data(dir, chunk)
        return false
      }
    }
    const time = Date.now()
    const mono = this.rec.monoNow()
    // Nothing the write does reaches the capture before this chunk's record: the other
    // side's answer and any socket events come in later turns of the event loop.
    const flowing = to.write(chunk)
    this.rec.data(dir, chunk, time, mono)
    if (this.sniff !== null) this.sniffOpening(dir, chunk)
    if (!flowing) this.block(dir)
    return false
  }

  /** The connection's first bytes, looked at for a TLS hello passing through, from the first byte or after a STARTTLS (hello-sniff.ts). */
  private sniffOpening(dir: Direction, chunk: Buffer): void {
    if (this.sniff === undefined) this.sniff = HelloSniff.first(dir, chunk, this.rec) ?? null
    else if (this.sniff !== null && this.sniff.more(dir, chunk)) this.sniff = null
  }

  /** The receiver of what `dir` sends is full: `dir` is not read until it drains. */
  private block(dir: Direction): void {
    // A receiver reset on purpose (conn.shut) never drains: `dir` is read on, what it sends
    // recorded and dropped, so its own end can close the connection.
    if (this.held[dir] || (dir === 'client' ? this.upstream : this.client).destroyed) return
    this.held[dir] = true
    this.applyFlow(dir)
  }

  /**
   * Gives this connection its proxy's stages, if it has any now: at accept, and again
   * whenever a proxy that had none gets a breakpoint or a toxic, so a rule reaches the
   * connections already open. From then on each chunk is recorded as it was read and given
   * to its direction's stage, which sends what it will through the port.
   */
  attachStages(): void {
    if (this.stages !== undefined || this.end !== undefined || this.openSockets < 2) return
    const pair = this.ctx.stages?.(this.rec.id)
    if (pair === undefined) return
    this.stages = pair
    this.ports = { client: this.portFor('client', this.upstream), server: this.portFor('server', this.client) }
    for (const dir of DIRECTIONS) {
      try {
        this.stages[dir]?.open?.(this.ports[dir])
      } catch (err) {
        this.stageFailed(dir, err)
      }
    }
  }

  /**
   * A chunk for `dir`'s stage. A read buffer is reused by the next read, so a stage that may
   * keep the chunk gets a copy, unless it can say whether it kept it (holdsBytes) and the read
   * is large: then it gets the bytes in place, and true is returned when it kept them (the
   * buffer is then left to it). A small read is still copied: a client sending a head a byte
   * a read must not pin a whole buffer per byte.
   */
  private toStage(dir: Direction, chunk: Buffer): boolean {
    this.rec.data(dir, chunk)
    if (this.sniff !== null) this.sniffOpening(dir, chunk)
    const stage = this.stages![dir]!
    const inReadBuffer = chunk.buffer === this.readBuf[dir]?.buffer
    const inPlace = inReadBuffer && stage.holdsBytes !== undefined && chunk.length >= HAND_ON_BYTES
    const own = inReadBuffer && !inPlace ? Buffer.from(chunk) : chunk
    try {
      stage.data(own, this.ports![dir])
      return inPlace && stage.holdsBytes!()
    } catch (err) {
      this.stageFailed(dir, err)
      // It may have kept some before it threw.
      return inPlace
    }
  }

  /** What `dir`'s stage sends through: the socket `to` that receives what `dir` sends. */
  private portFor(dir: Direction, to: Socket): StagePort {
    return {
      send: (bytes) => {
        // Going down: what the stage still sends is dropped with it.
        if (this.goingDown(to)) return false
        const flowing = to.write(bytes)
        if (!flowing) this.block(dir)
        return flowing
      },
      end: () => {
        if (!to.destroyed && !to.writableEnded) to.end()
      },
      hold: (held) => {
        this.stageHeld ??= { client: false, server: false }
        this.stageHeld[dir] = held
        this.applyFlow(dir)
      },
      event: (kind, info) => this.rec.event(kind, dir, info),
      reset: (by) => {
        // tcpscope ended it on purpose: the stage's record says why, the end says who, and the
        // sides are those that got an RST (not an upstream that never connected or was gone, nor a Unix socket).
        this.end ??= 'tcpscope-reset'
        this.resetOnPurpose(by, this.resetBoth())
      },
      close: () => {
        for (const s of [this.client, this.upstream]) if (!s.destroyed) s.destroySoon()
      },
      refuse: () => {
        // The stage answering for a target that is down gave up: the connect's failure is the end, as without the stage.
        this.end ??= this.downEnd ?? 'connect-failed'
        this.resetBoth()
      },
      fail: (err) => this.stageFailed(dir, err)
    }
  }

  /** RST to both sides: the sides that got one. */
  private resetBoth(): Direction[] {
    const sides: Direction[] = []
    if (resetSocket(this.client)) sides.push('client')
    if (resetSocket(this.upstream)) sides.push('server')
    return sides
  }

  /** A reset, an error or a stop is under way, or `to` takes nothing more. */
  private goingDown(to: Socket): boolean {
    return this.end !== undefined || to.destroyed || to.writableEnded
  }

  /**
   * A stage threw (it may parse hostile bytes): nothing more can be forwarded truthfully in
   * that direction, so both sides are reset, and the capture says why.
   */
  private stageFailed(dir: Direction, err: unknown): void {
    this.rec.event('error', dir, stageFailure(dir, err))
    this.end ??= 'error'
    this.resetBoth()
  }

  /**
   * Lets `from` read into a buffer of its own instead of a new one per read (node-internals.ts
   * readInto), where the capture copies what it records. The buffer takes the next read
   * unless something kept these bytes: a write queued behind earlier writes or a connect, a
   * detailed listener, a write the kernel took only in part, or a stage that holds them. Then
   * a large read leaves its buffer to them and the socket reads into a fresh one, and a small
   * one is forwarded as a copy of just its bytes. Without a buffer to spare (or the internals) the socket emits
   * 'data' as usual.
   */
  private readDirect(dir: Direction, from: Socket, to: Socket): void {
    // A TLS socket's reads are decrypted in Node's TLS layer, not read from a TCP handle; a
    // socket already gone (a forward proxy's destination that is down) reads nothing.
    if (!this.rec.copiesChunks || (from as { encrypted?: boolean }).encrypted === true || from.destroyed) return
    const pool = this.ctx.readBuffers
    const buf = pool.take()
    if (buf === undefined) return
    const onRead = (n: number, b: Buffer): void => {
      const chunk = b.subarray(0, n)
      const kept = to.writableLength > 0 || to.connecting || !this.rec.chunksReusable
      // A few bytes are copied rather than pinning a whole buffer; a large read keeps its buffer.
      if (kept && n < HAND_ON_BYTES) return void this.forward(dir, Buffer.from(chunk), to)
      const staged = this.forward(dir, chunk, to)
      if (kept || staged || to.writableLength > 0) this.readBuf[dir] = pool.fresh()
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
    if (this.held[dir] || this.captureHeld || this.userHeld[dir] || (this.stageHeld !== undefined && this.stageHeld[dir])) s.pause()
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
    const stage = this.stages?.[dir]
    if (stage === undefined) {
      if (!to.destroyed && !to.writableEnded) to.end()
      return
    }
    try {
      stage.fin(this.ports![dir])
    } catch (err) {
      this.stageFailed(dir, err)
    }
  }

  private onError(side: Direction, err: NodeJS.ErrnoException & { tlsFailure?: unknown }): void {
    const other = side === 'client' ? this.upstream : this.client
    if (err.tlsFailure !== undefined) {
      // A TLS alert after the handshake (TLS 1.3's refused client certificate), recorded as
      // the leg's `tls` failure already: nothing went wrong at the TCP level, so both sides
      // close cleanly (FIN), as a failed handshake does.
      this.end ??= 'error'
      this.reader(side).destroy()
      if (!other.destroyed) other.end()
      return
    }
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
    clearTimeout(this.graceTimer)
    if (this.stages !== undefined) {
      for (const stage of [this.stages.client, this.stages.server]) {
        try {
          stage?.close?.()
        } catch {
          // Over either way: a stage that fails to let go costs nothing more than that.
        }
      }
    }
    this.rec.close(this.end ?? 'closed', this.end === 'tcpscope-reset' ? this.reset : undefined)
    this.ctx.done(this)
  }

  /** Whether this connection still carries bytes (a person's action has something to act on). */
  get live(): boolean {
    return this.end === undefined && this.openSockets === 2
  }

  /** A person stops (or resumes) reading what `dir` sends; the other direction flows on. */
  pause(dir: Direction, paused: boolean): void {
    if (this.userHeld[dir] === paused) return
    this.userHeld[dir] = paused
    this.applyFlow(dir)
    const way = dir === 'client' ? 'client → target' : 'target → client'
    this.rec.event('action', dir, { action: paused ? 'pause' : 'resume', message: `${paused ? 'paused' : 'resumed'} ${way}` })
  }

  /** Whether `side` can still be sent to: open, sent a FIN already, or closed (reset, or gone). */
  sendable(side: Direction): 'open' | 'fin-sent' | 'closed' {
    const socket = side === 'client' ? this.client : this.upstream
    return socket.destroyed ? 'closed' : socket.writableEnded ? 'fin-sent' : 'open'
  }

  /**
   * Writes bytes to `to` as if the other side had sent them, after what was already sent to
   * it. They are recorded as an action, not as data: the capture holds what each side sent.
   * A full receiver holds the side whose direction they joined, as its own bytes would.
   */
  inject(to: Direction, bytes: Buffer, info: Record<string, unknown>): void {
    const dir: Direction = to === 'client' ? 'server' : 'client'
    const socket = to === 'client' ? this.client : this.upstream
    this.rec.event('action', dir, info)
    if (!socket.write(bytes)) this.block(dir)
  }

  /**
   * Closes one side. A FIN is sent after what that side was sent, and what the other side
   * sends is no longer read (nothing could carry it); an RST goes now, and the other side
   * gets a FIN after what it was sent. What the other side still sends is read and recorded
   * (its answer in flight is worth seeing), for AFTER_RST_GRACE_MS at most: then it is reset
   * too, by the same action, unless it ended first.
   */
  shut(side: Direction, how: 'fin' | 'rst'): void {
    const socket = side === 'client' ? this.client : this.upstream
    const other = side === 'client' ? this.upstream : this.client
    const name = side === 'client' ? 'the client' : 'the target'
    const otherName = side === 'client' ? 'the target' : 'the client'
    const dir: Direction = side === 'client' ? 'server' : 'client'
    if (how === 'fin') {
      this.rec.event('action', dir, { action: 'fin', message: `FIN sent to ${name}` })
      this.userHeld[dir] = true
      this.applyFlow(dir)
      if (!socket.destroyed && !socket.writableEnded) socket.end()
      return
    }
    this.rec.event('action', dir, { action: 'rst', message: `RST sent to ${name}, FIN to ${otherName}` })
    this.end ??= 'tcpscope-reset'
    this.resetOnPurpose('action', resetSocket(socket) ? [side] : [])
    if (!other.destroyed && !other.writableEnded) other.end()
    clearTimeout(this.graceTimer)
    this.graceTimer = setTimeout(() => {
      if (other.destroyed) return
      // Toward the other side goes what `side` sends.
      this.rec.event('action', side, { action: 'rst', message: `RST sent to ${otherName}, ${AFTER_RST_GRACE_MS / 1000} s after the RST to ${name}` })
      this.resetOnPurpose('action', resetSocket(other) ? [side === 'client' ? 'server' : 'client'] : [])
    }, AFTER_RST_GRACE_MS)
    // The other side's socket keeps the process up while it is open; the grace alone must not hold an engine's exit.
    this.graceTimer.unref()
  }

  /**
   * tcpscope reset `sides` on purpose (those that got an RST): with end `tcpscope-reset` (set
   * by the caller before the reset, unless it was ending already), the record says what made it
   * and to whom. A second reset (a person's RST to the other side too) adds its side.
   */
  private resetOnPurpose(by: ResetCause, sides: readonly Direction[]): void {
    if (this.end !== 'tcpscope-reset') return
    this.reset ??= { by, rst: { client: false, server: false } }
    for (const side of sides) this.reset.rst[side] = true
  }

  /** Closes both sides now (the proxy is stopping). */
  kill(): void {
    this.end ??= 'stopped'
    this.client.destroy()
    this.upstream.destroy()
  }
}
