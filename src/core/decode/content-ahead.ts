// A page of exchanges' small bodies read together before they are written one by one: an
// export that read each body when it came to it waited on a read a body, one after another
// (HAR of 100,000 keep-alive exchanges: 200,000 reads, the engine's thread idle over a third
// of the time). A direction's bodies a few KiB apart (the heads between them) share a read,
// and the reads go several at once (shared/read-spans.ts). What is read ahead is bounded for
// the whole export (AheadBudget): a HAR holds a page of every connection it has open.

import type { HttpExchange, HttpMessage } from '../../shared/protocol-types'
import { readRanges, readSpans, type DirRange, type ReadLimits } from '../../shared/read-spans'
import type { CaptureView } from '../capture/query/capture-queries'
import { contentRanges, sentSize } from './body-content'

const KiB = 1024
const MiB = 1024 * KiB

/** A body up to this size (as sent) is read ahead; a larger one is streamed when it is written. */
export const AHEAD_BODY = 256 * KiB
/** A page's bodies read ahead, all told. */
export const AHEAD_PAGE = 8 * MiB
/** What one export holds read ahead at most, across all its pages: the reads' bytes (heads between bodies included), and as much again as the bodies for those joined from pieces. */
export const AHEAD_EXPORT = 32 * MiB
/** Bodies of a direction at most `gap` apart share a read (4 MiB at most), 16 MiB of reads at once. */
const LIMITS: ReadLimits = { maxSpan: 4 * MiB, budget: 16 * MiB, gap: 16 * KiB }

/** Bytes an export may still read ahead: a page takes its reads' bytes, and gives them back once written. */
export class AheadBudget {
  constructor(private left = AHEAD_EXPORT) {}

  take(bytes: number): boolean {
    if (bytes > this.left) return false
    this.left -= bytes
    return true
  }

  give(bytes: number): void {
    this.left += bytes
  }
}

/** Bodies read ahead, and the bytes they hold of the budget (to give back once the page is written). */
export interface Ahead {
  content: ReadonlyMap<HttpMessage, Uint8Array>
  held: number
}

export const NOTHING_AHEAD: Ahead = { content: new Map(), held: 0 }

/** The messages of `exchanges` (requests and responses), in order: what a page reads ahead. */
export const messagesOf = (exchanges: readonly HttpExchange[]): HttpMessage[] => exchanges.flatMap((ex) => [ex.request, ex.response].filter((m): m is HttpMessage => m !== undefined))

/**
 * The content (chunk framing removed, content coding left on, as messageContent gives it) of
 * `msgs`' small bodies, read together: up to AHEAD_PAGE bytes of bodies of up to AHEAD_BODY
 * each, in the order given, when `budget` has room for the reads. A body not in the map (too
 * large, past the page's bytes or the budget, or one whose bytes the capture did not all
 * keep) is read as before, when it is written. It never fails: whatever goes wrong (a read
 * that fails) leaves the map empty, and the failure is met when the body is read.
 */
export async function contentAhead(view: CaptureView, connId: number, msgs: readonly HttpMessage[], budget: AheadBudget): Promise<Ahead> {
  let held = 0
  try {
    const ranges: DirRange[] = []
    const owner: HttpMessage[] = []
    let total = 0
    for (const msg of msgs) {
      const size = sentSize(msg)
      if (size === 0 || size > AHEAD_BODY || msg.body.chunksOmitted || total + size > AHEAD_PAGE) continue
      total += size
      for (const r of contentRanges(msg)) {
        ranges.push(r)
        owner.push(msg)
      }
    }
    if (ranges.length === 0) return NOTHING_AHEAD
    // What the page holds: its reads' bytes (a body's piece of a read keeps the read alive,
    // the heads between bodies too), and a copy of each body in several pieces, joined.
    const reads = readSpans(ranges, LIMITS.maxSpan, LIMITS.gap).reduce((n, s) => n + s.end - s.start, 0)
    if (!budget.take(reads + total)) return NOTHING_AHEAD
    held = reads + total
    const got: Uint8Array[] = new Array<Uint8Array>(ranges.length)
    await readRanges(ranges, (dir, offset, length) => view.readBytes(connId, dir, offset, length), (k, bytes) => (got[k] = bytes), LIMITS)
    const parts = new Map<HttpMessage, Uint8Array[]>()
    const short = new Set<HttpMessage>()
    ranges.forEach((r, k) => {
      const msg = owner[k]
      // Bytes the capture did not keep cut a shared read short: that body is read on its own.
      if (got[k] === undefined || got[k].length < r.length) short.add(msg)
      else {
        const pieces = parts.get(msg)
        if (pieces) pieces.push(got[k])
        else parts.set(msg, [got[k]])
      }
    })
    const content = new Map<HttpMessage, Uint8Array>()
    for (const [msg, pieces] of parts) if (!short.has(msg)) content.set(msg, pieces.length === 1 ? pieces[0] : Buffer.concat(pieces))
    return { content, held }
  } catch {
    budget.give(held)
    return NOTHING_AHEAD
  }
}

/** What a capture keeps read ahead for http.body: the page last asked for with its bodies (`show` asks for the next once it has written this one's). */
const KEPT_BYTES = 16 * MiB

/**
 * Bodies read ahead with a page of exchanges (http.exchanges with `bodiesAhead`), kept for
 * the http.body calls that follow: `show` lists a page, then asks for each body's first
 * window, and each was a read of its own (100,000 exchanges: 200,000 reads). The last page
 * only, KEPT_BYTES at most: the page before goes, its bytes given back, before the next is read.
 */
export class BodiesAhead {
  private readonly budget: AheadBudget
  private page: { ahead: Promise<Ahead>; held?: number } | undefined

  constructor(most = KEPT_BYTES) {
    this.budget = new AheadBudget(most)
  }

  /** Reads `msgs`' small bodies (connection `connId`'s) for later, in place of the page before. */
  add(view: CaptureView, connId: number, msgs: readonly HttpMessage[]): void {
    const old = this.page
    // Given back now when read (nearly always: its bodies were asked for), else once read.
    if (old?.held !== undefined) this.budget.give(old.held)
    else void old?.ahead.then((a) => this.budget.give(a.held))
    const page: { ahead: Promise<Ahead>; held?: number } = { ahead: contentAhead(view, connId, msgs, this.budget) }
    void page.ahead.then((a) => (page.held = a.held))
    this.page = page
  }

  /** `msg`'s content, when it was read ahead and is still kept. */
  async content(msg: HttpMessage): Promise<Uint8Array | undefined> {
    const page = this.page
    return page === undefined ? undefined : (await page.ahead).content.get(msg)
  }
}
