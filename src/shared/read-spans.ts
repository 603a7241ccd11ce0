// Reads that cover many small byte ranges of one connection (a page of messages, of events):
// a direction's ranges that follow one another in its stream share one read, and the reads
// go several at once. Read one range at a time, in turn, a page of a pipelining client's
// messages (the directions taking turns every few messages) left the engine's thread idle
// over half the time, waiting on a read each; `show --json` of redis-benchmark's 800,004
// messages made 800,004 reads one after the other.

import type { Direction } from './capture-types'

/** How reads are made unless a caller says: up to 4 MiB a read (within conn.read's MAX_READ), 8 MiB of reads at once. */
export const READ_LIMITS = { maxSpan: 4 * 1024 * 1024, budget: 8 * 1024 * 1024 }

/** A byte range of one direction's stream. */
export interface DirRange {
  dir: Direction
  offset: number
  length: number
}

/** One read: a direction's [start, end), and the ranges it covers (their places in the list given). */
export interface ReadSpan {
  dir: Direction
  start: number
  end: number
  ranges: number[]
}

/**
 * The reads that cover `ranges`, in the order of each read's first range. A range joins its
 * direction's last read when it starts where that read ends and the read stays within
 * `maxSpan` bytes; otherwise it starts a read of its own (so a range longer than `maxSpan`
 * is read alone, as long as it is). Only touching ranges join: a read never takes bytes no
 * range asked for (the rest of a message cut short, bytes the capture did not keep).
 */
export function readSpans(ranges: readonly DirRange[], maxSpan: number): ReadSpan[] {
  const spans: ReadSpan[] = []
  const last: Partial<Record<Direction, ReadSpan>> = {}
  ranges.forEach((r, k) => {
    const span = last[r.dir]
    const end = r.offset + r.length
    if (span && r.offset === span.end && end - span.start <= maxSpan) {
      span.end = end
      span.ranges.push(k)
      return
    }
    const started: ReadSpan = { dir: r.dir, start: r.offset, end, ranges: [k] }
    spans.push(started)
    last[r.dir] = started
  })
  return spans
}

/** `spans` in groups to read at once, each of at most `budget` bytes in all (a larger span alone). */
export function readGroups<T extends { start: number; end: number }>(spans: readonly T[], budget: number): T[][] {
  const groups: T[][] = []
  let bytes = Infinity
  for (const span of spans) {
    const size = span.end - span.start
    if (bytes + size > budget) {
      groups.push([])
      bytes = 0
    }
    groups[groups.length - 1].push(span)
    bytes += size
  }
  return groups
}

/**
 * The bytes of each of `ranges`, read with `read` (a direction's [offset, offset + length)) a
 * group of spans at a time; `each(k, bytes)` gets range k's bytes (fewer where the stream
 * ends first), in the order the reads come back.
 */
export async function readRanges(ranges: readonly DirRange[], read: (dir: Direction, offset: number, length: number) => Promise<Uint8Array>, each: (k: number, bytes: Uint8Array) => void, limits = READ_LIMITS): Promise<void> {
  for (const group of readGroups(readSpans(ranges, limits.maxSpan), limits.budget)) {
    const got = await Promise.all(group.map((span) => read(span.dir, span.start, span.end - span.start)))
    group.forEach((span, g) => {
      const bytes = got[g]
      for (const k of span.ranges) {
        const at = ranges[k].offset - span.start
        each(k, bytes.subarray(Math.min(at, bytes.length), Math.min(bytes.length, at + ranges[k].length)))
      }
    })
  }
}
