// Pacing a file's background decoding while a person scrolls its list of connections. On two
// cores, scrolling 100,000 connections just opened missed a frame in every two or three (p95
// 33-50 ms): the engine took 12.8-17.3 ms of CPU a frame decoding beside the reads, against
// 1.7 ms once decoded. While pages are read quickly, one lane of the run goes on, working a
// quarter of the time; the others wait for the reads to stop. Measured the same way, two
// runs: the engine 3.9-5.0 ms a frame, p95 33.3 and 16.8 ms (docs/performance.md). The
// decoding ends later by what the scroll took.
//
// Reading "quickly" is a count: a list refreshed because decoding moved (every 250 ms,
// SUMMARIES_MS) is one read in each READING_MS and does not slow the decoding it shows.
//
// The pacing stays on for LINGER_MS after the last quick read: a person who has just scrolled
// types a filter or opens a row next, and the decoding that took the engine's thread back
// 250 ms after the scroll made that filter's query wait 66-71 ms for an answer its own test
// gives in 6-12 (bench/ui.mjs, 100,000 connections on two cores).

/** Reads within this long of each other are quick. */
export const READING_MS = 250
/** Quick reads in a row that mean a person is scrolling. */
export const READS = 3
/** How long the pacing stays on after the last quick read. */
export const LINGER_MS = 1000
/** While pacing, the first lane works this long, then rests PACE_REST_MS. */
export const PACE_WORK_MS = 5
export const PACE_REST_MS = 15

export class ReadPacing {
  /** The last READS reads' times, oldest first. */
  private readonly reads: number[] = []
  /** When the pacing began this time (the first lane's work is counted from it). */
  private since = 0
  private restUntil = 0
  /** The pacing is on until then. */
  private until = 0

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A front end read a page of the list. */
  read(): void {
    const now = this.now()
    const on = this.pacing(now)
    this.reads.push(now)
    if (this.reads.length > READS) this.reads.shift()
    if (this.reads.length === READS && now - this.reads[0] < READING_MS) {
      if (!on) this.since = now
      this.until = now + LINGER_MS
    }
  }

  private pacing(now: number): boolean {
    return now < this.until
  }

  /**
   * How long lane `lane` of a run waits before its next batch: undefined to go on at once, else
   * milliseconds (asked again after them). The first lane rests PACE_REST_MS after each
   * PACE_WORK_MS of work; the others wait until the reads stop.
   */
  wait(lane: number): number | undefined {
    const now = this.now()
    if (!this.pacing(now)) return undefined
    if (lane > 0) return Math.max(1, this.until - now)
    if (now >= this.restUntil) {
      if (now - Math.max(this.restUntil, this.since) < PACE_WORK_MS) return undefined
      this.restUntil = now + PACE_REST_MS
    }
    return this.restUntil - now
  }

  /**
   * What lane `lane` waits out before its next batch, asking again after each wait and
   * giving up once `stopped`; undefined when it goes on at once (no turn of the loop lost).
   */
  rest(lane: number, stopped: () => boolean): Promise<void> | undefined {
    const first = this.wait(lane)
    if (first === undefined) return undefined
    return (async () => {
      for (let ms: number | undefined = first; ms !== undefined && !stopped(); ms = this.wait(lane)) await new Promise<void>((resolve) => setTimeout(resolve, ms))
    })()
  }
}
