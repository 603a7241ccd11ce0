// A connection's records as a decoder takes them (CaptureQueries.decodeRecords), in two steps
// that need no await: which records, and which file ranges to read for them (planRecords);
// then, once a span of the file is at hand, their times and bytes from it (fillRecords).
//
// Why apart from the query and synchronous: decoding a file calls this for every batch of
// every connection, and V8 compiled the one async function that did it all three or four
// times per process (40-70 ms of compiling each time: an async body, everything inlined),
// each time a path it had not yet run (a connection's open record, a record across two
// windows) threw the optimized code away. Small synchronous steps compile in a few
// milliseconds each, and a path seen late throws away only its own step.

import type { CaptureEventKind, Direction } from '../../../shared/capture-types'
import { KIND_OF, RECORD_HEADER_SIZE, RecordType, dirName, readRecordHeaderInto, type RecordHeader } from '../format/capture-format'
import { DamagedRecordError } from '../read/capture-reader'
import type { IndexView } from '../read/index-view'

/** A record as a decoder takes it; `time` is NaN for a data record that was not read (below what its decoder wants). */
export interface DecodeRecord {
  kind: CaptureEventKind
  dir: Direction | undefined
  offset: number
  length: number
  time: number
  /**
   * A data record's bytes from where its direction's decoding wants them: `bytesLength` of
   * them at `bytesAt` in the call's `payload`; `bytesAt` is -1 when it was not read.
   */
  bytesAt: number
  bytesLength: number
  /** A `rule` record's details (HTTP/1 pairs no response with a request a rule answered). */
  info: Record<string, unknown> | undefined
}

/** Every record made with all its fields, in one order: objects of one shape keep the code reading them to one. */
function newRecord(kind: CaptureEventKind, dir: Direction | undefined, offset: number, length: number): DecodeRecord {
  return { kind, dir, offset, length, time: NaN, bytesAt: -1, bytesLength: 0, info: undefined }
}


/** A file range to read for one record: [at, end), its payload wanted from `payloadFrom` on. */
export interface RecordRead {
  at: number
  end: number
  record: DecodeRecord
  payloadFrom: number
  /** The record's number in its connection. */
  index: number
}

export interface RecordPlan {
  /** The connection's records before `until`. */
  total: number
  stopped: boolean
  records: DecodeRecord[]
  /** In file order (a connection's records are). */
  reads: RecordRead[]
  /** The data records' bytes to read, all told: the size of the call's payload. */
  payloadBytes: number
}

/** The first of records [from, total) at file offset `until` or later (records are in file order). */
function firstAtOrAfter(ix: IndexView, row: number, from: number, total: number, until: number): number {
  let lo = from
  let hi = total - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ix.recordOffset(row, mid) >= until) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Records `from`..`from + limit` of the connection at index row `row`, and what to read for them (see CaptureQueries.decodeRecords). */
export function planRecords(ix: IndexView, row: number, from: number, limit: number, want: Record<Direction, number>, maxBytes: number, until: number): RecordPlan {
  let total = ix.recordCount(row)
  let stopped = false
  // Records from file offset `until` on are not this call's (live decoding takes what the file held when its run began).
  if (total > from && ix.recordOffset(row, total - 1) >= until) {
    total = firstAtOrAfter(ix, row, from, total, until)
    stopped = true
  }
  const last = Math.min(total, from + limit)
  const records: DecodeRecord[] = []
  const reads: RecordRead[] = []
  let taken = 0
  // Where a direction's last chunk ends, asked at every call: asked only once a connection's
  // last chunk came (in a keep-alive file, at its end), it threw away the optimized code.
  const recordedClient = ix.recordedBytes(row, 'client')
  const recordedServer = ix.recordedBytes(row, 'server')
  for (let i = from; i < last && taken < maxBytes; i++) {
    const at = ix.recordOffset(row, i)
    const dir = ix.recordDirection(row, i)
    if (dir === undefined) {
      const record = newRecord('open', undefined, -1, 0)
      records.push(record)
      reads.push({ at, end: at + RECORD_HEADER_SIZE, record, payloadFrom: 0, index: i })
      continue
    }
    const offset = ix.streamOffset(row, i)
    const recorded = dir === 'client' ? recordedClient : recordedServer
    const end = ix.chunkEnd(row, i, dir) ?? recorded
    const record = newRecord('data', dir, offset, Math.max(0, end - offset))
    records.push(record)
    if (end < want[dir]) continue
    const skip = Math.max(0, want[dir] - offset)
    reads.push({ at, end: at + RECORD_HEADER_SIZE + record.length, record, payloadFrom: skip, index: i })
    taken += record.length - skip
  }
  return { total, stopped, records, reads, payloadBytes: taken }
}

/** A header to read records' headers into, one after another. */
export const scratchHeader = (): RecordHeader => ({ type: RecordType.Data, flags: 0, dir: 0, connId: 0, seq: 0, length: 0, payloadCrc: 0, time: NaN, mono: NaN })

/**
 * Reads `reads[g..h]` from `span` (the file from offset `base`): each record's time, a data
 * record's bytes (copied into `payload` from `at` on, one record after another), another's
 * kind and direction. Returns where the next record's bytes go, and puts the reads of rule
 * records in `rules`, whose details the caller reads on its own. Throws DamagedRecordError
 * where the file does not hold what the index says.
 *
 * Copied, not a view of the span: the span may be a window of the file that is used again
 * once dropped, and the payload, one buffer for the whole call in record order, goes to the
 * decoder as it is (decode-feed.ts) rather than being put together again from a view a record.
 */
export function fillRecords(span: Buffer, base: number, reads: RecordRead[], g: number, h: number, connId: number, header: RecordHeader, rules: RecordRead[], payload: Uint8Array, at: number): number {
  for (let k = g; k <= h; k++) {
    const r = reads[k]
    if (!readRecordHeaderInto(span, r.at - base, header)) throw new DamagedRecordError(r.at, 'a record header fails its CRC')
    const rec = r.record
    rec.time = header.time
    if (rec.kind === 'data') {
      if (header.type !== RecordType.Data || header.connId !== connId || dirName(header.dir) !== rec.dir || header.length < rec.length) {
        throw new DamagedRecordError(r.at, `the record there is not the data of connection #${connId} its index lists`)
      }
      const from = r.at - base + RECORD_HEADER_SIZE + r.payloadFrom
      const n = rec.length - r.payloadFrom
      span.copy(payload, at, from, from + n)
      rec.bytesAt = at
      rec.bytesLength = n
      at += n
    } else {
      rec.kind = KIND_OF[header.type] ?? 'error'
      rec.dir = dirName(header.dir)
      if (header.type === RecordType.Rule && header.length > 0) rules.push(r)
    }
  }
  return at
}
