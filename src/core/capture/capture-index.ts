// The in-memory index of a capture: for each connection, its summary and where each of
// its records starts in the file. Built the same way while recording and when a file is
// reopened, so both give the same answers.
//
// It is kept in columns. A busy proxy indexes thousands of connections a second and keeps
// every one; measured here (bench/paired.mjs), keeping a few small objects per connection
// (about 8, forever) cost the garbage collector about as much as writing the connection's
// seven records, and these columns win back most of it. So a connection is a row: its
// numbers live in number arrays, its strings are shared ones (addresses are interned), and
// its first records sit in a fixed slot. Only a connection with more records than the slot
// holds gets an array of its own. Summaries and the chunk lists that byte-range reads
// search are built when asked for.

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

/** `tag` of a record that is not data. */
const NOT_DATA = -1
/** Records (two numbers each) kept in a connection's fixed slot. */
const SLOT = 8

/** Peer addresses of one role (client, upstream local, upstream remote), flattened. */
class PeerColumn {
  /** The address, or the Unix socket path; undefined: no peer. */
  private readonly address: (string | undefined)[] = []
  /** The port; -1 for a path. */
  private readonly port: number[] = []
  private readonly family: string[] = []

  set(row: number, p: PeerAddress | undefined): void {
    if (p === undefined) {
      this.address[row] = undefined
      this.port[row] = 0
      this.family[row] = ''
    } else if ('path' in p) {
      this.address[row] = String(p.path)
      this.port[row] = -1
      this.family[row] = ''
    } else {
      this.address[row] = String(p.address)
      this.port[row] = Number(p.port)
      this.family[row] = String(p.family)
    }
  }

  get(row: number): PeerAddress | undefined {
    const address = this.address[row]
    if (address === undefined) return undefined
    const port = this.port[row]
    return port === -1 ? { path: address } : { address, port, family: this.family[row] }
  }
}

const KINDS: readonly ConnectionKind[] = ['proxy', 'server', 'client']
const ENDS: readonly ConnectionEnd[] = ['open', 'closed', 'client-reset', 'server-reset', 'connect-failed', 'error', 'stopped', 'cut']
const FIN_CLIENT = 1
const FIN_SERVER = 2
const HAS_UPSTREAM = 4

export class CaptureIndex {
  readonly owners = new Map<string, OwnerInfo>()
  /** Rows of connections whose id is not their row + 1 (ids as tcpscope assigns them). */
  private readonly oddRows = new Map<number, number>()
  private readonly ids: number[] = []
  private readonly kinds: number[] = []
  private readonly ownerIds: string[] = []
  private readonly targets: string[] = []
  private readonly openedAt: number[] = []
  /** NaN while open. */
  private readonly closedAt: number[] = []
  private readonly bytesClient: number[] = []
  private readonly bytesServer: number[] = []
  private readonly flags: number[] = []
  private readonly ends: number[] = []
  private readonly client = new PeerColumn()
  private readonly local = new PeerColumn()
  private readonly remote = new PeerColumn()
  private readonly errors = new Map<number, ErrorInfo>()
  private readonly recordCounts: number[] = []
  /**
   * Each row's first SLOT records, two numbers each: the record's file offset, and its tag:
   * for data, where the chunk starts in its direction's stream, times 2, plus 1 for the
   * server direction; else NOT_DATA.
   */
  private slots = new Float64Array(SLOT * 2 * 256)
  /** All records of a row with more than SLOT of them, in the same two-number form. */
  private readonly overflow = new Map<number, number[]>()
  /** Chunk lists built for byte-range reads, and how many records they cover. */
  private readonly chunkLists = new Map<number, { lists: Record<Direction, ChunkIndex>; cover: number }>()

  get size(): number {
    return this.ids.length
  }

  private rowOf(connId: number): number | undefined {
    return this.ids[connId - 1] === connId ? connId - 1 : this.oddRows.get(connId)
  }

  /** The connection with this id, or undefined. */
  get(connId: number): IndexedConnection | undefined {
    const row = this.rowOf(connId)
    return row === undefined ? undefined : new IndexedConnection(this, row)
  }

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
      const row = this.rowOf(connId)
      const dir = dirName(dirCode)
      if (row === undefined) return
      if (type === RecordType.Data) {
        if (dir) this.addData(row, dir, recordOffset, length)
      } else this.event(row, type, dir, recordOffset, time, info)
    }
  }

  /**
   * A connection's open record (seq 0); returns its row. A negative `recordOffset` (here
   * and below) updates the summary only: the event happened but was not written
   * (recording stopped on an error).
   */
  open(connId: number, recordOffset: number, time: number, open: Partial<OpenInfo>): number {
    const row = this.ids.length
    // A file may repeat an id or number connections its own way; the first open wins.
    if (this.rowOf(connId) !== undefined) return this.rowOf(connId)!
    if (connId !== row + 1) this.oddRows.set(connId, row)
    this.ids.push(connId)
    this.kinds.push(Math.max(0, KINDS.indexOf(open.kind ?? 'proxy')))
    this.ownerIds.push(String(open.ownerId ?? ''))
    this.targets.push(String(open.target ?? ''))
    this.openedAt.push(time)
    this.closedAt.push(NaN)
    this.bytesClient.push(0)
    this.bytesServer.push(0)
    this.flags.push(0)
    this.ends.push(0)
    this.client.set(row, open.client)
    this.local.set(row, undefined)
    this.remote.set(row, undefined)
    this.recordCounts.push(0)
    if ((row + 1) * SLOT * 2 > this.slots.length) {
      const grown = new Float64Array(this.slots.length * 2)
      grown.set(this.slots)
      this.slots = grown
    }
    this.addRecord(row, recordOffset, NOT_DATA)
    return row
  }

  private addRecord(row: number, recordOffset: number, tag: number): void {
    if (recordOffset < 0) return
    const n = this.recordCounts[row]++
    if (n < SLOT) {
      this.slots[(row * SLOT + n) * 2] = recordOffset
      this.slots[(row * SLOT + n) * 2 + 1] = tag
      return
    }
    let all = this.overflow.get(row)
    if (all === undefined) {
      all = Array.from(this.slots.subarray(row * SLOT * 2, (row + 1) * SLOT * 2))
      this.overflow.set(row, all)
    }
    all.push(recordOffset, tag)
  }

  /** A data record: the hot path of live recording. */
  addData(row: number, dir: Direction, recordOffset: number, length: number): void {
    if (dir === 'client') {
      this.addRecord(row, recordOffset, this.bytesClient[row] * 2)
      this.bytesClient[row] += length
    } else {
      this.addRecord(row, recordOffset, this.bytesServer[row] * 2 + 1)
      this.bytesServer[row] += length
    }
  }

  /** Any record of a connection but open and data. */
  event(
    row: number,
    type: RecordType,
    dir: Direction | undefined,
    recordOffset: number,
    time: number,
    info: Record<string, unknown> | undefined
  ): void {
    this.addRecord(row, recordOffset, NOT_DATA)
    switch (type) {
      case RecordType.Connected:
        this.local.set(row, info?.local as PeerAddress | undefined)
        this.remote.set(row, info?.remote as PeerAddress | undefined)
        this.flags[row] |= HAS_UPSTREAM
        break
      case RecordType.ConnectFailed:
      case RecordType.Error:
        this.errors.set(row, { code: String(info?.code ?? 'ERROR'), message: String(info?.message ?? '') })
        break
      case RecordType.Fin:
        if (dir) this.flags[row] |= dir === 'client' ? FIN_CLIENT : FIN_SERVER
        break
      case RecordType.Close:
        this.setEnd(row, (info?.end as ConnectionEnd | undefined) ?? 'closed')
        this.closedAt[row] = time
        break
    }
  }

  setEnd(row: number, end: ConnectionEnd): void {
    const code = ENDS.indexOf(end)
    this.ends[row] = code < 0 ? ENDS.indexOf('closed') : code
  }

  /** Marks every connection still open as cut: the file ended before they did. */
  cutOpen(): void {
    for (let row = 0; row < this.ends.length; row++) if (this.ends[row] === 0) this.setEnd(row, 'cut')
  }

  bytes(row: number, dir: Direction): number {
    return dir === 'client' ? this.bytesClient[row] : this.bytesServer[row]
  }

  recordCount(row: number): number {
    return this.recordCounts[row]
  }

  private record(row: number, i: number, part: 0 | 1): number {
    const all = this.overflow.get(row)
    return all !== undefined ? all[2 * i + part] : this.slots[(row * SLOT + i) * 2 + part]
  }

  recordOffset(row: number, i: number): number {
    return this.record(row, i, 0)
  }

  /** For data record `i`, where its chunk starts in its direction's stream; else -1. */
  streamOffset(row: number, i: number): number {
    const tag = this.record(row, i, 1)
    return tag === NOT_DATA ? -1 : Math.floor(tag / 2)
  }

  /** Where each data chunk of `dir` lies (payload file offset, stream offset), up to date. */
  chunks(row: number, dir: Direction): ChunkIndex {
    let built = this.chunkLists.get(row)
    if (built === undefined) {
      built = { lists: { client: new ChunkIndex(), server: new ChunkIndex() }, cover: 0 }
      this.chunkLists.set(row, built)
    }
    const n = this.recordCounts[row]
    for (let i = built.cover; i < n; i++) {
      const tag = this.record(row, i, 1)
      if (tag === NOT_DATA) continue
      built.lists[tag % 2 === 1 ? 'server' : 'client'].push(this.record(row, i, 0) + RECORD_HEADER_SIZE, Math.floor(tag / 2))
    }
    built.cover = n
    return built.lists[dir]
  }

  /** The connection as front ends see it: a fresh object, safe to keep or send. */
  summary(row: number): ConnectionSummary {
    const flags = this.flags[row]
    const s: ConnectionSummary = {
      id: this.ids[row],
      kind: KINDS[this.kinds[row]],
      ownerId: this.ownerIds[row],
      target: this.targets[row],
      openedAt: this.openedAt[row],
      bytes: { client: this.bytesClient[row], server: this.bytesServer[row] },
      fin: { client: (flags & FIN_CLIENT) !== 0, server: (flags & FIN_SERVER) !== 0 },
      end: ENDS[this.ends[row]]
    }
    const client = this.client.get(row)
    if (client !== undefined) s.client = client
    if (flags & HAS_UPSTREAM) s.upstream = { local: this.local.get(row), remote: this.remote.get(row) }
    if (!Number.isNaN(this.closedAt[row])) s.closedAt = this.closedAt[row]
    const error = this.errors.get(row)
    if (error !== undefined) s.error = error
    return s
  }

  summaries(): ConnectionSummary[] {
    return this.ids.map((_, row) => this.summary(row))
  }
}

/** One connection of an index, for the code that records or reads it. */
export class IndexedConnection {
  constructor(
    private readonly index: CaptureIndex,
    readonly row: number
  ) {}

  bytes(dir: Direction): number {
    return this.index.bytes(this.row, dir)
  }

  get recordCount(): number {
    return this.index.recordCount(this.row)
  }

  recordOffset(i: number): number {
    return this.index.recordOffset(this.row, i)
  }

  streamOffset(i: number): number {
    return this.index.streamOffset(this.row, i)
  }

  chunks(dir: Direction): ChunkIndex {
    return this.index.chunks(this.row, dir)
  }

  summary(): ConnectionSummary {
    return this.index.summary(this.row)
  }
}
