// A record's tag, the one number every index keeps beside a record's file offset (in memory,
// capture-index.ts; stored at the end of a closed file, index-codec.ts and stored-index.ts):
// for data, where its chunk starts in its direction's stream, times 2, plus 1 for the
// server; for a gap record (bytes forwarded but not kept), -2 minus the tag data there would
// have had; NOT_DATA for any other record. Two numbers a record keep an index small.

import type { Direction } from '../../../shared/capture-types'
import { ChunkIndex } from './chunk-index'
import { RECORD_HEADER_SIZE } from './capture-format'

/** The tag of a record that is not data. */
export const NOT_DATA = -1

export const dataTag = (dir: Direction, streamOffset: number): number => streamOffset * 2 + (dir === 'server' ? 1 : 0)

/** The tag of a gap record: negative, so that everything that reads data tags passes it by as an event. */
export const gapTag = (dir: Direction, streamOffset: number): number => -2 - dataTag(dir, streamOffset)

/** Where a data record's chunk starts in its direction's stream; -1 for any other record. */
export const tagStreamOffset = (tag: number): number => (tag < 0 ? -1 : Math.floor(tag / 2))

/** A data record's direction; undefined for any other record (a gap's included). */
export const tagDirection = (tag: number): Direction | undefined => (tag < 0 ? undefined : tag % 2 === 1 ? 'server' : 'client')

/** A data or gap record's place in its direction's stream; undefined for any other record. */
export function streamPlace(tag: number): { dir: Direction; offset: number; gap: boolean } | undefined {
  if (tag === NOT_DATA) return undefined
  const t = untag(tag)
  return { dir: t % 2 === 1 ? 'server' : 'client', offset: Math.floor(t / 2), gap: tag < 0 }
}

/** A data or gap tag with a gap's sign undone: its low bit is the direction (1: server), the rest its stream offset. */
const untag = (tag: number): number => (tag < 0 ? -2 - tag : tag)

/** A connection's data chunks and gaps, each direction's in stream order (payload file offset, stream offset). */
export type ChunkLists = Record<Direction, ChunkIndex>

export const emptyChunkLists = (): ChunkLists => ({ client: new ChunkIndex(), server: new ChunkIndex() })

/**
 * Adds the data chunks and gaps of a connection's records [from, to) to `lists`;
 * `record(i, part)` is record i's file offset (part 0) or its tag (part 1). A gap is listed
 * like a chunk, so that the chunk before it ends where the gap begins.
 */
export function addChunks(lists: ChunkLists, from: number, to: number, record: (i: number, part: 0 | 1) => number): void {
  for (let i = from; i < to; i++) {
    const place = streamPlace(record(i, 1))
    if (place === undefined) continue
    const at = record(i, 0) + RECORD_HEADER_SIZE
    if (place.gap) lists[place.dir].pushGap(at, place.offset)
    else lists[place.dir].push(at, place.offset)
  }
}

/**
 * A connection of at most this many records has its chunk lists built again when asked for
 * after SHORT_ROWS_KEPT others' were: that costs no more than a read of them does. Kept for
 * every connection, they were most of what a file of 100,000 one-exchange connections held
 * once decoded (48 of 108 MiB of the engine's heap: two lists, each an array grown for 16
 * entries, and their objects), and what its garbage collection kept copying.
 */
export const SHORT_ROW_RECORDS = 64
export const SHORT_ROWS_KEPT = 256

/** Records after a data record that chunkEnd looks through before it searches a long connection's chunk lists. */
export const LOOK_AHEAD = 16

/**
 * What both indexes answer from a connection's records kept as (file offset, tag) pairs,
 * however they keep them: the record's place, its direction and stream offset, and the
 * chunk lists byte-range reads search, built when first asked for and kept up to date as
 * records are added (a short connection's for a while: SHORT_ROW_RECORDS).
 */
export abstract class TaggedRecords {
  private readonly chunkLists = new Map<number, { lists: ChunkLists; cover: number }>()
  /** Rows of SHORT_ROW_RECORDS records or fewer whose lists are kept, the least lately asked for first. */
  private readonly shortRows = new Set<number>()

  /** Record `i` of connection row `row`: its file offset (part 0) or its tag (part 1). */
  protected abstract record(row: number, i: number, part: 0 | 1): number
  abstract recordCount(row: number): number

  recordOffset(row: number, i: number): number {
    return this.record(row, i, 0)
  }

  /** For data record `i`, where its chunk starts in its direction's stream; else -1. */
  streamOffset(row: number, i: number): number {
    return tagStreamOffset(this.record(row, i, 1))
  }

  recordDirection(row: number, i: number): Direction | undefined {
    return tagDirection(this.record(row, i, 1))
  }

  /** Where each data chunk and gap of `dir` lies (payload file offset, stream offset), up to date. */
  chunks(row: number, dir: Direction): ChunkIndex {
    let built = this.chunkLists.get(row)
    if (built === undefined) {
      built = { lists: emptyChunkLists(), cover: 0 }
      this.chunkLists.set(row, built)
    }
    const n = this.recordCount(row)
    if (built.cover < n) {
      addChunks(built.lists, built.cover, n, (i, part) => this.record(row, i, part))
      built.cover = n
    }
    this.shortRows.delete(row)
    if (n <= SHORT_ROW_RECORDS) {
      this.shortRows.add(row)
      if (this.shortRows.size > SHORT_ROWS_KEPT) {
        const oldest = this.shortRows.values().next().value as number
        this.shortRows.delete(oldest)
        this.chunkLists.delete(oldest)
      }
    }
    return built.lists[dir]
  }

  /**
   * Where data record `i`'s chunk ends in its direction's stream: where the next data or gap
   * record of `dir` starts; undefined for its direction's last (it ends at the recorded
   * bytes). Decoding asks once a record. The next record of its direction is nearly always a
   * few records on (a request, then its response): it is looked for there first, and through
   * to the end for a short connection, whose chunk lists cost more to build than that; only
   * a long one's kept lists are searched.
   */
  chunkEnd(row: number, i: number, dir: Direction): number | undefined {
    const n = this.recordCount(row)
    const server = dir === 'server'
    const stop = n <= SHORT_ROW_RECORDS ? n : Math.min(n, i + 1 + LOOK_AHEAD)
    // Compared before the loop, which nearly always returns: compared only for a direction's
    // last chunk (a keep-alive file's connections end at its end), it threw away the optimized code.
    const toTheEnd = stop === n
    for (let j = i + 1; j < stop; j++) {
      // streamPlace without its object: this runs for every record decoded.
      const tag = this.record(row, j, 1)
      if (tag === NOT_DATA) continue
      const t = untag(tag)
      if ((t % 2 === 1) === server) return Math.floor(t / 2)
    }
    if (toTheEnd) return undefined
    const chunks = this.chunks(row, dir)
    const k = chunks.byFileOffset(this.record(row, i, 0) + RECORD_HEADER_SIZE)
    return k >= 0 && k + 1 < chunks.length ? chunks.stream(k + 1) : undefined
  }

  /** Drops a row's chunk lists: its records were cut short, and they are built again when asked for. */
  protected forgetChunks(row: number): void {
    this.chunkLists.delete(row)
    this.shortRows.delete(row)
  }
}
