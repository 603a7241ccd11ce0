// What every capture answers, live or reopened from a file: its connections, any byte
// range of one direction, and a connection's events in order.

import type { CaptureEvent, CaptureInfo, ConnectionSummary, Direction } from '../../shared/capture-types'
import type { CaptureReader } from './capture-reader'
import type { IndexView } from './index-view'

export interface CaptureView {
  readonly path: string
  info(): CaptureInfo
  /** Every connection, in the order they opened. */
  listConnections(): Promise<ConnectionSummary[]>
  /**
   * The same, one summary at a time, as often as iterated: for a caller going over a
   * hundred thousand rows, which should not keep them all alive.
   */
  eachConnection(): Promise<Iterable<ConnectionSummary>>
  /** One connection, or undefined when the capture has none with that id. */
  connection(connId: number): Promise<ConnectionSummary | undefined>
  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer>
  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]>
  close(): Promise<void>
}

/** The queries, answered from an index and a reader over the file. */
export abstract class CaptureQueries {
  protected abstract readonly reader: CaptureReader

  constructor(protected readonly index: IndexView) {}

  async listConnections(): Promise<ConnectionSummary[]> {
    return [...(await this.eachConnection())]
  }

  async eachConnection(): Promise<Iterable<ConnectionSummary>> {
    await this.index.loadAll()
    const index = this.index
    return {
      *[Symbol.iterator]() {
        for (let row = 0; row < index.size; row++) yield index.summary(row)
      }
    }
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
