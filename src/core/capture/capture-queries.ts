// What every capture answers, live or reopened from a file: its connections, any byte
// range of one direction, and a connection's events in order.

import type { ActivityPage, CaptureEvent, CaptureInfo, ConnectionPage, ConnectionSummary, Direction, EventPage, MatchList, SearchResult, TurnPage } from '../../shared/capture-types'
import { UserError } from '../../shared/errors'
import type { SearchPattern } from '../../shared/contract'
import { UnknownConnectionError, type CaptureReader } from './capture-reader'
import { connectionActivity, type ActivityWindow } from './connection-activity'
import { ConnectionQuery, type PageQuery } from './connection-query'
import { ConnectionTurns } from './connection-turns'
import type { IndexView } from './index-queries'
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
  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer>
  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]>
  /** A page of the connection list, filtered and sorted (a `text:` word searches payloads, in slices). */
  page(q: PageQuery, signal?: AbortSignal): Promise<ConnectionPage>
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
  close(): Promise<void>
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

  page(q: PageQuery, signal?: AbortSignal): Promise<ConnectionPage> {
    this.query ??= new ConnectionQuery(this.index, () => this.version(), (connId, dir, offset, length) => this.reader.readBytes(connId, dir, offset, length))
    return this.query.page(q, signal)
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
    let found = -1
    for (let i = 0, n = this.index.recordCount(row); i < n; i++) {
      if (this.index.recordDirection(row, i) !== dir) continue
      if (this.index.streamOffset(row, i) > offset) break
      found = i
    }
    return found
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

  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer> {
    return this.reader.readBytes(connId, dir, offset, length)
  }

  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]> {
    return this.reader.readEvents(connId, from, limit)
  }
}
