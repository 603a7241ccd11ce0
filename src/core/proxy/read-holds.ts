// Whether a proxied connection (proxy-connection.ts) reads what each side sends. Four things
// may hold a direction, each on its own: the receiver's full buffer (a slow side pauses the
// other, as pipe() would), a capture writer that fell behind, a person's pause, and a stage
// that keeps bytes. The sender is read only while none of them holds it, so one letting go
// never resumes a direction another still holds.

import type { Socket } from 'node:net'
import type { Direction } from '../../shared/capture-types'

export class ReadHolds {
  /** `held[dir]`: reading what `dir` sends is paused because the other side's buffer is full. */
  private readonly held: Record<Direction, boolean> = { client: false, server: false }
  /** `userHeld[dir]`: a person paused reading what `dir` sends (conn.pause). */
  private readonly userHeld: Record<Direction, boolean> = { client: false, server: false }
  /** `stageHeld[dir]`: `dir`'s stage asked for its sender to be held; made by the first ask. */
  private stageHeld: Record<Direction, boolean> | undefined

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private captureHeld: boolean
  ) {}

  /** The receiver of what `dir` sends is full: `dir` is not read until it drains. */
  block(dir: Direction): void {
    // A receiver reset on purpose (conn.shut) never drains: `dir` is read on, what it sends
    // recorded and dropped, so its own end can close the connection.
    if (this.held[dir] || (dir === 'client' ? this.upstream : this.client).destroyed) return
    this.held[dir] = true
    this.applyFlow(dir)
  }

  release(dir: Direction): void {
    if (!this.held[dir]) return
    this.held[dir] = false
    this.applyFlow(dir)
  }

  /** The socket that reads what `dir` sends. */
  reader(dir: Direction): Socket {
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

  /** Whether a person paused reading what `dir` sends. */
  userHolds(dir: Direction): boolean {
    return this.userHeld[dir]
  }

  /** A person's pause (or resume) of reading what `dir` sends. */
  holdForUser(dir: Direction, held: boolean): void {
    this.userHeld[dir] = held
    this.applyFlow(dir)
  }

  /** `dir`'s stage asks for its sender to be held (or let go). */
  holdForStage(dir: Direction, held: boolean): void {
    this.stageHeld ??= { client: false, server: false }
    this.stageHeld[dir] = held
    this.applyFlow(dir)
  }
}
