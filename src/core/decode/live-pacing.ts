// How a live capture's decoding keeps out of forwarding's way. Growth is decoded
// LIVE_DELAY_MS after it is noticed, not at once: a connection then comes with many records to
// decode in one batch (one read, one message to the worker) instead of one each, which is
// what kept forwarding at full speed (issue 16's bench). And while traffic goes on, each run
// is followed by a pause BUSY_PAUSE times as long as it took. (A file's decoding is paced by
// a person's reads instead: read-pacing.ts.)

/** How long live growth waits before it is decoded. */
const LIVE_DELAY_MS = 100
/**
 * While traffic goes on, a live run is followed by a pause this many times as long as the
 * run took: decoding then has at most a tenth of the time, so forwarding keeps its
 * throughput on a machine where both compete for the CPU (issue 16's bench: on 2 cores,
 * decoding as fast as exchanges came cost the proxy 25-45% of its exchanges a second). What
 * it leaves behind is decoded in batches as the traffic allows, and at full speed once it
 * stops or a query waits.
 */
const BUSY_PAUSE = 9
/** ... but never longer than this: under a load that starves decoding, what is listed still moves every second or so. */
const MAX_PAUSE_MS = 1000

export class LivePacing {
  /** The capture grew while the last run ran: traffic goes on. */
  busy = false
  private lastRunMs = 0

  /** A run took `ms`; `grew`: the live capture grew meanwhile. */
  ran(ms: number, grew: boolean): void {
    this.lastRunMs = ms
    this.busy = grew
  }

  /** How long growth waits for the next run. */
  delay(): number {
    return this.busy ? Math.min(MAX_PAUSE_MS, Math.max(LIVE_DELAY_MS, this.lastRunMs * BUSY_PAUSE)) : LIVE_DELAY_MS
  }
}
