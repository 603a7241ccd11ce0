// What every capture answers, live or reopened from a file: its connections, any byte
// range of one direction, and a connection's events in order.

import type { CaptureEvent, CaptureInfo, ConnectionSummary, Direction } from '../../shared/capture-types'
import type { CaptureIndex } from './capture-index'
import type { CaptureReader } from './capture-reader'

export interface CaptureView {
  readonly path: string
  info(): CaptureInfo
  connections(): ConnectionSummary[]
  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer>
  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]>
  close(): Promise<void>
}

/** The queries, answered from an index and a reader over the file. */
export abstract class CaptureQueries {
  protected abstract readonly reader: CaptureReader

  constructor(protected readonly index: CaptureIndex) {}

  connections(): ConnectionSummary[] {
    return this.index.summaries()
  }

  readBytes(connId: number, dir: Direction, offset: number, length: number): Promise<Buffer> {
    return this.reader.readBytes(connId, dir, offset, length)
  }

  readEvents(connId: number, from?: number, limit?: number): Promise<CaptureEvent[]> {
    return this.reader.readEvents(connId, from, limit)
  }
}
