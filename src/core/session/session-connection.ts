// One live connection of an ad-hoc session (a client of a server session, or a client
// session's socket): what you can do by hand on it (send, FIN, RST, resume, interval
// sends, wait for a reply), with every byte and event recorded in the capture.

import type { Socket } from 'node:net'
import type { ConnectionEnd, Direction } from '../../shared/capture-types'
import type { ExpectResult, IntervalSend } from '../../shared/session-types'
import type { LiveCapture, RecordedConnection } from '../capture/live-capture'
import { buildPayload } from '../payload/build-payload'
import { decodeText, type DecodeEncoding } from '../payload/decode-text'
import { ERROR_CODES } from '../../shared/errors'
import { UserError, errorInfo } from '../net/net-errors'

export const cancelled = (): UserError => new UserError('cancelled', ERROR_CODES.ECANCELED)
import { confirmFin } from '../net/node-internals'
import { isResetError, resetSocket } from '../net/sockets'

/** Most bytes a reply matcher looks back over. */
const EXPECT_WINDOW = 1024 * 1024

interface Waiter {
  regex: RegExp
  encoding: DecodeEncoding
  parts: Buffer[]
  bytes: number
  /** False while the bytes from before the call are still being read from the capture. */
  ready: boolean
  resolve: (r: ExpectResult) => void
}

export interface SessionConnectionHooks {
  /** Bytes the peer sent (after they are recorded). */
  onData?(conn: SessionConnection, chunk: Buffer): void
  onPeerFin?(conn: SessionConnection): void
  onClosed?(conn: SessionConnection): void
  /** A connection held on connect was resumed (its session's `paused` list changed). */
  onResumed?(conn: SessionConnection): void
}

export class SessionConnection {
  /** Who we are in this connection's directions; the peer is the other one. */
  readonly peer: Direction
  private end: ConnectionEnd | undefined
  private interval: NodeJS.Timeout | undefined
  private waiters = new Set<Waiter>()
  private closedFlag = false
  private peerEnded = false
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
      this.stopInterval()
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

  private onData(chunk: Buffer): void {
    this.rec.data(this.peer, chunk)
    for (const w of this.waiters) this.feed(w, chunk)
    this.hooks.onData?.(this, chunk)
  }

  private writable(): void {
    if (this.closedFlag || this.socket.destroyed) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    if (this.socket.writableEnded) throw new UserError(`connection #${this.id}: you already sent FIN, so nothing more can be sent`, ERROR_CODES.ESTATE)
  }

  /** Sends bytes now (recorded as sent by us). */
  sendBytes(bytes: Buffer): number {
    this.writable()
    this.rec.data(this.local, bytes)
    this.socket.write(bytes)
    return bytes.length
  }

  /** FIN: we send nothing more, but keep reading. */
  endOutput(): void {
    if (this.closedFlag) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    this.socket.end()
  }

  /** RST. */
  reset(): void {
    if (this.closedFlag) throw new UserError(`connection #${this.id} is closed`, ERROR_CODES.ESTATE)
    this.rec.event('reset', this.local, { code: 'RESET', message: 'reset by hand' })
    this.end ??= this.local === 'client' ? 'client-reset' : 'server-reset'
    resetSocket(this.socket)
  }

  destroy(): void {
    if (this.closedFlag) return
    this.end ??= 'stopped'
    this.socket.destroy()
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.applyFlow()
    this.hooks.onResumed?.(this)
  }

  private captureHeld = false

  /** Reading pauses while the capture writer catches up, as a proxy's does. */
  setCaptureHeld(held: boolean): void {
    if (held === this.captureHeld) return
    this.captureHeld = held
    this.applyFlow()
  }

  private applyFlow(): void {
    if (this.paused || this.captureHeld) this.socket.pause()
    else this.socket.resume()
  }

  /** Sends `spec` every `everyMs` (at most `count` times); replaces any running interval. */
  async startInterval(send: IntervalSend): Promise<void> {
    const bytes = await buildPayload(send.payload)
    this.writable()
    this.stopInterval()
    let left = send.count ?? Infinity
    const tick = (): void => {
      if (this.closedFlag || this.socket.writableEnded) return this.stopInterval()
      this.sendBytes(bytes)
      if (--left <= 0) this.stopInterval()
    }
    this.interval = setInterval(tick, send.everyMs)
  }

  stopInterval(): void {
    if (this.interval !== undefined) clearInterval(this.interval)
    this.interval = undefined
  }

  /** Waits until what the peer sent (from `fromOffset` on) matches `pattern`, or times out. */
  async expect(pattern: string, timeoutMs: number, encoding: DecodeEncoding = 'utf8', fromOffset?: number, signal?: AbortSignal): Promise<ExpectResult> {
    if (signal?.aborted) throw cancelled()
    let regex: RegExp
    try {
      regex = new RegExp(pattern)
    } catch (err) {
      throw new UserError(`bad regular expression /${pattern}/: ${(err as Error).message}`)
    }
    const received = this.rec.bytes(this.peer)
    const start = Math.max(fromOffset ?? received, received - EXPECT_WINDOW, 0)
    const waiter: Waiter = { regex, encoding, parts: [], bytes: 0, ready: false, resolve: () => {} }
    const result = new Promise<ExpectResult>((resolve) => (waiter.resolve = resolve))
    // Register before reading the past, so nothing arriving meanwhile is missed.
    this.waiters.add(waiter)
    if (start < received) {
      const past = await this.capture.readBytes(this.id, this.peer, start, received - start)
      waiter.parts.unshift(past)
      waiter.bytes += past.length
    }
    waiter.ready = true
    this.feed(waiter)
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
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      this.waiters.delete(waiter)
    }
  }

  /** Resolves unmatched every waiter that has seen all there is (the rest check when ready). */
  private failWaiters(): void {
    for (const w of this.waiters) if (w.ready) w.resolve({ matched: false })
  }

  private feed(w: Waiter, chunk?: Buffer): void {
    if (chunk) {
      w.parts.push(chunk)
      w.bytes += chunk.length
    }
    if (w.bytes > EXPECT_WINDOW) {
      const all = Buffer.concat(w.parts)
      w.parts = [all.subarray(all.length - EXPECT_WINDOW)]
      w.bytes = EXPECT_WINDOW
    }
    const m = w.regex.exec(decodeText(Buffer.concat(w.parts), w.encoding))
    if (m) w.resolve({ matched: true, match: m[0], groups: m.slice(1).map((g) => g ?? '') })
  }
}
