// Random access into a capture file through its index: a byte range of one direction of a
// connection, or a slice of its ordered events, reading only the records involved.

import { read } from 'node:fs'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import type { CaptureEvent, Direction } from '../../../shared/capture-types'
import type { IndexView } from './index-view'
import type { DirectReads } from './direct-reads'
import { readStats } from './read-stats'
import { READ_LIMITS, readGroups } from '../../../shared/read-spans'
import { KIND_OF, RECORD_HEADER_SIZE, RecordType, dirName, readRecordHeader, type RecordHeader } from '../format/capture-format'

/** Chunks closer than this in the file are fetched with one read. */
const MERGE_GAP = 64 * 1024
/**
 * Record headers less than HEADER_GAP apart are read together, payloads between them and
 * all, in reads of at most HEADER_SPAN: a few kilobytes more cost less than another read.
 */
const HEADER_GAP = 4096
const HEADER_SPAN = 64 * 1024
/** Bytes read past a record header in the hope of catching its JSON payload in one read. */
const EVENT_READ_AHEAD = 512
/** Windows this big or bigger are read with O_DIRECT where the reader has it; a smaller one costs more to align than it saves. */
const DIRECT_WINDOW = 1024 * 1024

export class UnknownConnectionError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.ENOCONN)
  }
}

/**
 * The index row of a connection, with its records loaded: at once when they are (decoding
 * asks for each connection's again and again); throws for an unknown id.
 */
export function connectionRow(index: IndexView, connId: number): number | Promise<number> {
  return index.loadedRow(connId) ?? locateRow(index, connId)
}

async function locateRow(index: IndexView, connId: number): Promise<number> {
  const row = await index.locate(connId)
  if (row === undefined) throw new UnknownConnectionError(`no connection #${connId} in this capture`)
  await index.loadRow(row)
  return row
}

/** A record the index points at fails its check: one line with where, never an internal error. */
export class DamagedRecordError extends UserError {
  constructor(at: number, why: string) {
    super(`the capture file is damaged at byte ${at}: ${why}; what lies before it can still be read`, ERROR_CODES.EDAMAGED)
  }
}

/**
 * A byte range that starts in a gap: those bytes were forwarded but not kept, and nothing
 * stands in for them. One line with which bytes and why.
 */
export class NotKeptError extends UserError {
  constructor(
    readonly dir: Direction,
    /** Where the gap starts and ends in the direction's stream. */
    readonly from: number,
    readonly to: number
  ) {
    super(`bytes ${from}..${to} of what the ${dir} sent were forwarded but not kept (the disk was slower than the traffic): the capture has a gap there`, ERROR_CODES.ENOTKEPT)
  }
}

export { readStats }

export function pread(fd: number, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      read(fd, buf, done, length - done, position + done, (err, n) => {
        if (err) return reject(err)
        readStats.bytes += n
        if (n === 0) return resolve(buf.subarray(0, done))
        if (done + n === length) return resolve(buf)
        step(done + n)
      })
    }
    if (length === 0) resolve(buf)
    else step(0)
  })
}

/** `span`, read for [start, end), unless the file ended before `end`. */
function wholeSpan(span: Buffer, start: number, end: number): Buffer {
  if (span.length < end - start) throw new DamagedRecordError(start + span.length, 'the file ends inside a record its index lists')
  return span
}

/**
 * The header of the data record at span[at] must pass its CRC and be the chunk the index
 * says: that connection, that direction, at least that long (docs/capture-format.md).
 */
function checkDataHeader(span: Buffer, at: number, spanStart: number, connId: number, dir: Direction, length: number): void {
  const h = readRecordHeader(span, at)
  if (!h) throw new DamagedRecordError(spanStart + at, 'a record header fails its CRC')
  if (h.type !== RecordType.Data || h.connId !== connId || dirName(h.dir) !== dir || h.length < length) {
    throw new DamagedRecordError(spanStart + at, `the record there is not the data of connection #${connId} its index lists`)
  }
}

export class CaptureReader {
  constructor(
    private readonly fd: number,
    private readonly index: IndexView,
    /** Resolves once the file holds everything up to this offset (a live capture may lag). */
    private readonly ensureWritten: (end: number) => Promise<void>,
    /** Reads past the page cache, for a file's windows (direct-reads.ts says why). */
    private readonly direct?: DirectReads
  ) {}

  /**
   * Bytes [offset, offset + length) of what `dir` sent on the connection, clipped to what is
   * recorded. A gap (bytes forwarded but not kept) is never filled: a range that runs into
   * one is cut short where it begins, and one that starts inside it throws NotKeptError.
   */
  async readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer> {
    const row = await connectionRow(this.index, connId)
    const total = this.index.recordedBytes(row, dir)
    let end = Math.min(total, offset + length)
    if (offset >= end) return Buffer.alloc(0)
    const chunks = this.index.chunks(row, dir)
    const n = chunks.length
    const chunkLen = (i: number): number => (i + 1 < n ? chunks.stream(i + 1) : total) - chunks.stream(i)
    let i = chunks.byStreamOffset(offset)
    for (let k = Math.max(0, i); k < n && chunks.stream(k) < end; k++) {
      if (!chunks.isGap(k)) continue
      if (k === i) throw new NotKeptError(dir, chunks.stream(k), chunks.stream(k) + chunkLen(k))
      end = chunks.stream(k)
      break
    }
    const out = Buffer.allocUnsafe(end - offset)
    // The chunks in groups that sit close together in the file, one read a group, each
    // group's read from its first record's header (every chunk's header is read with it and
    // checked). The reads go several at once (READ_LIMITS.budget bytes): a range of a
    // connection interleaved with others is a read per chunk, and one after another a page's
    // bodies read together waited on each in turn.
    const groups: { i: number; j: number; start: number; end: number }[] = []
    while (i < n && chunks.stream(i) < end) {
      let j = i
      while (j + 1 < n && chunks.stream(j + 1) < end && chunks.file(j + 1) - (chunks.file(j) + chunkLen(j)) <= MERGE_GAP) j++
      groups.push({ i, j, start: chunks.file(i) - RECORD_HEADER_SIZE, end: chunks.file(j) + chunkLen(j) })
      i = j + 1
    }
    for (const reads of readGroups(groups, READ_LIMITS.budget)) {
      const spans = await Promise.all(reads.map((g) => this.readSpan(g.start, g.end)))
      reads.forEach((g, x) => {
        const span = spans[x]
        for (let k = g.i; k <= g.j; k++) {
          checkDataHeader(span, chunks.file(k) - RECORD_HEADER_SIZE - g.start, g.start, connId, dir, chunkLen(k))
          const s0 = chunks.stream(k)
          const from = Math.max(offset, s0)
          const to = Math.min(end, s0 + chunkLen(k))
          const inSpan = chunks.file(k) - g.start + (from - s0)
          span.copy(out, from - offset, inSpan, inSpan + (to - from))
        }
      })
    }
    return out
  }

  /** The file's bytes [start, end), once written (decoding reads records and payloads of many records in one read). */
  async readSpan(start: number, end: number): Promise<Buffer> {
    await this.ensureWritten(end)
    return wholeSpan(await pread(this.fd, end - start, start), start, end)
  }

  /**
   * A window of the file, [start, end), that a file's decoding reads from start to end:
   * as readSpan, but a big one is read with O_DIRECT where the reader has it.
   */
  async readWindow(start: number, end: number): Promise<Buffer> {
    await this.ensureWritten(end)
    const direct = end - start >= DIRECT_WINDOW ? await this.direct?.read(start, end) : undefined
    return wholeSpan(direct ?? (await pread(this.fd, end - start, start)), start, end)
  }

  /** Events `from`..`from + limit` of the connection, in order. */
  async readEvents(connId: number, from = 0, limit = 1000): Promise<CaptureEvent[]> {
    const row = await connectionRow(this.index, connId)
    const last = Math.min(this.index.recordCount(row), from + limit)
    const reads: Promise<CaptureEvent>[] = []
    for (let i = from; i < last; i++) reads.push(this.readEvent(this.index.recordOffset(row, i), this.index.streamOffset(row, i)))
    return Promise.all(reads)
  }

  /** The record at file offset `at`; `streamOffset` is where a data record's chunk starts. */
  private async readEvent(at: number, streamOffset: number): Promise<CaptureEvent> {
    await this.ensureWritten(at + RECORD_HEADER_SIZE)
    let buf = await pread(this.fd, RECORD_HEADER_SIZE + EVENT_READ_AHEAD, at)
    const h = buf.length >= RECORD_HEADER_SIZE ? readRecordHeader(buf, 0) : undefined
    if (!h) throw new DamagedRecordError(at, 'a record header fails its CRC')
    const dir = dirName(h.dir)
    const event: CaptureEvent = { seq: h.seq, kind: KIND_OF[h.type], time: h.time, mono: h.mono }
    if (dir) event.dir = dir
    if (h.type === RecordType.Data) {
      event.offset = streamOffset
      event.length = h.length
    } else if (h.length > 0) {
      if (buf.length < RECORD_HEADER_SIZE + h.length) {
        await this.ensureWritten(at + RECORD_HEADER_SIZE + h.length)
        buf = await pread(this.fd, RECORD_HEADER_SIZE + h.length, at)
      }
      try {
        event.info = JSON.parse(buf.toString('utf8', RECORD_HEADER_SIZE, RECORD_HEADER_SIZE + h.length))
      } catch {
        throw new DamagedRecordError(at, 'a record\'s details do not parse')
      }
    }
    return event
  }

  /**
   * The headers of the records at these file offsets (each a record's start, in any order),
   * by offset. Records lying close together in the file are read with one read.
   */
  async readHeaders(offsets: readonly number[]): Promise<Map<number, RecordHeader>> {
    const sorted = [...new Set(offsets)].sort((a, b) => a - b)
    const out = new Map<number, RecordHeader>()
    const reads: Promise<void>[] = []
    for (let i = 0; i < sorted.length; ) {
      let j = i
      while (
        j + 1 < sorted.length &&
        sorted[j + 1] - (sorted[j] + RECORD_HEADER_SIZE) <= HEADER_GAP &&
        sorted[j + 1] + RECORD_HEADER_SIZE - sorted[i] <= HEADER_SPAN
      ) j++
      const group = sorted.slice(i, j + 1)
      reads.push(this.readHeaderGroup(group, out))
      i = j + 1
    }
    await Promise.all(reads)
    return out
  }

  private async readHeaderGroup(group: number[], out: Map<number, RecordHeader>): Promise<void> {
    const start = group[0]
    const end = group[group.length - 1] + RECORD_HEADER_SIZE
    await this.ensureWritten(end)
    const span = await pread(this.fd, end - start, start)
    readStats.headers += group.length
    for (const at of group) {
      const h = at + RECORD_HEADER_SIZE - start <= span.length ? readRecordHeader(span, at - start) : undefined
      if (!h) throw new DamagedRecordError(at, 'a record header fails its CRC')
      out.set(at, h)
    }
  }
}
