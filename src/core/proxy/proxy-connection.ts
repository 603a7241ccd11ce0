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
// fast path's own read buffers are for TCP sockets only. Beside this file: what holds a
// side's reading (read-holds.ts), the reused read buffers (direct-reads.ts), the guarded
// calls into the stages (connection-stages.ts) and what a person's actions do (person-actions.ts).

import type { Socket } from 'node:net'
import type { ConnectionEnd, Direction, ResetCause, TcpscopeReset } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { errorInfo } from '../net/net-errors'
import type { LiveSetMember } from '../net/live-set'
import type { ConnectFailure, DialHandler, Target } from '../net/target/connect-target'
import { confirmFin } from '../net/target/node-internals'
import type { ReadBuffers } from '../net/read-buffers'
import { isResetError, resetSocket, resetWhenFlushed } from '../net/sockets'
import { ConnectionStages } from './connection-stages'
import { DirectReads } from './direct-reads'
import { stageFailure, type ForwardStages, type StagePort } from './forward-stage'
import { HelloSniff } from './hello-sniff'
import { PersonActions } from './person-actions'
import { ReadHolds } from './read-holds'

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

export class ProxyConnection implements DialHandler, LiveSetMember {
  liveSlot = -1
  private readonly upstream: Socket
  private readonly holds: ReadHolds
  private readonly reads: DirectReads
  private readonly actions: PersonActions
  private end: ConnectionEnd | undefined
  /** With end `tcpscope-reset`: what made tcpscope reset it, and to whom. */
  private reset: TcpscopeReset | undefined
  /** The connect's failure (its end), once a stage took over answering for a target that is down: the end if that stage gives up after all. */
  private downEnd: ConnectionEnd | undefined
  private openSockets = 2
  /** This connection's stages (forward-stage.ts) and their ports, once its proxy has any (at accept, or later). */
  private stages: ConnectionStages | undefined
  /** The look at the first bytes for a TLS hello (maybe after a STARTTLS opening): undefined before it, null once over (or never to be had). */
  private sniff: HelloSniff | null | undefined

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
    if (ctx.sniffHellos !== true) this.sniff = null
    client.setNoDelay(ctx.noDelay)
    this.upstream = upstream ?? ctx.target.dial(rec, this)
    const up = this.upstream
    this.holds = new ReadHolds(client, up, captureHeld)
    this.reads = new DirectReads(rec, ctx.readBuffers)
    this.actions = new PersonActions(client, up, rec, this.holds, {
      endByReset: () => {
        this.end ??= 'tcpscope-reset'
      },
      resetOnPurpose: (by, sides) => this.resetOnPurpose(by, sides)
    })
    client.on('error', (err: NodeJS.ErrnoException) => this.onError('client', err))
    const forward = (dir: Direction, chunk: Buffer, to: Socket): boolean => this.forward(dir, chunk, to)
    this.reads.readDirect('client', client, up, forward)
    this.reads.readDirect('server', up, client, forward)
    client.on('data', (chunk: Buffer) => this.forward('client', chunk, up))
    up.on('data', (chunk: Buffer) => this.forward('server', chunk, client))
    client.on('end', () => confirmFin(client, () => this.onFin('client', up)))
    up.on('end', () => confirmFin(up, () => this.onFin('server', client)))
    this.attachStages()
    up.on('drain', () => this.holds.release('client'))
    client.on('drain', () => this.holds.release('server'))
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
    if (failure.tls === undefined && this.stages?.targetDown(failure.message) === true) {
      this.downEnd = failure.end
      return this.holds.release('client')
    }
    this.end ??= failure.end
    if (failure.tls === undefined) return void resetSocket(this.client)
    this.client.destroySoon()
  }

  /** True when a stage kept the chunk itself (a read's buffer must then be left to it). */
  private forward(dir: Direction, chunk: Buffer, to: Socket): boolean {
    if (this.stages !== undefined) {
      if (this.stages.has(dir)) return this.toStage(dir, chunk)
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
    if (!flowing) this.holds.block(dir)
    return false
  }

  /** The connection's first bytes, looked at for a TLS hello passing through, from the first byte or after a STARTTLS (hello-sniff.ts). */
  private sniffOpening(dir: Direction, chunk: Buffer): void {
    if (this.sniff === undefined) this.sniff = HelloSniff.first(dir, chunk, this.rec) ?? null
    else if (this.sniff !== null && this.sniff.more(dir, chunk)) this.sniff = null
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
    const ports = { client: this.portFor('client', this.upstream), server: this.portFor('server', this.client) }
    this.stages = new ConnectionStages(pair, ports, (dir, err) => this.stageFailed(dir, err))
    this.stages.open()
  }

  /** A chunk for `dir`'s stage, recorded as it was read (connection-stages.ts data: true when the stage kept a read's buffer). */
  private toStage(dir: Direction, chunk: Buffer): boolean {
    this.rec.data(dir, chunk)
    if (this.sniff !== null) this.sniffOpening(dir, chunk)
    return this.stages!.data(dir, chunk, this.reads.inReadBuffer(dir, chunk))
  }

  /** What `dir`'s stage sends through: the socket `to` that receives what `dir` sends. */
  private portFor(dir: Direction, to: Socket): StagePort {
    return {
      send: (bytes) => {
        // Going down: what the stage still sends is dropped with it.
        if (this.goingDown(to)) return false
        const flowing = to.write(bytes)
        if (!flowing) this.holds.block(dir)
        return flowing
      },
      end: () => {
        if (!to.destroyed && !to.writableEnded) to.end()
      },
      hold: (held) => this.holds.holdForStage(dir, held),
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

  setCaptureHeld(held: boolean): void {
    this.holds.setCaptureHeld(held)
  }

  private onFin(dir: Direction, to: Socket): void {
    this.rec.event('fin', dir)
    if (this.stages?.has(dir) !== true) {
      if (!to.destroyed && !to.writableEnded) to.end()
      return
    }
    this.stages.fin(dir)
  }

  private onError(side: Direction, err: NodeJS.ErrnoException & { tlsFailure?: unknown }): void {
    const other = side === 'client' ? this.upstream : this.client
    if (err.tlsFailure !== undefined) {
      // A TLS alert after the handshake (TLS 1.3's refused client certificate), recorded as
      // the leg's `tls` failure already: nothing went wrong at the TCP level, so both sides
      // close cleanly (FIN), as a failed handshake does.
      this.end ??= 'error'
      this.holds.reader(side).destroy()
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
    this.reads.giveBack()
    this.actions.over()
    this.stages?.close()
    this.rec.close(this.end ?? 'closed', this.end === 'tcpscope-reset' ? this.reset : undefined)
    this.ctx.done(this)
  }

  /** Whether this connection still carries bytes (a person's action has something to act on). */
  get live(): boolean {
    return this.end === undefined && this.openSockets === 2
  }

  /** A person's actions (conn-action-commands.ts), done by person-actions.ts. */
  pause(dir: Direction, paused: boolean): void {
    this.actions.pause(dir, paused)
  }

  sendable(side: Direction): 'open' | 'fin-sent' | 'closed' {
    return this.actions.sendable(side)
  }

  inject(to: Direction, bytes: Buffer, info: Record<string, unknown>): void {
    this.actions.inject(to, bytes, info)
  }

  shut(side: Direction, how: 'fin' | 'rst'): void {
    this.actions.shut(side, how)
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
