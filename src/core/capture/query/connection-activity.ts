// How much each direction of a connection sent over a window of time, for the timeline's
// bars. The index knows where every chunk lies in its stream but not when it came: that is
// in the chunk's record header on disk. So a call reads headers, within a budget shared by
// the connections it is asked about. A connection with more chunks than its share is
// narrowed to the window by binary search on time, then sampled evenly, and the bytes
// between two samples are spread evenly over the time between them.

import { DIRECTIONS, type ConnectionActivity, type Direction } from '../../../shared/capture-types'
import type { CaptureReader } from '../read/capture-reader'
import type { ChunkIndex } from '../format/chunk-index'
import { RECORD_HEADER_SIZE } from '../format/capture-format'
import type { IndexView } from '../read/index-view'

/**
 * Record headers one call samples at most, besides a few binary-search steps per
 * connection. A header read costs about what a small pread does; 4096 of them, mostly
 * coalesced into few reads, keep a call to tens of milliseconds on a cold cache.
 */
export const ACTIVITY_READ_BUDGET = 4096

export interface ActivityWindow {
  from: number
  to: number
  buckets: number
}

/** The activity of each row over the window, in the order of `rows`. */
export async function connectionActivity(index: IndexView, reader: CaptureReader, rows: readonly number[], w: ActivityWindow): Promise<ConnectionActivity[]> {
  const share = Math.max(2, Math.floor(ACTIVITY_READ_BUDGET / Math.max(1, rows.length * DIRECTIONS.length)))
  return Promise.all(
    rows.map(async (row) => {
      const id = index.fields.id(row)
      const [client, server] = await Promise.all(DIRECTIONS.map((dir) => directionActivity(index, reader, row, dir, w, share)))
      return { id, client: client.counts, server: server.counts, exact: client.exact && server.exact }
    })
  )
}

async function directionActivity(
  index: IndexView,
  reader: CaptureReader,
  row: number,
  dir: Direction,
  w: ActivityWindow,
  share: number
): Promise<{ counts: number[]; exact: boolean }> {
  const chunks = index.chunks(row, dir)
  const n = chunks.length
  const total = index.recordedBytes(row, dir)
  const counts = new Array<number>(w.buckets).fill(0)
  if (n === 0) return { counts, exact: true }
  const timesOf = async (ks: readonly number[]): Promise<number[]> => {
    const headers = await reader.readHeaders(ks.map((k) => headerAt(chunks, k)))
    return ks.map((k) => headers.get(headerAt(chunks, k))!.time)
  }

  let lo = 0
  let hi = n - 1
  if (n > share) {
    // Chunk lo is the last one before the window (its bytes may be spread into it), chunk
    // hi the first one after it: everything between them is all the window can show.
    const timeAt = async (k: number): Promise<number> => (await timesOf([k]))[0]
    lo = Math.max(0, (await firstWhere(n, async (k) => (await timeAt(k)) >= w.from)) - 1)
    hi = Math.min(n - 1, await firstWhere(n, async (k) => (await timeAt(k)) > w.to))
  }
  const span = hi - lo + 1
  const picks = span <= share ? Array.from({ length: span }, (_, i) => lo + i) : evenly(lo, hi, share)
  const times = await timesOf(picks)
  const chunkEnd = (k: number): number => (k + 1 < n ? chunks.stream(k + 1) : total)
  const bucketWidth = (w.to - w.from) / w.buckets

  for (let j = 0; j < picks.length; j++) {
    const k = picks[j]
    const next = picks[j + 1]
    if (next === undefined || next === k + 1) {
      addAt(counts, w, bucketWidth, times[j], chunkEnd(k) - chunks.stream(k))
    } else {
      addSpread(counts, w, bucketWidth, times[j], times[j + 1], chunks.stream(next) - chunks.stream(k))
    }
  }
  const exact = picks.length === span
  return { counts: exact ? counts : counts.map(Math.round), exact }
}

const headerAt = (chunks: ChunkIndex, k: number): number => chunks.file(k) - RECORD_HEADER_SIZE

/** The first of n chunks for which `holds` (n when none does); it must hold for every later one. */
async function firstWhere(n: number, holds: (k: number) => Promise<boolean>): Promise<number> {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (await holds(mid)) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** `count` indices from lo to hi inclusive, both ends included, evenly spaced. */
export function evenly(lo: number, hi: number, count: number): number[] {
  const out: number[] = []
  for (let j = 0; j < count; j++) {
    const k = Math.round(lo + (j * (hi - lo)) / (count - 1))
    if (out[out.length - 1] !== k) out.push(k)
  }
  return out
}

function bucketOf(w: ActivityWindow, width: number, t: number): number {
  // The window's end belongs to its last slice, so a chunk at exactly `to` is not lost.
  return t === w.to ? w.buckets - 1 : Math.floor((t - w.from) / width)
}

function addAt(counts: number[], w: ActivityWindow, width: number, t: number, bytes: number): void {
  if (t < w.from || t > w.to) return
  counts[bucketOf(w, width, t)] += bytes
}

/** Spreads `bytes` evenly over [t0, t1], adding to each slice the share that falls in it. */
function addSpread(counts: number[], w: ActivityWindow, width: number, t0: number, t1: number, bytes: number): void {
  if (t1 <= t0) return addAt(counts, w, width, t0, bytes)
  const a = Math.max(t0, w.from)
  const b = Math.min(t1, w.to)
  if (a >= b) return
  const perMs = bytes / (t1 - t0)
  for (let i = bucketOf(w, width, a); i <= bucketOf(w, width, b) && i < w.buckets; i++) {
    const s = Math.max(a, w.from + i * width)
    const e = Math.min(b, w.from + (i + 1) * width)
    if (e > s) counts[i] += (e - s) * perMs
  }
}
