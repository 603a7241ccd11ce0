// What every capture answers, live or reopened from a file: its connections, any byte
// range of one direction, and a connection's events in order.

import type { ActivityPage, CaptureEvent, CaptureInfo, ConnectionEnd, ConnectionKind, ConnectionPage, ConnectionSummary, Direction, EventPage, MatchList, SearchResult, TurnPage } from '../../../shared/capture-types'
import { UserError } from '../../../shared/errors'
import type { SearchPattern } from '../../../shared/contract'
import { connectionActivity, type ActivityWindow } from './connection-activity'
import { ConnectionQuery, type PageQuery, type ProtocolFacts } from './connection-query'
import { ConnectionTurns } from './connection-turns'
import type { IndexView } from '../read/index-view'
import type { OwnerRecord } from '../format/record-payloads'
import { RECORD_HEADER_SIZE } from '../format/capture-format'
import { connectionRow, type CaptureReader } from '../read/capture-reader'
import { KeptWindows } from './kept-windows'
import { fillRecords, planRecords, readAt, readEnd, readIndex, readRecord, scratchHeader, type DecodeRecords, type RecordPlan } from './decode-records'
import { listMatches } from './match-count'
import { compilePattern, keptRuns, searchKept } from './stream-search'
import { READ_LIMITS, readGroups } from '../../../shared/read-spans'

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
  /** What decoding a connection needs of it (connection() less the summary's peers, TLS and notes); undefined as there. */
  decodeState(connId: number): Promise<DecodeState | undefined>
  /** Loads what decoding reads of every connection's row before a file's decoding asks for each (IndexView.loadForDecoding). */
  loadForDecoding(): Promise<void>
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
  /** Reads [start, end) of the file once for the decodeRecords calls that follow, and [end, ahead) meanwhile for the next call (see CaptureQueries.keepRecent). */
  keepRecent(start: number, end: number, ahead?: number): Promise<void>
  /** Reads [start, end) of the file and keeps it beside the windows kept already, until dropWindows (see CaptureQueries.keepWindow). */
  keepWindow(start: number, end: number): Promise<void>
  /** Forgets the windows kept that end at or before `upTo`. */
  dropWindows(upTo: number): void
  /** Records as a decoder takes them (see CaptureQueries.decodeRecords). */
  decodeRecords(connId: number, from: number, limit: number, want: Record<Direction, number>, maxBytes: number, until?: number, unheld?: BatchLimits): Promise<DecodedRecords>
  close(): Promise<void>
}

/** A connection as its decoding sees it, read from its row without building its summary. */
export interface DecodeState {
  end: ConnectionEnd
  finClient: boolean
  finServer: boolean
  /** Bytes each side sent. */
  bytesClient: number
  bytesServer: number
  target: string
  /** A server session's answers are in its own server stream; a proxy's answer in its target's place is only in a rule record. */
  kind: ConnectionKind
}

/** What decodeRecords answers: the records, and their bytes in one payload (see DecodeRecords). */
export interface DecodedRecords {
  total: number
  records: DecodeRecords
  stopped: boolean
  payload: Uint8Array
}

/** A batch's most records, and payload bytes (it stops once it has taken that many). */
export interface BatchLimits {
  records: number
  bytes: number
}

/** Records this close in the file are read together, in reads of at most MAX_SPAN. */
const SPAN_GAP = 64 * 1024
const MAX_SPAN = 4 * 1024 * 1024

/** Reads g..h of a RecordPlan, close together in the file: its [start, end), and the buffer holding it once at hand (a kept window's, or read). */
interface SpanGroup {
  g: number
  h: number
  start: number
  end: number
  held: { buf: Buffer; base: number } | undefined
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

  async eventPage(connId: number, from = 0, limit = 1000): Promise<EventPage> {
    const events = await this.reader.readEvents(connId, from, limit)
    return { from, total: this.index.recordCount(await connectionRow(this.index, connId)), events }
  }

  async turns(connId: number, from = 0, limit = 500): Promise<TurnPage> {
    const row = await connectionRow(this.index, connId)
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
    const row = await connectionRow(this.index, connId)
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

  /** Windows of the file kept for decodeRecords (kept-windows.ts). */
  private readonly kept = new KeptWindows(
    (start, end) => this.reader.readWindow(start, end),
    () => this.recordsEnd()
  )

  /** Where the file's records end (a stored index, which no decoder reads, may follow them). */
  protected recordsEnd(): number {
    return Infinity
  }

  keepRecent(start: number, end: number, ahead?: number): Promise<void> {
    return this.kept.keepRecent(start, end, ahead)
  }

  keepWindow(start: number, end: number): Promise<void> {
    return this.kept.keepWindow(start, end)
  }

  dropWindows(upTo: number): void {
    this.kept.drop(upTo)
  }

  /**
   * A plan's reads grouped by nearness in the file (records are listed in file order), each
   * group with the buffer holding it when a kept window does. A group that starts in a
   * window ends with it: the record running on past it (windows end anywhere) is put
   * together on its own.
   */
  private spanGroups(plan: RecordPlan): SpanGroup[] {
    const groups: SpanGroup[] = []
    for (let g = 0; g < plan.readCount; ) {
      let h = g
      const start = readAt(plan, g)
      const kept = this.kept.windowAt(start)
      const stop = kept ? kept.start + kept.buf.length : Infinity
      while (h + 1 < plan.readCount && readAt(plan, h + 1) - readEnd(plan, h) <= SPAN_GAP && readEnd(plan, h + 1) - start <= MAX_SPAN && readEnd(plan, h + 1) <= stop) h++
      const end = readEnd(plan, h)
      groups.push({ g, h, start, end, held: this.kept.holding(kept, start, end) })
      g = h + 1
    }
    return groups
  }

  /**
   * Records `from`..`from + limit` of a connection as a decoder takes them, with the bytes of
   * each data record from where its direction's decoding wants them (`want`): records and
   * payloads lying close together in the file are read with one read, whatever their
   * direction, and a data record wholly below `want` (a body the decoder skips) is not read
   * at all. Stops early once `maxBytes` of payload are taken, and before the first record at
   * file offset `until` or later (`total` then counts the records before it, and `stopped` says so).
   * With `unheld`, a call that would read from the file (its records are not all in kept
   * windows) takes no more than those limits: while a connection's protocol is still to be
   * told, a few records need not cost a span of the file, but those a window holds already
   * come as a whole batch.
   */
  async decodeRecords(connId: number, from: number, limit: number, want: Record<Direction, number>, maxBytes: number, until = Infinity, unheld?: BatchLimits): Promise<DecodedRecords> {
    const row = await connectionRow(this.index, connId)
    let plan = planRecords(this.index, row, from, limit, want, maxBytes, until)
    let groups = this.spanGroups(plan)
    if (unheld && (plan.records.count > unheld.records || plan.payloadBytes > unheld.bytes) && groups.some((g) => !g.held)) {
      plan = planRecords(this.index, row, from, unheld.records, want, unheld.bytes, until)
      groups = this.spanGroups(plan)
    }
    const { payloadBytes } = plan
    // Not zeroed first (a call's payloads come to the file's size, and zeroing them was a
    // tenth of this call's time): every byte is copied in below (fillRecords checks each
    // copy, and the check after the loop the total). A small payload is cut from Node's pool
    // (under 4 KiB; a larger one is a buffer of its own, which a feed moves to the worker): a
    // buffer of its own for each of 100,000 one-exchange connections' calls was 4% of the
    // engine's thread, and as many backing stores for the collector to sweep.
    const unzeroed = Buffer.allocUnsafe(payloadBytes)
    const payload = new Uint8Array(unzeroed.buffer, unzeroed.byteOffset, payloadBytes)
    let at = 0
    const header = scratchHeader()
    const rules: number[] = []
    const unread = groups.filter((g) => !g.held)
    // Groups filled in file order as soon as their bytes are at hand, and let go once filled.
    let i = 0
    const fillHeld = (): void => {
      for (let g = groups[i]; i < groups.length && g.held; g = groups[++i]) {
        at = fillRecords(g.held.buf, g.held.base, plan, g.g, g.h, connId, header, rules, payload, at)
        g.held = undefined
      }
    }
    fillHeld()
    // The groups no kept window holds are read several at once (readGroups, READ_LIMITS): a
    // detail's few records of a connection interleaved with others are a read each, and one
    // after another `tcpscope show` of 100,000 exchanges waited on them over half its time.
    for (const reads of readGroups(unread, READ_LIMITS.budget)) {
      const got = await Promise.all(reads.map((g) => this.reader.readSpan(g.start, g.end)))
      reads.forEach((g, k) => (g.held = { buf: got[k], base: g.start }))
      fillHeld()
    }
    // Never so, as planned; were it so, bytes not read would reach the decoder.
    if (at !== payloadBytes) throw new Error(`decodeRecords filled ${at} of ${payloadBytes} payload bytes`)
    const records = plan.records
    for (const k of rules) {
      const [event] = await this.reader.readEvents(connId, readIndex(plan, k), 1)
      if (event?.info) records.setInfo(readRecord(plan, k), event.info)
    }
    const { total, stopped } = plan
    return { total, records, stopped, payload }
  }

  async search(connId: number, dir: Direction, pattern: SearchPattern, opts: { from?: number; backward?: boolean; signal?: AbortSignal }): Promise<SearchResult> {
    const compiled = compilePattern(pattern)
    const row = await connectionRow(this.index, connId)
    const runs = keptRuns(this.index.chunks(row, dir), this.index.recordedBytes(row, dir))
    return searchKept((offset, length) => this.reader.readBytes(connId, dir, offset, length), runs, compiled, opts)
  }

  async matches(connId: number, dir: Direction, pattern: SearchPattern, signal?: AbortSignal): Promise<MatchList> {
    const row = await connectionRow(this.index, connId)
    const total = this.index.recordedBytes(row, dir)
    return listMatches((id, d, offset, length) => this.reader.readBytes(id, d, offset, length), connId, dir, total, keptRuns(this.index.chunks(row, dir), total), pattern, signal)
  }

  async listConnections(): Promise<ConnectionSummary[]> {
    await this.index.loadAll()
    return Array.from({ length: this.index.size }, (_, row) => this.index.summary(row))
  }

  async allRows(): Promise<Pick<IndexView, 'size' | 'fields' | 'bytes' | 'summary'>> {
    await this.index.loadAll()
    return this.index
  }

  connection(connId: number): Promise<ConnectionSummary | undefined> {
    return this.fromRow(connId, this.summaryOf)
  }

  /**
   * A summary builds every field (peers, TLS facts cloned, notes) where decoding reads five,
   * once a batch: 42 of the 1,638 MB the engine's thread allocated decoding 100,000
   * one-exchange connections, and a structured clone a batch for a connection with TLS.
   */
  decodeState(connId: number): Promise<DecodeState | undefined> {
    return this.fromRow(connId, this.stateOf)
  }

  loadForDecoding(): Promise<void> {
    return this.index.loadForDecoding()
  }

  private readonly summaryOf = (row: number): ConnectionSummary => this.index.summary(row)

  private readonly stateOf = (row: number): DecodeState => {
    const ix = this.index
    const f = ix.fields
    return { end: f.end(row), finClient: f.fin(row, 'client'), finServer: f.fin(row, 'server'), bytesClient: ix.bytes(row, 'client'), bytesServer: ix.bytes(row, 'server'), target: f.target(row), kind: f.kind(row) }
  }

  /** `read` of a connection's row: at once when the row is loaded, else once it is found and loaded; undefined for an id the capture lacks. */
  private fromRow<T>(connId: number, read: (row: number) => T): Promise<T | undefined> {
    const loaded = this.index.loadedRow(connId)
    if (loaded === undefined) return this.locatedRow(connId, read)
    try {
      return Promise.resolve(read(loaded))
    } catch (err) {
      // A caller of a promise gets its failure as a rejection, loaded or not.
      return Promise.reject(err as Error)
    }
  }

  private async locatedRow<T>(connId: number, read: (row: number) => T): Promise<T | undefined> {
    const row = await this.index.locate(connId)
    if (row === undefined) return undefined
    await this.index.loadRow(row)
    return read(row)
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
