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
import { DIR_NONE, KIND_OF, RECORD_HEADER_SIZE, RecordType, dirCode, dirName, readRecordHeaderInto, type RecordHeader } from '../format/capture-format'
import { DamagedRecordError } from '../read/capture-reader'
import type { IndexView } from '../read/index-view'

// A record's numbers, R_FIELDS of them in DecodeRecords' one array: its record type,
// direction code, stream offset and length, time, and where its bytes are in the payload.
const R_TYPE = 0
const R_DIR = 1
const R_OFFSET = 2
const R_LENGTH = 3
const R_TIME = 4
const R_BYTES_AT = 5
const R_BYTES_LENGTH = 6
const R_FIELDS = 7
// A read's, Q_FIELDS in RecordPlan's: the file range [at, end), its record's place in the
// call, the record's payload wanted from `from` on, and the record's number in its connection.
const Q_AT = 0
const Q_END = 1
const Q_RECORD = 2
const Q_FROM = 3
const Q_INDEX = 4
const Q_FIELDS = 5

/**
 * A call's records as a decoder takes them, in columns: one array of numbers, not an object
 * a record (a file of 100,000 keep-alive exchanges is some 200,000 records), and a plain
 * array, as a typed array of its own cost more to make for the many calls of a few records.
 * A data record's bytes from where its direction's decoding wants them are `bytesLength(i)`
 * of them at `bytesAt(i)` in the call's payload, `bytesAt` -1 when they were not read (below
 * what its decoder wants; its time is NaN then).
 */
export class DecodeRecords {
  /** Rule records' details, by place (HTTP/1 pairs no response with a request a rule answered). */
  private infos: Map<number, Record<string, unknown>> | undefined
  /** How many records. */
  readonly count: number

  /** `cells`: R_FIELDS numbers a record, as planned; fillRecords fills them in place as the records are read. */
  constructor(readonly cells: number[]) {
    this.count = cells.length / R_FIELDS
  }

  kind(i: number): CaptureEventKind {
    return KIND_OF[this.cells[i * R_FIELDS + R_TYPE]] ?? 'error'
  }

  dir(i: number): Direction | undefined {
    return dirName(this.cells[i * R_FIELDS + R_DIR])
  }

  offset(i: number): number {
    return this.cells[i * R_FIELDS + R_OFFSET]
  }

  length(i: number): number {
    return this.cells[i * R_FIELDS + R_LENGTH]
  }

  time(i: number): number {
    return this.cells[i * R_FIELDS + R_TIME]
  }

  bytesAt(i: number): number {
    return this.cells[i * R_FIELDS + R_BYTES_AT]
  }

  bytesLength(i: number): number {
    return this.cells[i * R_FIELDS + R_BYTES_LENGTH]
  }

  info(i: number): Record<string, unknown> | undefined {
    return this.infos?.get(i)
  }

  setInfo(i: number, info: Record<string, unknown>): void {
    ;(this.infos ??= new Map()).set(i, info)
  }
}

/** Records as planned, and the file ranges to read for them, in file order (a connection's records are). */
export interface RecordPlan {
  /** The connection's records before `until`. */
  total: number
  stopped: boolean
  records: DecodeRecords
  /** Q_FIELDS numbers a read, `readCount` of them. */
  reads: number[]
  readCount: number
  /** The data records' bytes to read, all told: the size of the call's payload. */
  payloadBytes: number
}

/** Read `k`'s file range, [readAt, readEnd). */
export const readAt = (plan: RecordPlan, k: number): number => plan.reads[k * Q_FIELDS + Q_AT]
export const readEnd = (plan: RecordPlan, k: number): number => plan.reads[k * Q_FIELDS + Q_END]
/** Read `k`'s record's number in its connection. */
export const readIndex = (plan: RecordPlan, k: number): number => plan.reads[k * Q_FIELDS + Q_INDEX]
/** Read `k`'s record's place in the call. */
export const readRecord = (plan: RecordPlan, k: number): number => plan.reads[k * Q_FIELDS + Q_RECORD]

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
  // Each row pushed whole, in field order: the arrays stay packed (no holes to check).
  const cells: number[] = []
  const reads: number[] = []
  // Records and reads planned so far.
  let n = 0
  let q = 0
  let taken = 0
  // Where a direction's last chunk ends, asked at every call: asked only once a connection's
  // last chunk came (in a keep-alive file, at its end), it threw away the optimized code.
  const recordedClient = ix.recordedBytes(row, 'client')
  const recordedServer = ix.recordedBytes(row, 'server')
  for (let i = from; i < last && taken < maxBytes; i++) {
    const at = ix.recordOffset(row, i)
    const dir = ix.recordDirection(row, i)
    if (dir === undefined) {
      // Not data: its type and direction come from its header, once read.
      cells.push(RecordType.Open, DIR_NONE, -1, 0, NaN, -1, 0)
      reads.push(at, at + RECORD_HEADER_SIZE, n, 0, i)
      n++
      q++
      continue
    }
    const recorded = dir === 'client' ? recordedClient : recordedServer
    const offset = ix.streamOffset(row, i)
    const end = ix.chunkEnd(row, i, dir) ?? recorded
    const length = Math.max(0, end - offset)
    cells.push(RecordType.Data, dirCode(dir), offset, length, NaN, -1, 0)
    n++
    if (end < want[dir]) continue
    const skip = Math.max(0, want[dir] - offset)
    reads.push(at, at + RECORD_HEADER_SIZE + length, n - 1, skip, i)
    q++
    taken += length - skip
  }
  return { total, stopped, records: new DecodeRecords(cells), reads, readCount: q, payloadBytes: taken }
}

/** A header to read records' headers into, one after another. */
export const scratchHeader = (): RecordHeader => ({ type: RecordType.Data, flags: 0, dir: 0, connId: 0, seq: 0, length: 0, payloadCrc: 0, time: NaN, mono: NaN })

/**
 * Reads the plan's reads g..h from `span` (the file from offset `base`): each record's time,
 * a data record's bytes (copied into `payload` from `at` on, one record after another),
 * another's type and direction. Returns where the next record's bytes go, and puts the reads
 * of rule records in `rules`, whose details the caller reads on its own. Throws
 * DamagedRecordError where the file does not hold what the index says.
 *
 * Copied, not a view of the span: the span may be a window of the file that is used again
 * once dropped, and the payload, one buffer for the whole call in record order, goes to the
 * decoder as it is (decode-feed.ts) rather than being put together again from a view a record.
 */
export function fillRecords(span: Buffer, base: number, plan: RecordPlan, g: number, h: number, connId: number, header: RecordHeader, rules: number[], payload: Uint8Array, at: number): number {
  const { reads } = plan
  const cells = plan.records.cells
  for (let k = g; k <= h; k++) {
    const r = k * Q_FIELDS
    const fileAt = reads[r + Q_AT]
    if (!readRecordHeaderInto(span, fileAt - base, header)) throw new DamagedRecordError(fileAt, 'a record header fails its CRC')
    const c = reads[r + Q_RECORD] * R_FIELDS
    cells[c + R_TIME] = header.time
    if (cells[c + R_TYPE] === RecordType.Data) {
      const length = cells[c + R_LENGTH]
      if (header.type !== RecordType.Data || header.connId !== connId || header.dir !== cells[c + R_DIR] || header.length < length) {
        throw new DamagedRecordError(fileAt, `the record there is not the data of connection #${connId} its index lists`)
      }
      const payloadFrom = reads[r + Q_FROM]
      const from = fileAt - base + RECORD_HEADER_SIZE + payloadFrom
      const n = length - payloadFrom
      // The span holds every read (the window or read that holds it ends past it): checked
      // all the same, so a payload byte left unwritten is an error, never a decoder's input.
      if (span.copy(payload, at, from, from + n) !== n) throw new DamagedRecordError(fileAt, 'the file ends inside a record its index lists')
      cells[c + R_BYTES_AT] = at
      cells[c + R_BYTES_LENGTH] = n
      at += n
    } else {
      cells[c + R_TYPE] = header.type
      cells[c + R_DIR] = dirName(header.dir) === undefined ? DIR_NONE : header.dir
      if (header.type === RecordType.Rule && header.length > 0) rules.push(k)
    }
  }
  return at
}
