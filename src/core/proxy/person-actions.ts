// What a person's one-click actions (conn-action-commands.ts) do to the sockets of a live
// proxied connection (proxy-connection.ts): stop reading one side, write bytes to one as if
// the other had sent them, FIN or RST one side. Each is recorded as an `action` on the
// connection, not as data: the capture holds what each side sent.

import type { Socket } from 'node:net'
import type { Direction, ResetCause } from '../../shared/capture-types'
import type { RecordedConnection } from '../capture/write/recorded-connection'
import { resetSocket } from '../net/sockets'
import type { ReadHolds } from './read-holds'

/**
 * After a person's RST to one side, how long the other side may still send (read and
 * recorded, with nowhere to go) before it is reset too: long enough for an answer already
 * on its way, short enough that a peer that never stops cannot grow the capture without bound.
 */
export const AFTER_RST_GRACE_MS = 5000

/** How a person's RST ends its connection (proxy-connection.ts keeps the end and what made it). */
export interface ResetEnds {
  /** The connection ends as tcpscope's reset, unless it was ending already. */
  endByReset(): void
  /** tcpscope reset `sides` on purpose (those that got an RST). */
  resetOnPurpose(by: ResetCause, sides: readonly Direction[]): void
}

export class PersonActions {
  /** After a person's RST to one side: when the other side is reset too (AFTER_RST_GRACE_MS). */
  private graceTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly rec: RecordedConnection,
    private readonly holds: ReadHolds,
    private readonly ends: ResetEnds
  ) {}

  /** A person stops (or resumes) reading what `dir` sends; the other direction flows on. */
  pause(dir: Direction, paused: boolean): void {
    if (this.holds.userHolds(dir) === paused) return
    this.holds.holdForUser(dir, paused)
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
    if (!socket.write(bytes)) this.holds.block(dir)
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
      this.holds.holdForUser(dir, true)
      if (!socket.destroyed && !socket.writableEnded) socket.end()
      return
    }
    this.rec.event('action', dir, { action: 'rst', message: `RST sent to ${name}, FIN to ${otherName}` })
    this.ends.endByReset()
    this.ends.resetOnPurpose('action', resetSocket(socket) ? [side] : [])
    if (!other.destroyed && !other.writableEnded) other.end()
    clearTimeout(this.graceTimer)
    this.graceTimer = setTimeout(() => {
      if (other.destroyed) return
      // Toward the other side goes what `side` sends.
      this.rec.event('action', side, { action: 'rst', message: `RST sent to ${otherName}, ${AFTER_RST_GRACE_MS / 1000} s after the RST to ${name}` })
      this.ends.resetOnPurpose('action', resetSocket(other) ? [side === 'client' ? 'server' : 'client'] : [])
    }, AFTER_RST_GRACE_MS)
    // The other side's socket keeps the process up while it is open; the grace alone must not hold an engine's exit.
    this.graceTimer.unref()
  }

  /** Both sockets closed: a grace still running has nothing left to reset. */
  over(): void {
    clearTimeout(this.graceTimer)
  }
}
