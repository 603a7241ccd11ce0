// A page of exchanges' small bodies read together before they are written one by one: an
// export that read each body when it came to it waited on a read a body, one after another
// (HAR of 100,000 keep-alive exchanges: 200,000 reads, the engine's thread idle over a third
// of the time). A direction's bodies a few KiB apart (the heads between them) share a read,
// and the reads go several at once (shared/read-spans.ts). What is read ahead is bounded for
// the whole export (AheadBudget): a HAR holds a page of every connection it has open.

import type { HttpMessage } from '../../shared/protocol-types'
import { readRanges, readSpans, type DirRange, type ReadLimits } from '../../shared/read-spans'
import type { CaptureView } from '../capture/query/capture-queries'
import { contentRanges, sentSize } from './body-content'

const KiB = 1024
const MiB = 1024 * KiB

/** A body up to this size (as sent) is read ahead; a larger one is streamed when it is written. */
export const AHEAD_BODY = 256 * KiB
/** A page's bodies read ahead, all told. */
export const AHEAD_PAGE = 8 * MiB
/** What one export holds read ahead at most, across all its pages (the bytes of the reads, heads between bodies included). */
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

/**
 * The content (chunk framing removed, content coding left on, as messageContent gives it) of
 * `msgs`' small bodies, read together: up to AHEAD_PAGE bytes of bodies of up to AHEAD_BODY
 * each, in the order given, when `budget` has room for the reads. A body not in the map (too
 * large, past the page's bytes or the budget, or one whose bytes the capture did not all
 * keep) is read as before, when it is written; a read that fails leaves the map empty, and
 * the failure is met there too.
 */
export async function contentAhead(view: CaptureView, connId: number, msgs: readonly HttpMessage[], budget: AheadBudget): Promise<Ahead> {
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
  // The reads' bytes, the heads between the bodies too: what a body's piece of a read keeps alive.
  const held = readSpans(ranges, LIMITS.maxSpan, LIMITS.gap).reduce((n, s) => n + s.end - s.start, 0)
  if (!budget.take(held)) return NOTHING_AHEAD
  const got: Uint8Array[] = new Array<Uint8Array>(ranges.length)
  try {
    await readRanges(ranges, (dir, offset, length) => view.readBytes(connId, dir, offset, length), (k, bytes) => (got[k] = bytes), LIMITS)
  } catch {
    budget.give(held)
    return NOTHING_AHEAD
  }
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
}

/** What a capture keeps read ahead for http.body: the last pages asked for with their bodies (tcpscope show's page, and the next). */
const KEPT_PAGES = 2
const KEPT_BYTES = 16 * MiB

/**
 * Bodies read ahead with a page of exchanges (http.exchanges with `bodiesAhead`), kept for
 * the http.body calls that follow: `show` lists a page, then asks for each body's first
 * window, and each was a read of its own (100,000 exchanges: 200,000 reads, a third of its
 * time). The last KEPT_PAGES pages, KEPT_BYTES of reads at most; an older page goes as a new
 * one comes.
 */
export class BodiesAhead {
  private readonly budget = new AheadBudget(KEPT_BYTES)
  private readonly pages: Promise<Ahead>[] = []

  /** Reads `msgs`' small bodies (connection `connId`'s) for later. */
  add(view: CaptureView, connId: number, msgs: readonly HttpMessage[]): void {
    while (this.pages.length >= KEPT_PAGES) {
      const old = this.pages.shift()!
      void old.then((a) => this.budget.give(a.held))
    }
    this.pages.push(contentAhead(view, connId, msgs, this.budget))
  }

  /** `msg`'s content, when it was read ahead and is still kept. */
  async content(msg: HttpMessage): Promise<Uint8Array | undefined> {
    for (const page of this.pages.slice()) {
      const got = (await page).content.get(msg)
      if (got !== undefined) return got
    }
    return undefined
  }
}
