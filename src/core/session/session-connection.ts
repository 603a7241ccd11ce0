// One live connection of an ad-hoc session (a client of a server session, or a client
// session's socket): what you can do by hand on it (send, FIN, RST, resume, interval
// sends, wait for a reply), with every byte and event recorded in the capture.

import type { Socket } from 'node:net'
import type { ConnectionEnd, Direction } from '../../shared/capture-types'
import type { ExpectResult, IntervalSend } from '../../shared/session-types'
import type { LiveCapture } from '../capture/write/live-capture'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { buildPayload } from '../payload/build-payload'
import { decodeText, type DecodeEncoding } from '../payload/decode-text'
import { ERROR_CODES } from '../../shared/errors'
import { UserError, cancelled, errorInfo } from '../net/net-errors'
import { confirmFin } from '../net/target/node-internals'
import { drainedOrClosed, isResetError, resetSocket } from '../net/sockets'
import { compileUserRegex, type UserRegex } from '../regex/user-regex'

/** Most bytes a reply matcher looks back over. */
const EXPECT_WINDOW = 1024 * 1024

interface Waiter {
  regex: UserRegex
  encoding: DecodeEncoding
  parts: Buffer[]
  bytes: number
  /** False while the bytes from before the call are still being read from the capture. */
  ready: boolean
  /**
   * A match run waiting for this turn's reads to end: chunks that arrive together are matched
   * once, not once each (each run scans up to EXPECT_WINDOW bytes).
   */
  pending: NodeJS.Immediate | undefined
  resolve: (r: ExpectResult) => void
}

export interface SessionConnectionHooks {
  /** Bytes the peer sent (after they are recorded). */
  onData?(conn: SessionConnection, chunk: Buffer): void
  onPeerFin?(conn: SessionConnection): void
  onClosed?(conn: SessionConnection): void
  /** A connection held on connect was resumed (its session's `paused` list changed). */
  onResumed?(conn: SessionConnection): void
  /** An interval send started or stopped (by hand, by its count, or because the connection closed). */
  onIntervalChanged?(conn: SessionConnection): void
  /** Something the user should know that is no error (interval sends skipped). */
  warn?(message: string): void
}

/**
 * Who runs an interval send: the user on this one connection (`conn.interval`, the
 * composer), or the session's own settings (a server's behaviour, a client's connect
 * options). Each stops only its own.
 */
export type IntervalOwner = 'hand' | 'session'

/** Why reading from the peer is held, besides the user's own pause. */
type Hold = 'capture' | 'replies'

export class SessionConnection {
  /** Who we are in this connection's directions; the peer is the other one. */
  readonly peer: Direction
  private end: ConnectionEnd | undefined
  private readonly intervals = new Map<IntervalOwner, NodeJS.Timeout>()
  private waiters = new Set<Waiter>()
  private closedFlag = false
  private peerEnded = false
  /** Sends by hand, in order, each written once the peer has read what went before. */
  private sendChain: Promise<unknown> = Promise.resolve()
  private waitingSends = 0
  private readonly holds = new Set<Hold>()
  paused: boolean

  constructor(
    readonly socket: Socket,
    readonly rec: RecordedConnection,
    private readonly capture: LiveCapture,
    readonly local: Direction,
    private readonly hooks: SessionConnectionHooks,
    opts: { paused?: boolean; idleTimeoutMs?: number } = {}
  ) {
    this.peer = local === 'server' ? 'client' : 'server'
    this.paused = opts.paused ?? false
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () =>
      // A reset that came with the last data reads as an end: see confirmFin.
      confirmFin(socket, () => {
        rec.event('fin', this.peer)
        // After the peer's FIN nothing more can arrive, so a reply not yet matched never will be.
        this.peerEnded = true
        this.failWaiters()
        hooks.onPeerFin?.(this)
      })
    )
    // 'finish' fires once our FIN is sent, whether we ended by hand or Node ended for us.
    socket.on('finish', () => rec.event('fin', this.local))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (isResetError(err)) {
        rec.event('reset', this.peer, errorInfo(err))
        this.end ??= this.peer === 'client' ? 'client-reset' : 'server-reset'
      } else {
        rec.event('error', this.peer, errorInfo(err))
        this.end ??= 'error'
      }
      // A TLS error after the handshake (an alert) leaves a TLSSocket open, unlike a TCP error: the connection is over all the same.
      if (!socket.destroyed) socket.destroy()
    })
    if (opts.idleTimeoutMs !== undefined) {
      const ms = opts.idleTimeoutMs
      socket.setTimeout(ms, () => {
        rec.event('timeout', undefined, { ms, what: 'idle' })
        socket.end()
        // A peer that ignores our FIN is closed for good after another idle period.
        setTimeout(() => socket.destroy(), ms).unref()
      })
    }
    socket.on('close', () => {
      this.closedFlag = true
      this.stopInterval('hand')
      this.stopInterval('session')
      this.failWaiters()
      rec.close(this.end ?? 'closed')
      hooks.onClosed?.(this)
    })
  }

  get id(): number {
    return this.rec.id
  }
  get closed(): boolean {
    return this.closedFlag
  }
  /**
   * Whether a send may go now: not closed, not destroyed (a socket is destroyed before its
   * 'close' comes, and a send then throws) and no FIN sent. Timers and replies check it.
   */
  get canSend(): boolean {
    return !this.closedFlag && !this.socket.destroyed && !this.socket.writableEnded
  }

  private onData(chunk: Buffer): void {
    this.rec.data(this.peer, chunk)
    for (const w of this.waiters) this.feed(w, chunk)
    this.hooks.onData?.(this, chunk)
  }

  private writable(): void {
    if (this.closedFlag || this.socket.destroyed) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    if (this.socket.writableEnded) throw new UserError(`connection #${this.id}: you already sent FIN, so nothing more can be sent`, ERROR_CODES.ESTATE)
  }

  /**
   * True while what we sent is not yet taken by the peer: the socket's buffer is over its
   * high-water mark and 'drain' has not come. Whatever writes checks this first, so a peer
   * that never reads holds at most one more write's bytes in our memory.
   */
  get congested(): boolean {
    return this.socket.writableNeedDrain
  }

  /** Resolves once the peer has taken what we sent (at once if it has), or the connection closed. */
  drained(): Promise<void> {
    if (!this.congested || this.closedFlag) return Promise.resolve()
    return drainedOrClosed(this.socket)
  }

  /** Writes bytes now (recorded as sent by us); callers check `congested` first. */
  sendBytes(bytes: Buffer): number {
    this.writable()
    this.rec.data(this.local, bytes)
    this.socket.write(bytes)
    return bytes.length
  }

  /**
   * Sends bytes by hand (conn.send, sequences): after the sends before it, once the peer has
   * taken what went before. A send to a peer that does not read waits until it does, or
   * fails when the connection closes; it never piles up in memory.
   */
  send(bytes: Buffer): Promise<number> {
    this.writable()
    this.waitingSends++
    const sent = this.sendChain
      .then(async () => {
        await this.drained()
        return this.sendBytes(bytes)
      })
      .finally(() => this.waitingSends--)
    this.sendChain = sent.catch(() => undefined)
    return sent
  }

  /** FIN: we send nothing more, but keep reading. Sends still waiting go first. */
  endOutput(): void {
    if (this.closedFlag) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    if (this.waitingSends === 0) this.socket.end()
    else this.sendChain = this.sendChain.then(() => this.socket.end()).catch(() => undefined)
  }

  /** Holds reading from the peer (or lets it go) for a reason of the engine's own. */
  hold(reason: Hold, on: boolean): void {
    if (on === this.holds.has(reason)) return
    if (on) this.holds.add(reason)
    else this.holds.delete(reason)
    this.applyFlow()
  }

  /** RST; `why` says who made it (a person, or a rules session's rule). */
  reset(why = 'reset by hand'): void {
    if (this.closedFlag) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    this.rec.event('reset', this.local, { code: 'RESET', message: why })
    this.end ??= this.local === 'client' ? 'client-reset' : 'server-reset'
    resetSocket(this.socket)
  }

  /** A rules session's stage failed (`info`, code ESTAGE): RST, ending as the `error` it is, as a proxy's stage that throws does. */
  fail(info: { code: string; message: string }): void {
    if (this.closedFlag) return
    this.rec.event('error', this.local, info)
    this.end ??= 'error'
    resetSocket(this.socket)
  }

  /** Closed by its session (stopped with its clients): tcpscope ended it, not the user. */
  destroy(): void {
    if (this.closedFlag) return
    this.end ??= 'stopped'
    this.socket.destroy()
  }

  /**
   * Closed by hand (the composer's Close): recorded as what it does, our FIN unless one was
   * sent already, then the close. While reading is held, bytes left unread make the kernel
   * send an RST instead of that FIN, so no FIN is recorded then.
   */
  close(): void {
    if (this.closedFlag) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    if (!this.socket.writableEnded && !this.paused && this.holds.size === 0) this.rec.event('fin', this.local, { by: 'close' })
    this.end ??= 'closed'
    this.socket.destroy()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.applyFlow()
    this.hooks.onResumed?.(this)
  }

  /** Reading pauses while the capture writer catches up, as a proxy's does. */
  setCaptureHeld(held: boolean): void {
    this.hold('capture', held)
  }

  private applyFlow(): void {
    if (this.paused || this.holds.size > 0) this.socket.pause()
    else this.socket.resume()
  }

  /**
   * Sends `spec` every `everyMs` (at most `count` times); replaces `owner`'s running interval.
   * A tick while the peer has not taken the last send is skipped, not queued: a peer that
   * never reads would otherwise grow our memory by one payload per tick. The first skip and
   * the recovery are each said once (a warning), with the number skipped.
   */
  async startInterval(send: IntervalSend, owner: IntervalOwner = 'hand'): Promise<void> {
    const bytes = await buildPayload(send.payload)
    this.writable()
    this.stopInterval(owner, false)
    let left = send.count ?? Infinity
    let skipped = 0
    const tick = (): void => {
      if (!this.canSend) return this.stopInterval(owner)
      if (this.congested) {
        if (skipped++ === 0) this.hooks.warn?.(`interval send to #${this.id} skipped: the peer is not reading what was sent; sends resume when it does`)
        return
      }
      if (skipped > 0) this.hooks.warn?.(`interval sends to #${this.id} resumed: the peer read again after ${skipped} skipped ${skipped === 1 ? 'send' : 'sends'}`)
      skipped = 0
      this.sendBytes(bytes)
      if (--left <= 0) this.stopInterval(owner)
    }
    this.intervals.set(owner, setInterval(tick, send.everyMs))
    this.hooks.onIntervalChanged?.(this)
  }

  stopInterval(owner: IntervalOwner = 'hand', announce = true): void {
    const timer = this.intervals.get(owner)
    if (timer === undefined) return
    clearInterval(timer)
    this.intervals.delete(owner)
    if (announce) this.hooks.onIntervalChanged?.(this)
  }

  /** Whether an interval send started by hand is running. */
  get sendingByHand(): boolean {
    return this.intervals.has('hand')
  }

  /** Waits until what the peer sent (from `fromOffset` on) matches `pattern`, or times out. */
  async expect(pattern: string, timeoutMs: number, encoding: DecodeEncoding = 'utf8', fromOffset?: number, signal?: AbortSignal): Promise<ExpectResult> {
    if (signal?.aborted) throw cancelled()
    const regex = compileUserRegex(pattern)
    const received = this.rec.bytes(this.peer)
    const start = Math.max(fromOffset ?? received, received - EXPECT_WINDOW, 0)
    const waiter: Waiter = { regex, encoding, parts: [], bytes: 0, ready: false, pending: undefined, resolve: () => {} }
    const result = new Promise<ExpectResult>((resolve) => (waiter.resolve = resolve))
    // Register before reading the past, so nothing arriving meanwhile is missed.
    this.waiters.add(waiter)
    if (start < received) {
      const past = await this.capture.readBytes(this.id, this.peer, start, received - start)
      waiter.parts.unshift(past)
      waiter.bytes += past.length
    }
    waiter.ready = true
    this.match(waiter)
    if (this.closedFlag || this.peerEnded) waiter.resolve({ matched: false })
    const timer = setTimeout(() => waiter.resolve({ matched: false }), timeoutMs)
    let onAbort: (() => void) | undefined
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(cancelled())
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      return await Promise.race([result, aborted])
    } finally {
      clearTimeout(timer)
      clearImmediate(waiter.pending)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      this.waiters.delete(waiter)
    }
  }

  /** Resolves unmatched every waiter that has seen all there is (the rest check when ready). */
  private failWaiters(): void {
    for (const w of this.waiters) {
      if (!w.ready) continue
      // The last bytes before a FIN still count.
      if (w.pending) this.match(w)
      w.resolve({ matched: false })
    }
  }

  private feed(w: Waiter, chunk: Buffer): void {
    w.parts.push(chunk)
    w.bytes += chunk.length
    // Trimmed when twice over, so a stream of small chunks is not copied once per chunk.
    if (w.bytes > 2 * EXPECT_WINDOW) {
      const all = Buffer.concat(w.parts)
      w.parts = [all.subarray(all.length - EXPECT_WINDOW)]
      w.bytes = EXPECT_WINDOW
    }
    if (w.ready) w.pending ??= setImmediate(() => this.match(w))
  }

  private match(w: Waiter): void {
    clearImmediate(w.pending)
    w.pending = undefined
    const all = Buffer.concat(w.parts)
    const m = w.regex.first(decodeText(all.subarray(Math.max(0, all.length - EXPECT_WINDOW)), w.encoding))
    if (m) w.resolve({ matched: true, match: m.text, groups: m.groups })
  }
}
