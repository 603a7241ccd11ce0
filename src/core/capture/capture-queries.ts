// What every capture answers, live or reopened from a file: its connections, any byte
// range of one direction, and a connection's events in order.

import type { ActivityPage, CaptureEvent, CaptureEventKind, CaptureInfo, ConnectionPage, ConnectionSummary, Direction, EventPage, MatchList, SearchResult, TurnPage } from '../../shared/capture-types'
import { UserError } from '../../shared/errors'
import type { SearchPattern } from '../../shared/contract'
import { UnknownConnectionError, type CaptureReader } from './capture-reader'
import { connectionActivity, type ActivityWindow } from './connection-activity'
import { ConnectionQuery, type PageQuery, type ProtocolFacts } from './connection-query'
import { ConnectionTurns } from './connection-turns'
import type { IndexView } from './index-queries'
import type { OwnerRecord } from './capture-index'
import type { ChunkIndex } from './chunk-index'
import { RECORD_HEADER_SIZE, dirName } from './capture-format'
import { KIND_OF } from './capture-reader'
import { listMatches } from './match-count'
import { compilePattern, searchStream } from './stream-search'

export interface CaptureView {
  /** `live`, or the id the engine gave an opened file. */
  readonly id: string
  readonly path: string
  info(): CaptureInfo
  /** Every connection, in the order they opened. */
  listConnections(): Promise<ConnectionSummary[]>
  /**
   * Every row's fields, read one at a time without building a summary per row: for a
   * caller going over a hundred thousand rows (ls).
   */
  allRows(): Promise<Pick<IndexView, 'size' | 'fields' | 'bytes' | 'summary'>>
  /** One connection, or undefined when the capture has none with that id. */
  connection(connId: number): Promise<ConnectionSummary | undefined>
  /** The proxies and sessions that owned its connections, from their owner records (pcapng needs where each listened). */
  owners(): Promise<OwnerRecord[]>
  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer>
  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]>
  /** A page of the connection list, filtered and sorted (a `text:` word searches payloads, in slices). */
  page(q: PageQuery, signal?: AbortSignal, facts?: ProtocolFacts): Promise<ConnectionPage>
  /** A slice of a connection's events, with how many it has. */
  eventPage(connId: number, from?: number, limit?: number): Promise<EventPage>
  /** A slice of a connection's turns (consecutive data of one side merged; marks between). */
  turns(connId: number, from?: number, limit?: number): Promise<TurnPage>
  /** Bytes each way over a window of time, for these connections (unknown ids left out). */
  activity(ids: readonly number[], window: ActivityWindow): Promise<ActivityPage>
  /** The index of the event whose data holds byte `offset` of `dir`; -1 past the end. */
  locate(connId: number, dir: Direction, offset: number): Promise<number>
  search(connId: number, dir: Direction, pattern: SearchPattern, opts: { from?: number; backward?: boolean; signal?: AbortSignal }): Promise<SearchResult>
  /** Every match of the pattern in one direction (bounded: see match-count.ts). */
  matches(connId: number, dir: Direction, pattern: SearchPattern, signal?: AbortSignal): Promise<MatchList>
  /** Records as a decoder takes them (see CaptureQueries.decodeRecords). */
  decodeRecords(connId: number, from: number, limit: number, wanted: (dir: Direction, end: number) => boolean): Promise<{ total: number; records: DecodeRecord[] }>
  close(): Promise<void>
}

/** A record as a decoder takes it; `time` is NaN for a data record whose header was not read. */
export interface DecodeRecord {
  kind: CaptureEventKind
  dir?: Direction
  offset: number
  length: number
  time: number
}

/** The chunk whose payload starts at file offset `at` (chunks lie in file order), or -1. */
function chunkAt(chunks: ChunkIndex, at: number): number {
  let lo = 0
  let hi = chunks.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = chunks.file(mid)
    if (v === at) return mid
    if (v < at) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** The queries, answered from an index and a reader over the file. */
export abstract class CaptureQueries {
  protected abstract readonly reader: CaptureReader

  private query: ConnectionQuery | undefined
  private turnLists: ConnectionTurns | undefined

  constructor(protected readonly index: IndexView) {}

  /** Changes whenever the connections do; a closed file never changes. */
  protected version(): number {
    return 0
  }

  page(q: PageQuery, signal?: AbortSignal, facts?: ProtocolFacts): Promise<ConnectionPage> {
    this.query ??= new ConnectionQuery(this.index, () => this.version(), (connId, dir, offset, length) => this.reader.readBytes(connId, dir, offset, length))
    return this.query.page(q, signal, facts)
  }

  private async row(connId: number): Promise<number> {
    const row = await this.index.locate(connId)
    if (row === undefined) throw new UnknownConnectionError(`no connection #${connId} in this capture`)
    await this.index.loadRow(row)
    return row
  }

  async eventPage(connId: number, from = 0, limit = 1000): Promise<EventPage> {
    const events = await this.reader.readEvents(connId, from, limit)
    return { from, total: this.index.recordCount(await this.row(connId)), events }
  }

  async turns(connId: number, from = 0, limit = 500): Promise<TurnPage> {
    const row = await this.row(connId)
    this.turnLists ??= new ConnectionTurns(this.index, this.reader)
    return this.turnLists.page(row, from, limit)
  }

  async activity(ids: readonly number[], window: ActivityWindow): Promise<ActivityPage> {
    if (window.to <= window.from) throw new UserError(`activity: the window must end after it starts (from ${window.from}, to ${window.to})`)
    const found = await Promise.all(
      ids.map(async (id) => {
        const row = await this.index.locate(id)
        if (row !== undefined) await this.index.loadRow(row)
        return row
      })
    )
    const rows = found.filter((row): row is number => row !== undefined)
    const conns = await connectionActivity(this.index, this.reader, rows, window)
    return { from: window.from, to: window.to, buckets: window.buckets, conns }
  }

  async locate(connId: number, dir: Direction, offset: number): Promise<number> {
    const row = await this.row(connId)
    if (offset >= this.index.recordedBytes(row, dir)) return -1
    // The chunk by its stream offset, then its record by file offset: records lie in the
    // file in the order they are listed, so both searches are binary (a 1 GiB stream has
    // tens of thousands of records; the scan this replaces read them all).
    const chunks = this.index.chunks(row, dir)
    const k = chunks.byStreamOffset(offset)
    if (k < 0) return -1
    const at = chunks.file(k) - RECORD_HEADER_SIZE
    let lo = 0
    let hi = this.index.recordCount(row) - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.index.recordOffset(row, mid)
      if (v === at) return mid
      if (v < at) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /**
   * Records `from`..`from + limit` of a connection as a decoder takes them: a data record's
   * direction, stream offset and length come from the index, and its header (for its time)
   * is read only when `wanted` says its bytes are: a 1 GiB body a decoder skips costs no reads.
   */
  async decodeRecords(connId: number, from: number, limit: number, wanted: (dir: Direction, end: number) => boolean): Promise<{ total: number; records: DecodeRecord[] }> {
    const row = await this.row(connId)
    const ix = this.index
    const total = ix.recordCount(row)
    const last = Math.min(total, from + limit)
    const records: DecodeRecord[] = []
    const headers: number[] = []
    for (let i = from; i < last; i++) {
      const dir = ix.recordDirection(row, i)
      if (dir === undefined) {
        records.push({ kind: 'open', offset: -1, length: 0, time: NaN })
        headers.push(ix.recordOffset(row, i))
        continue
      }
      const offset = ix.streamOffset(row, i)
      const chunks = ix.chunks(row, dir)
      const k = chunkAt(chunks, ix.recordOffset(row, i) + RECORD_HEADER_SIZE)
      const end = k >= 0 && k + 1 < chunks.length ? chunks.stream(k + 1) : ix.recordedBytes(row, dir)
      const record: DecodeRecord = { kind: 'data', dir, offset, length: Math.max(0, end - offset), time: NaN }
      records.push(record)
      if (wanted(dir, end)) headers.push(ix.recordOffset(row, i))
    }
    if (headers.length > 0) {
      const read = await this.reader.readHeaders(headers)
      for (let i = from; i < last; i++) {
        const h = read.get(ix.recordOffset(row, i))
        if (!h) continue
        const r = records[i - from]
        r.time = h.time
        if (r.kind !== 'data') {
          r.kind = KIND_OF[h.type] ?? 'error'
          const dir = dirName(h.dir)
          if (dir) r.dir = dir
        } else if (h.length < r.length) r.length = h.length
      }
    }
    return { total, records }
  }

  async search(connId: number, dir: Direction, pattern: SearchPattern, opts: { from?: number; backward?: boolean; signal?: AbortSignal }): Promise<SearchResult> {
    const compiled = compilePattern(pattern)
    const row = await this.row(connId)
    const total = this.index.recordedBytes(row, dir)
    return searchStream((offset, length) => this.reader.readBytes(connId, dir, offset, length), total, compiled, opts)
  }

  async matches(connId: number, dir: Direction, pattern: SearchPattern, signal?: AbortSignal): Promise<MatchList> {
    const row = await this.row(connId)
    return listMatches((id, d, offset, length) => this.reader.readBytes(id, d, offset, length), connId, dir, this.index.recordedBytes(row, dir), pattern, signal)
  }

  async listConnections(): Promise<ConnectionSummary[]> {
    await this.index.loadAll()
    return Array.from({ length: this.index.size }, (_, row) => this.index.summary(row))
  }

  async allRows(): Promise<Pick<IndexView, 'size' | 'fields' | 'bytes' | 'summary'>> {
    await this.index.loadAll()
    return this.index
  }

  async connection(connId: number): Promise<ConnectionSummary | undefined> {
    const row = await this.index.locate(connId)
    if (row === undefined) return undefined
    await this.index.loadRow(row)
    return this.index.summary(row)
  }

  owners(): Promise<OwnerRecord[]> {
    return this.index.owners()
  }

  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer> {
    return this.reader.readBytes(connId, dir, offset, length)
  }

  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]> {
    return this.reader.readEvents(connId, from, limit)
  }
}
