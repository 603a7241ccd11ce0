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
//
// It also serves as the form every index takes in memory: a capture reopened from its
// stored index (stored-index.ts) answers the same IndexView from the file instead.

import type { ConnectionEnd, ConnectionSummary, Direction, PeerAddress } from '../../../shared/capture-types'
import { answeredBytes, ruleChangedDelivery, type RuleEventInfo } from '../../../shared/rules/rule-types'
import { RecordType, dirName } from '../format/capture-format'
import { CHANGED_BY_RULE, changedOfFlags, EDITED_AT_BREAKPOINT, ENDS, FIN_CLIENT, FIN_SERVER, HAS_UPSTREAM, KINDS, resetFlagsOf, viaFlags, viaOfFlags, type IndexSource } from '../format/index-codec'
import { OwnerTable, replaySourceOf, viaOf, type OpenInfo, type OwnerInfo, type OwnerRecord } from '../format/record-payloads'
import { tlsEventOf } from '../format/tls-payloads'
import { dataTag, gapTag, NOT_DATA, streamPlace, TaggedRecords } from '../format/record-tag'
import { gapInfoOf } from '../format/record-payloads'
import type { IndexView, PeerRole, RowFields } from '../read/index-view'
import { PeerColumn } from './peer-column'
import { RowExtras } from './row-extras'

/** Records (two numbers each) kept in a connection's fixed slot. */
const SLOT = 8

// A row's numbers, side by side in one array that grows as a whole: the fields, then the
// slot of its first SLOT records (file offset, tag).
const ID = 0
const OPENED_AT = 1
/** NaN while open. */
const CLOSED_AT = 2
const BYTES_CLIENT = 3
const BYTES_SERVER = 4
const FLAGS = 5
const KIND = 6
const END = 7
const RECORDS = 8
/**
 * Where each direction's recorded bytes end: the same as BYTES_* unless recording stopped
 * on a write error, after which bytes are still counted (they were forwarded) but no
 * longer recorded.
 */
const REC_END_CLIENT = 9
const REC_END_SERVER = 10
const SLOT_AT = 12
const STRIDE = SLOT_AT + SLOT * 2

export class CaptureIndex extends TaggedRecords implements IndexView, IndexSource {
  /** Counts every change, so a cached view of the list knows when it is stale. */
  changes = 0
  private rows = 0
  private cells = new Float64Array(STRIDE * 1024)
  /** Rows of connections whose id is not their row + 1 (ids as tcpscope assigns them). */
  private readonly oddRows = new Map<number, number>()
  private readonly ownerIds: string[] = []
  private readonly targets: string[] = []
  private readonly client = new PeerColumn()
  private readonly local = new PeerColumn()
  private readonly remote = new PeerColumn()
  /** What few rows have: an error, a replay's source, TLS, gaps, answers. */
  private readonly extras = new RowExtras()
  private readonly ownerTable = new OwnerTable()
  /**
   * All records of a row with more than SLOT of them, as in the slot: two numbers each, the
   * record's file offset and its tag (record-tag.ts).
   */
  private readonly overflow = new Map<number, number[]>()

  get size(): number {
    return this.rows
  }

  /** The row of the connection with this id, or undefined. */
  rowOf(connId: number): number | undefined {
    const row = connId - 1
    return row >= 0 && row < this.rows && this.cells[row * STRIDE + ID] === connId ? row : this.oddRows.get(connId)
  }

  locate(connId: number): Promise<number | undefined> {
    return Promise.resolve(this.rowOf(connId))
  }

  /** Every row is loaded. */
  loadedRow(connId: number): number | undefined {
    return this.rowOf(connId)
  }

  /** Everything is in memory already. */
  loadAll(): Promise<void> {
    return Promise.resolve()
  }
  loadRow(_row: number): Promise<void> {
    return Promise.resolve()
  }
  loadForDecoding(): Promise<void> {
    return Promise.resolve()
  }

  /**
   * Adds one record as read from a file. `info` is the record's JSON payload (non-data
   * records). Records of unknown connections (and records that belong to none) are ignored.
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
    if (type === RecordType.Open) {
      this.open(connId, recordOffset, time, (info ?? {}) as Partial<OpenInfo>)
    } else if (type === RecordType.Owner) {
      this.owner((info ?? {}) as Partial<OwnerInfo>, time)
    } else if (connId !== 0) {
      const row = this.rowOf(connId)
      const dir = dirName(dirCode)
      if (row === undefined) return
      if (type === RecordType.Data) {
        if (dir) this.addData(row, dir, recordOffset, length)
      } else if (type === RecordType.Gap) {
        // A gap that does not start where its direction's stream ends says something else than the
        // bytes around it: it is kept as an event, and the stream's offsets stay those of the data.
        const gap = gapInfoOf(info)
        if (dir && gap !== undefined && gap.offset === this.bytes(row, dir)) this.addGap(row, dir, recordOffset, gap.bytes)
        else this.event(row, type, dir, recordOffset, time, info)
      } else this.event(row, type, dir, recordOffset, time, info)
    }
  }

  /** A proxy or session started or stopped (an owner record). */
  owner(info: Partial<OwnerInfo>, time: number): void {
    this.ownerTable.note(info, time)
  }

  /** Every proxy and session the capture has owner records of. */
  ownerList(): OwnerRecord[] {
    return this.ownerTable.list()
  }

  owners(): Promise<OwnerRecord[]> {
    return Promise.resolve(this.ownerList())
  }

  /**
   * A connection's open record (seq 0); returns its row. A negative `recordOffset` (here
   * and below) updates the summary only: the event happened but was not written
   * (recording stopped on an error).
   */
  open(connId: number, recordOffset: number, time: number, open: Partial<OpenInfo>): number {
    // A file may repeat an id or number connections its own way; the first open wins.
    const known = this.rowOf(connId)
    if (known !== undefined) return known
    const row = this.rows++
    this.changes++
    if (connId !== row + 1) this.oddRows.set(connId, row)
    if (this.rows * STRIDE > this.cells.length) {
      const grown = new Float64Array(this.cells.length * 2)
      grown.set(this.cells)
      this.cells = grown
    }
    const at = row * STRIDE
    const c = this.cells
    c[at + ID] = connId
    c[at + OPENED_AT] = time
    c[at + CLOSED_AT] = NaN
    c[at + KIND] = Math.max(0, KINDS.indexOf(open.kind ?? 'proxy'))
    c[at + FLAGS] = viaFlags(viaOf(open.via))
    this.ownerIds.push(String(open.ownerId ?? ''))
    this.targets.push(String(open.target ?? ''))
    this.client.set(row, open.client)
    const source = replaySourceOf(open.replayOf)
    if (source !== undefined) this.extras.setReplay(row, source)
    this.local.set(row, undefined)
    this.remote.set(row, undefined)
    this.addRecord(row, recordOffset, NOT_DATA)
    return row
  }

  private addRecord(row: number, recordOffset: number, tag: number): void {
    if (recordOffset < 0) return
    const at = row * STRIDE
    const n = this.cells[at + RECORDS]++
    if (n < SLOT) {
      this.cells[at + SLOT_AT + 2 * n] = recordOffset
      this.cells[at + SLOT_AT + 2 * n + 1] = tag
      return
    }
    let all = this.overflow.get(row)
    if (all === undefined) {
      all = Array.from(this.cells.subarray(at + SLOT_AT, at + STRIDE))
      this.overflow.set(row, all)
    }
    all.push(recordOffset, tag)
  }

  /** A data record: the hot path of live recording. */
  addData(row: number, dir: Direction, recordOffset: number, length: number): void {
    const field = row * STRIDE + (dir === 'client' ? BYTES_CLIENT : BYTES_SERVER)
    const end = this.cells[field] + length
    this.changes++
    if (recordOffset >= 0) {
      this.addRecord(row, recordOffset, dataTag(dir, this.cells[field]))
      this.cells[row * STRIDE + (dir === 'client' ? REC_END_CLIENT : REC_END_SERVER)] = end
    }
    this.cells[field] = end
  }

  /**
   * `length` bytes `dir` sent were forwarded but not kept: the stream's offsets go on past
   * them, as on the wire. Their gap record follows (placeGap), once it is written.
   */
  dropData(row: number, dir: Direction, length: number): void {
    this.addData(row, dir, -1, length)
    this.extras.drop(row, dir, length)
  }

  /** The gap record of bytes [offset, offset + length) of `dir` (already counted by dropData): the chunk lists mark the hole. */
  placeGap(row: number, dir: Direction, recordOffset: number, offset: number, length: number): void {
    if (recordOffset < 0) return
    this.changes++
    this.addRecord(row, recordOffset, gapTag(dir, offset))
    const field = row * STRIDE + (dir === 'client' ? REC_END_CLIENT : REC_END_SERVER)
    // Chunks kept after the gap (none yet, as the writer writes a gap before its connection's next record) stay ahead of it.
    this.cells[field] = Math.max(this.cells[field], offset + length)
  }

  /** A gap record read from a file: both steps at once. */
  private addGap(row: number, dir: Direction, recordOffset: number, length: number): void {
    const offset = this.bytes(row, dir)
    this.dropData(row, dir, length)
    this.placeGap(row, dir, recordOffset, offset, length)
  }

  hasGaps(): boolean {
    return this.extras.hasGaps()
  }

  hasAnswers(): boolean {
    return this.extras.hasAnswers()
  }

  /**
   * Forgets every record from file offset `end` on: the writer failed, and what it had
   * not written by then is not in the file. Summaries keep what happened (bytes, FIN,
   * the end); only what can be read shrinks.
   */
  truncateAt(end: number): void {
    for (let row = 0; row < this.rows; row++) {
      const at = row * STRIDE
      let n = this.cells[at + RECORDS]
      if (n === 0 || this.record(row, n - 1, 0) < end) continue
      while (n > 0 && this.record(row, n - 1, 0) >= end) {
        n--
        const place = streamPlace(this.record(row, n, 1))
        // Chunks and gaps of a direction are contiguous: the first one lost is where its recording ends.
        if (place !== undefined) this.cells[at + (place.dir === 'server' ? REC_END_SERVER : REC_END_CLIENT)] = place.offset
      }
      this.cells[at + RECORDS] = n
      const all = this.overflow.get(row)
      if (all !== undefined) all.length = 2 * n
      this.forgetChunks(row)
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
    this.changes++
    const at = row * STRIDE
    switch (type) {
      case RecordType.Connected:
        this.local.set(row, info?.local as PeerAddress | undefined)
        this.remote.set(row, info?.remote as PeerAddress | undefined)
        this.cells[at + FLAGS] |= HAS_UPSTREAM
        // A client session is the client: its local address is what the client column shows.
        if (KINDS[this.cells[at + KIND]] === 'client') this.client.set(row, info?.local as PeerAddress | undefined)
        break
      case RecordType.ConnectFailed:
      case RecordType.Error:
        this.extras.setError(row, { code: String(info?.code ?? 'ERROR'), message: String(info?.message ?? '') })
        break
      case RecordType.Fin:
        if (dir) this.cells[at + FLAGS] |= dir === 'client' ? FIN_CLIENT : FIN_SERVER
        break
      case RecordType.Close:
        this.setEnd(row, (info?.end as ConnectionEnd | undefined) ?? 'closed')
        // A reset tcpscope made changed what a receiver got (an RST nobody sent): the list marks it.
        if (info?.end === 'tcpscope-reset') this.cells[at + FLAGS] |= resetFlagsOf(info.reset)
        this.cells[at + CLOSED_AT] = time
        break
      case RecordType.Tls: {
        const e = tlsEventOf(info, dir)
        if (e !== undefined) this.extras.addTls(row, e)
        break
      }
      // What a receiver got was changed: the list marks the connection, from the record alone.
      case RecordType.Break:
        if (info?.action === 'edited') this.cells[at + FLAGS] |= EDITED_AT_BREAKPOINT
        break
      case RecordType.Rule: {
        if (info === undefined) break
        if (ruleChangedDelivery(info)) this.cells[at + FLAGS] |= CHANGED_BY_RULE
        const answered = answeredBytes(info as Partial<RuleEventInfo> as RuleEventInfo, dir, KINDS[this.cells[at + KIND]])
        if (answered > 0) this.extras.answer(row, answered)
        break
      }
    }
  }

  private setEnd(row: number, end: ConnectionEnd): void {
    const code = ENDS.indexOf(end)
    this.cells[row * STRIDE + END] = code < 0 ? ENDS.indexOf('closed') : code
  }

  /** Marks every connection still open as cut: the file ended before they did. */
  cutOpen(): void {
    for (let row = 0; row < this.rows; row++) if (this.cells[row * STRIDE + END] === 0) this.setEnd(row, 'cut')
  }

  bytes(row: number, dir: Direction): number {
    return this.cells[row * STRIDE + (dir === 'client' ? BYTES_CLIENT : BYTES_SERVER)]
  }

  /** Bytes of `dir` whose records are in the file (or on their way there). */
  recordedBytes(row: number, dir: Direction): number {
    return this.cells[row * STRIDE + (dir === 'client' ? REC_END_CLIENT : REC_END_SERVER)]
  }

  recordCount(row: number): number {
    return this.cells[row * STRIDE + RECORDS]
  }

  protected record(row: number, i: number, part: 0 | 1): number {
    const all = this.overflow.get(row)
    return all !== undefined ? all[2 * i + part] : this.cells[row * STRIDE + SLOT_AT + 2 * i + part]
  }

  /** Record `i`'s tag (record-tag.ts), as the stored index keeps it. */
  recordTag(row: number, i: number): number {
    return this.record(row, i, 1)
  }

  readonly fields: RowFields = {
    id: (row) => this.cells[row * STRIDE + ID],
    kind: (row) => KINDS[this.cells[row * STRIDE + KIND]],
    end: (row) => ENDS[this.cells[row * STRIDE + END]],
    fin: (row, dir) => (this.cells[row * STRIDE + FLAGS] & (dir === 'client' ? FIN_CLIENT : FIN_SERVER)) !== 0,
    ownerId: (row) => this.ownerIds[row],
    target: (row) => this.targets[row],
    openedAt: (row) => this.cells[row * STRIDE + OPENED_AT],
    closedAt: (row) => this.cells[row * STRIDE + CLOSED_AT],
    peerText: (row, role) => this.peerColumn(role).text(row),
    peerAddress: (row, role) => this.peerColumn(role).addressOf(row),
    peerPort: (row, role) => this.peerColumn(role).portOf(row),
    errorCode: (row) => this.extras.error(row)?.code,
    replayOfConn: (row) => this.extras.replay(row)?.connId,
    tls: (row) => this.extras.tls(row),
    via: (row) => viaOfFlags(this.cells[row * STRIDE + FLAGS]),
    changed: (row) => changedOfFlags(this.cells[row * STRIDE + FLAGS]),
    notKept: (row, dir) => this.extras.notKept(row)?.[dir] ?? 0,
    answered: (row) => this.extras.answered(row) ?? 0
  }

  private peerColumn(role: PeerRole): PeerColumn {
    return role === 'client' ? this.client : role === 'local' ? this.local : this.remote
  }

  /** The connection as front ends see it: a fresh object, safe to keep or send. */
  summary(row: number): ConnectionSummary {
    const c = this.cells
    const at = row * STRIDE
    const flags = c[at + FLAGS]
    const s: ConnectionSummary = {
      id: c[at + ID],
      kind: KINDS[c[at + KIND]],
      ownerId: this.ownerIds[row],
      target: this.targets[row],
      openedAt: c[at + OPENED_AT],
      bytes: { client: c[at + BYTES_CLIENT], server: c[at + BYTES_SERVER] },
      fin: { client: (flags & FIN_CLIENT) !== 0, server: (flags & FIN_SERVER) !== 0 },
      end: ENDS[c[at + END]]
    }
    const client = this.client.get(row)
    if (client !== undefined) s.client = client
    if (flags & HAS_UPSTREAM) s.upstream = { local: this.local.get(row), remote: this.remote.get(row) }
    if (!Number.isNaN(c[at + CLOSED_AT])) s.closedAt = c[at + CLOSED_AT]
    const { extras } = this
    const error = extras.error(row)
    if (error !== undefined) s.error = error
    const replayOf = extras.replay(row)
    if (replayOf !== undefined) s.replayOf = { ...replayOf }
    const tls = extras.tls(row)
    if (tls !== undefined) s.tls = structuredClone(tls)
    const via = viaOfFlags(flags)
    if (via !== undefined) s.via = via
    const changed = changedOfFlags(flags)
    if (changed !== undefined) s.changed = changed
    const recClient = c[at + REC_END_CLIENT]
    const recServer = c[at + REC_END_SERVER]
    if (recClient !== s.bytes.client || recServer !== s.bytes.server) s.recorded = { client: recClient, server: recServer }
    const gaps = extras.notKept(row)
    if (gaps !== undefined) s.notKept = { ...gaps }
    const answered = extras.answered(row)
    if (answered !== undefined) s.answered = answered
    return s
  }

  summaries(): ConnectionSummary[] {
    return Array.from({ length: this.rows }, (_, row) => this.summary(row))
  }
}
