// The in-memory index of a capture: connection summaries, where each record starts, and
// where each data chunk's payload sits in the file. Built the same way while recording
// and when a file is reopened, so both give the same answers.

import type { ConnectionEnd, ConnectionSummary, Direction, ErrorInfo, PeerAddress } from '../../shared/capture-types'
import { ChunkIndex, NumberColumn } from './growable'
import { RECORD_HEADER_SIZE, RecordType, dirName } from './format'

export interface IndexedConnection {
  summary: ConnectionSummary
  /** File offset of each of the connection's records, in seq order. */
  records: NumberColumn
  chunks: Record<Direction, ChunkIndex>
}

export interface OpenInfo {
  kind: ConnectionSummary['kind']
  ownerId: string
  client?: PeerAddress
  target: string
}

export interface OwnerInfo {
  event: 'start' | 'stop'
  id: string
  listen: string
  target: string
}


export class CaptureIndex {
  readonly conns = new Map<number, IndexedConnection>()
  readonly owners = new Map<string, OwnerInfo>()

  /**
   * Adds one record. `info` is the record's JSON payload (non-data records). A negative
   * `recordOffset` updates the summary only: the event happened but was not written
   * (recording stopped on a write error).
   */
  add(
    type: RecordType,
    dirCode: number,
    connId: number,
    recordOffset: number,
    length: number,
    time: number,
    info: Record<string, unknown> | undefined
  ): IndexedConnection | undefined {
    if (type === RecordType.Owner) {
      const owner = info as unknown as OwnerInfo
      if (owner && typeof owner.id === 'string') this.owners.set(owner.id, owner)
      return undefined
    }
    if (type === RecordType.Meta) return undefined
    let c = this.conns.get(connId)
    if (type === RecordType.Open) {
      const open = (info ?? {}) as Partial<OpenInfo>
      c = {
        summary: {
          id: connId,
          kind: open.kind ?? 'proxy',
          ownerId: String(open.ownerId ?? ''),
          client: open.client,
          target: String(open.target ?? ''),
          openedAt: time,
          bytes: { client: 0, server: 0 },
          fin: { client: false, server: false },
          end: 'open'
        },
        records: new NumberColumn(),
        chunks: { client: new ChunkIndex(), server: new ChunkIndex() }
      }
      this.conns.set(connId, c)
    }
    if (c === undefined) return undefined
    if (recordOffset >= 0) c.records.push(recordOffset)
    const s = c.summary
    const dir = dirName(dirCode)
    switch (type) {
      case RecordType.Data:
        if (dir) {
          c.chunks[dir].push(recordOffset + RECORD_HEADER_SIZE, s.bytes[dir])
          s.bytes[dir] += length
        }
        break
      case RecordType.Connected:
        s.upstream = { local: info?.local as PeerAddress, remote: info?.remote as PeerAddress }
        break
      case RecordType.ConnectFailed:
      case RecordType.Error:
        s.error = { code: String(info?.code ?? 'ERROR'), message: String(info?.message ?? '') } satisfies ErrorInfo
        break
      case RecordType.Fin:
        if (dir) s.fin[dir] = true
        break
      case RecordType.Close:
        s.end = (info?.end as ConnectionEnd) ?? 'closed'
        s.closedAt = time
        break
    }
    return c
  }

  summaries(): ConnectionSummary[] {
    return [...this.conns.values()].map((c) => c.summary)
  }
}
