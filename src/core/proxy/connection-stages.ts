// A proxied connection's stages (forward-stage.ts), one a direction, and the ports they send
// through (proxy-connection.ts makes those). A stage may parse hostile bytes: every call into
// one is guarded here, and a throw goes to `failed`, where the connection resets both sides,
// since nothing more can be forwarded truthfully in that direction.

import { DIRECTIONS, type Direction } from '../../shared/capture-types'
import { HAND_ON_BYTES } from './direct-reads'
import type { StagePair, StagePort } from './forward-stage'

export class ConnectionStages {
  constructor(
    private readonly pair: StagePair,
    private readonly ports: Record<Direction, StagePort>,
    private readonly failed: (dir: Direction, err: unknown) => void
  ) {}

  /** Whether `dir` passes through a stage (a direction without one passes bytes as they came). */
  has(dir: Direction): boolean {
    return this.pair[dir] !== undefined
  }

  /** The connection starts (or its proxy just got stages): each stage is given its port. */
  open(): void {
    for (const dir of DIRECTIONS) {
      try {
        this.pair[dir]?.open?.(this.ports[dir])
      } catch (err) {
        this.failed(dir, err)
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
  data(dir: Direction, chunk: Buffer, inReadBuffer: boolean): boolean {
    const stage = this.pair[dir]!
    const inPlace = inReadBuffer && stage.holdsBytes !== undefined && chunk.length >= HAND_ON_BYTES
    const own = inReadBuffer && !inPlace ? Buffer.from(chunk) : chunk
    try {
      stage.data(own, this.ports[dir])
      return inPlace && stage.holdsBytes!()
    } catch (err) {
      this.failed(dir, err)
      // It may have kept some before it threw.
      return inPlace
    }
  }

  /** `dir`'s sender sent its FIN: its stage passes it on once it has sent what it holds. */
  fin(dir: Direction): void {
    try {
      this.pair[dir]!.fin(this.ports[dir])
    } catch (err) {
      this.failed(dir, err)
    }
  }

  /** Whether the target direction's stage takes over answering the client now that the target cannot be reached. */
  targetDown(why: string): boolean {
    try {
      return this.pair.server?.targetDown?.(why) === true
    } catch (err) {
      this.failed('server', err)
      return false
    }
  }

  /** Both sockets closed: the stages drop what they hold and clear their timers. */
  close(): void {
    for (const stage of [this.pair.client, this.pair.server]) {
      try {
        stage?.close?.()
      } catch {
        // Over either way: a stage that fails to let go costs nothing more than that.
      }
    }
  }
}
