// The server's answers during a replay, turn by turn: each turn's total length, its first
// bytes (bounded), and a running hash to compare with the recorded answer byte for byte
// without keeping it whole. The result also carries the first bytes of each recorded answer;
// they come out of the same budget, so a result stays within it whatever the capture holds.

import { createHash, type Hash } from 'node:crypto'
import { REPLAY_KEPT_PER_TURN, REPLAY_KEPT_TOTAL } from '../../shared/replay-types'

export interface Answer {
  received: number
  kept: Buffer[]
  keptBytes: number
  hash: Hash
}

export class Answers {
  readonly list: Answer[]
  /** Per turn, how many of the recorded answer's first bytes the result carries. */
  readonly recordedKeep: number[]
  /** The turn that bytes arriving now belong to (time attribution). */
  current = 0
  private keptTotal = 0
  /** The most of this run's answers kept, all turns together. */
  private readonly keepTotal: number
  /** Bytes received in all. */
  total = 0

  /**
   * `expected`: each turn's recorded answer length. `byPosition`: bytes are split over the
   * turns by those lengths (the last takes any surplus), for strategies that send before the
   * answers come; otherwise they go to `current`, the turn last sent.
   */
  constructor(
    private readonly expected: number[],
    private readonly byPosition: boolean,
    /** The most kept of all turns' answers together. */
    keepTotal = REPLAY_KEPT_TOTAL,
    /** The most kept of one turn's answer (a caller comparing whole answers keeps more, within `keepTotal`). */
    private readonly keepPerTurn = REPLAY_KEPT_PER_TURN
  ) {
    this.list = expected.map(() => ({ received: 0, kept: [], keptBytes: 0, hash: createHash('sha256') }))
    // Recorded answers take at most half, turn by turn from the first, so the turns that
    // carry one carry this run's answer beside it; answers get the rest.
    let recordedRoom = Math.floor(keepTotal / 2)
    this.recordedKeep = expected.map((length) => {
      const keep = Math.min(length, keepPerTurn, recordedRoom)
      recordedRoom -= keep
      return keep
    })
    this.keepTotal = keepTotal - this.recordedKeep.reduce((a, b) => a + b, 0)
  }


  feed(chunk: Buffer): void {
    let rest = chunk
    while (rest.length > 0) {
      let i = this.current
      if (this.byPosition) {
        while (i < this.list.length - 1 && this.list[i].received >= this.expected[i]) i++
        this.current = i
      }
      const room = this.byPosition && i < this.list.length - 1 ? this.expected[i] - this.list[i].received : rest.length
      const part = rest.subarray(0, room)
      rest = rest.subarray(part.length)
      this.take(this.list[i], part)
    }
  }

  private take(a: Answer, part: Buffer): void {
    a.received += part.length
    this.total += part.length
    a.hash.update(part)
    const keep = Math.min(part.length, this.keepPerTurn - a.keptBytes, this.keepTotal - this.keptTotal)
    if (keep > 0) {
      // A copy: the socket's chunk may share a pool with other reads.
      a.kept.push(Buffer.from(part.subarray(0, keep)))
      a.keptBytes += keep
      this.keptTotal += keep
    }
  }
}
