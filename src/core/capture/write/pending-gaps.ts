// Runs of data chunks dropped while the capture writer was behind (`--when-disk-is-slow
// drop`), per connection and direction, until their gap records are written: before the
// connection's next record, or when the capture closes.

import type { Direction, GapInfo } from '../../../shared/capture-types'

/** A run of one direction's dropped chunks, and the seq, time and monotonic time of its first. */
export interface PendingGap extends GapInfo {
  seq: number
  time: number
  mono: number
}

export class PendingGaps<C> {
  /** Connections with chunks dropped and no gap record written yet (few, and only while dropping or just after). */
  private readonly byConn = new Map<C, Partial<Record<Direction, PendingGap>>>()

  get size(): number {
    return this.byConn.size
  }

  /**
   * A dropped chunk of `length` bytes that began at stream offset `offset`: it starts its
   * direction's run, or joins the run already pending. Returns whether `seq` was used (by a
   * new run, whose record takes it).
   */
  add(conn: C, dir: Direction, offset: number, length: number, seq: number, time: number, mono: number): boolean {
    let pending = this.byConn.get(conn)
    if (pending === undefined) this.byConn.set(conn, (pending = {}))
    const known = pending[dir]
    if (known !== undefined) {
      known.bytes += length
      return false
    }
    pending[dir] = { offset, bytes: length, seq, time, mono }
    return true
  }

  /** A connection's pending runs, in the order their first chunks came; none are pending after. */
  take(conn: C): { dir: Direction; gap: PendingGap }[] {
    const pending = this.byConn.get(conn)
    if (pending === undefined) return []
    this.byConn.delete(conn)
    const gaps = (['client', 'server'] as const).flatMap((dir) => (pending[dir] === undefined ? [] : [{ dir, gap: pending[dir] }]))
    return gaps.sort((a, b) => a.gap.seq - b.gap.seq)
  }

  /** Every connection with runs pending. */
  connections(): C[] {
    return [...this.byConn.keys()]
  }
}
