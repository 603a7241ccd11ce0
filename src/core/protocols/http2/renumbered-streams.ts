// The target's stream ids of an HTTP/2 connection whose client streams HTTP/2 traffic rules
// sent on under ids of their own (rules/h2/h2-stream-ids.ts): a request a rule held or
// delayed reaches the target after streams the client opened later, and a client's new
// stream ids must increase (RFC 9113 section 5.1.1), so it goes as the target's next id,
// and the streams after it follow it. The capture keeps each side's bytes as it sent them:
// the client's frames in the client's ids, the target's in its own.
//
// Target ids are given in increasing order, each the client's id plus a difference that
// changes only where a stream went out of order (and at the stream after it): those places
// are all that is kept (`mark`, a `rule` record each in the capture), and a target id's
// client id is its own less the difference of the last place at or before it. Ids of
// streams the target pushes (even) are its own on both sides.

/** What a `renumber` record tells the decoder: a place the ids part, or the target's GOAWAY as the client was told it. */
export type Renumbering = { stream: number; targetStream: number } | { goaway: number; refused: number[] }

/** Refused streams a GOAWAY's record names that are read. */
export const MAX_REFUSED = 10_000

/** Places kept: past this the oldest go (streams that old are long closed on any real connection). */
export const MAX_RENUMBER_MARKS = 4096

export class RenumberedStreams {
  /** Target ids where the difference changed, increasing, and the difference from there on. */
  private readonly targets: number[] = []
  private readonly deltas: number[] = []

  /** Whether any stream went under another id. */
  get any(): boolean {
    return this.targets.length > 0
  }

  /** The client's `client` went to the target as `target`, and the streams after it, until the next mark, with the same difference. */
  mark(client: number, target: number): void {
    const last = this.targets.length - 1
    // Ids only increase: a mark that does not is not the proxy's (a corrupt record), and is not kept.
    if (last >= 0 && target <= this.targets[last]) return
    this.targets.push(target)
    this.deltas.push(target - client)
    if (this.targets.length > MAX_RENUMBER_MARKS) {
      this.targets.shift()
      this.deltas.shift()
    }
  }

  /** The client's id of the target's stream `target`. */
  client(target: number): number {
    if (target % 2 === 0 || this.targets.length === 0) return target
    // The last mark at or before `target`.
    let lo = 0
    let hi = this.targets.length - 1
    if (target < this.targets[0]) return target
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.targets[mid] <= target) lo = mid
      else hi = mid - 1
    }
    return target - this.deltas[lo]
  }
}
