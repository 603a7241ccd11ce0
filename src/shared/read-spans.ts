// Reads that cover many small byte ranges of one connection (a page of messages, of events):
// a direction's ranges that follow one another in its stream share one read, and the reads
// go several at once. Read one range at a time, in turn, a page of a pipelining client's
// messages (the directions taking turns every few messages) left the engine's thread idle
// over half the time, waiting on a read each; `show --json` of redis-benchmark's 800,004
// messages made 800,004 reads one after the other.

import type { Direction } from './capture-types'

/**
 * How reads are made: up to `maxSpan` bytes a read, `budget` bytes of reads at once, and
 * (`gap`) how far apart two ranges of a direction may lie and still share a read, taking the
 * bytes between them too.
 */
export interface ReadLimits {
  maxSpan: number
  budget: number
  gap?: number
}

/** How reads are made unless a caller says: up to 4 MiB a read (within conn.read's MAX_READ), 8 MiB of reads at once, only touching ranges together. */
export const READ_LIMITS: ReadLimits = { maxSpan: 4 * 1024 * 1024, budget: 8 * 1024 * 1024 }

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
 * direction's last read when it starts where that read ends (or, with `gap`, at most `gap`
 * bytes after) and the read stays within `maxSpan` bytes; otherwise it starts a read of its
 * own (so a range longer than `maxSpan` is read alone, as long as it is). With no gap a read
 * never takes bytes no range asked for (the rest of a message cut short, bytes the capture did
 * not keep); with one, a read that meets bytes the capture did not keep comes back short, and
 * the ranges past them get fewer bytes than they asked for (readRanges' caller sees it).
 */
export function readSpans(ranges: readonly DirRange[], maxSpan: number, gap = 0): ReadSpan[] {
  const spans: ReadSpan[] = []
  const last: Partial<Record<Direction, ReadSpan>> = {}
  ranges.forEach((r, k) => {
    const span = last[r.dir]
    const end = r.offset + r.length
    if (span && r.offset >= span.end && r.offset - span.end <= gap && end - span.start <= maxSpan) {
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
export async function readRanges(ranges: readonly DirRange[], read: (dir: Direction, offset: number, length: number) => Promise<Uint8Array>, each: (k: number, bytes: Uint8Array) => void, limits: ReadLimits = READ_LIMITS): Promise<void> {
  for (const group of readGroups(readSpans(ranges, limits.maxSpan, limits.gap), limits.budget)) {
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
