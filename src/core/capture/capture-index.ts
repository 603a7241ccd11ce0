// The in-memory index of a capture: for each connection, its summary and where each of
// its records starts in the file. Built the same way while recording and when a file is
// reopened, so both give the same answers.
//
// A busy proxy opens thousands of short connections a second and the index keeps every
// one, so an entry is one object with flat fields plus one array of numbers: recording a
// record appends to that array and allocates nothing else. Summaries for front ends and
// the per-direction chunk lists that byte-range reads search are derived on demand.

import type {
  ConnectionEnd,
  ConnectionKind,
  ConnectionSummary,
  Direction,
  ErrorInfo,
  PeerAddress
} from '../../shared/capture-types'
import { ChunkIndex } from './chunk-index'
import { RECORD_HEADER_SIZE, RecordType, dirName } from './format'

export interface OpenInfo {
  kind: ConnectionKind
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

type Upstream = NonNullable<ConnectionSummary['upstream']>

/** `tag` of a record that is not data. */
const NOT_DATA = -1

export class IndexedConnection {
  closedAt: number | undefined = undefined
  end: ConnectionEnd = 'open'
  upstream: Upstream | undefined = undefined
  error: ErrorInfo | undefined = undefined
  private bytesClient = 0
  private bytesServer = 0
  private finClient = false
  private finServer = false
  /**
   * Two numbers per record, in seq order: the record's file offset, and its tag: for data,
   * where the chunk starts in its direction's stream, times 2, plus 1 for the server
   * direction; else NOT_DATA.
   */
  private readonly log: number[] = []
  /** Chunk lists derived from `log` for byte-range reads, and how many records they cover. */
  private chunkLists: Record<Direction, ChunkIndex> | undefined
  private chunkListsCover = 0

  constructor(
    readonly id: number,
    readonly kind: ConnectionKind,
    readonly ownerId: string,
    readonly client: PeerAddress | undefined,
    readonly target: string,
    readonly openedAt: number
  ) {}

  /** Bytes `dir` has sent so far. */
  bytes(dir: Direction): number {
    return dir === 'client' ? this.bytesClient : this.bytesServer
  }

  get recordCount(): number {
    return this.log.length >>> 1
  }

  /** File offset of record `i` (in seq order). */
  recordOffset(i: number): number {
    return this.log[2 * i]
  }

  /** For data record `i`, where its chunk starts in its direction's stream; else -1. */
  streamOffset(i: number): number {
    const tag = this.log[2 * i + 1]
    return tag === NOT_DATA ? -1 : Math.floor(tag / 2)
  }

  /**
   * Adds a record that is not data. A negative `recordOffset` (here and in addData) updates
   * the summary only: the event happened but was not written (recording stopped on an error).
   */
  addRecord(recordOffset: number): void {
    if (recordOffset >= 0) this.log.push(recordOffset, NOT_DATA)
  }

  addData(dir: Direction, recordOffset: number, length: number): void {
    if (dir === 'client') {
      if (recordOffset >= 0) this.log.push(recordOffset, this.bytesClient * 2)
      this.bytesClient += length
    } else {
      if (recordOffset >= 0) this.log.push(recordOffset, this.bytesServer * 2 + 1)
      this.bytesServer += length
    }
  }

  setFin(dir: Direction): void {
    if (dir === 'client') this.finClient = true
    else this.finServer = true
  }

  /** Where each data chunk of `dir` lies (payload file offset, stream offset), up to date. */
  chunks(dir: Direction): ChunkIndex {
    const lists = (this.chunkLists ??= { client: new ChunkIndex(), server: new ChunkIndex() })
    const n = this.recordCount
    for (let i = this.chunkListsCover; i < n; i++) {
      const tag = this.log[2 * i + 1]
      if (tag === NOT_DATA) continue
      lists[tag % 2 === 1 ? 'server' : 'client'].push(this.log[2 * i] + RECORD_HEADER_SIZE, Math.floor(tag / 2))
    }
    this.chunkListsCover = n
    return lists[dir]
  }

  /** The connection as front ends see it: a fresh object, safe to keep or send. */
  summary(): ConnectionSummary {
    const s: ConnectionSummary = {
      id: this.id,
      kind: this.kind,
      ownerId: this.ownerId,
      target: this.target,
      openedAt: this.openedAt,
      bytes: { client: this.bytesClient, server: this.bytesServer },
      fin: { client: this.finClient, server: this.finServer },
      end: this.end
    }
    if (this.client !== undefined) s.client = this.client
    if (this.upstream !== undefined) s.upstream = this.upstream
    if (this.closedAt !== undefined) s.closedAt = this.closedAt
    if (this.error !== undefined) s.error = this.error
    return s
  }
}

export class CaptureIndex {
  readonly conns = new Map<number, IndexedConnection>()
  readonly owners = new Map<string, OwnerInfo>()

  /**
   * Adds one record as read from a file. `info` is the record's JSON payload (non-data
   * records). Records of unknown connections are ignored.
   */
  add(
    type: RecordType,
    dirCode: number,
    connId: number,
    recordOffset: number,
    length: number,
    time: number,
    info: Record<string, unknown> | undefined
  ): void {
    if (type === RecordType.Owner) {
      const owner = info as unknown as OwnerInfo
      if (owner && typeof owner.id === 'string') this.owners.set(owner.id, owner)
    } else if (type === RecordType.Open) {
      this.open(connId, recordOffset, time, (info ?? {}) as Partial<OpenInfo>)
    } else if (type !== RecordType.Meta) {
      const c = this.conns.get(connId)
      const dir = dirName(dirCode)
      if (c === undefined) return
      if (type === RecordType.Data) {
        if (dir) c.addData(dir, recordOffset, length)
      } else this.event(c, type, dir, recordOffset, time, info)
    }
  }

  /** A connection's open record (seq 0). */
  open(connId: number, recordOffset: number, time: number, open: Partial<OpenInfo>): IndexedConnection {
    const c = new IndexedConnection(connId, open.kind ?? 'proxy', String(open.ownerId ?? ''), open.client, String(open.target ?? ''), time)
    this.conns.set(connId, c)
    c.addRecord(recordOffset)
    return c
  }

  /** Any record of a connection but open and data. */
  event(
    c: IndexedConnection,
    type: RecordType,
    dir: Direction | undefined,
    recordOffset: number,
    time: number,
    info: Record<string, unknown> | undefined
  ): void {
    c.addRecord(recordOffset)
    switch (type) {
      case RecordType.Connected:
        c.upstream = { local: info?.local as PeerAddress, remote: info?.remote as PeerAddress }
        break
      case RecordType.ConnectFailed:
      case RecordType.Error:
        c.error = { code: String(info?.code ?? 'ERROR'), message: String(info?.message ?? '') }
        break
      case RecordType.Fin:
        if (dir) c.setFin(dir)
        break
      case RecordType.Close:
        c.end = (info?.end as ConnectionEnd) ?? 'closed'
        c.closedAt = time
        break
    }
  }

  summaries(): ConnectionSummary[] {
    return [...this.conns.values()].map((c) => c.summary())
  }
}
