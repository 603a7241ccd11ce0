// Reads the index a closed capture stored at its end (index-codec.ts), lazily: opening
// reads the trailer, the CRC table and the stream's header; a connection's row and
// records are read when it is asked for, the whole list when it is listed. Every block
// read is checked against its CRC; a damaged one is an error that names it.

import type { ChangedBy, ConnectionEnd, ConnectionSummary, Direction, PeerAddress } from '../../../shared/capture-types'
import type { TlsSummary } from '../../../shared/tls-types'
import { crc32 } from 'node:zlib'
import { pread } from './capture-reader'
import { StoredTls } from './stored-tls'
import { OwnerTable, notKeptOf, replaySourceOf, type OwnerInfo, type OwnerRecord } from '../format/record-payloads'
import { RECORD_HEADER_SIZE, RecordType, payloadCrcOk, readRecordHeader } from '../format/capture-format'
import {
  ENDS,
  F,
  F_COUNT,
  FIN_CLIENT,
  FIN_SERVER,
  HAS_UPSTREAM,
  HEADER_SIZE,
  INDEX_MAGIC,
  KINDS,
  OWNERS_REF_AT,
  PATH_PORT,
  S,
  SECTIONS,
  S_COUNT,
  S_COUNT_BEFORE_REPLAY_OF,
  S_COUNT_BEFORE_TLS,
  S_COUNT_BEFORE_NOT_KEPT,
  S_COUNT_BEFORE_ANSWERED,
  TRAILER_PAYLOAD_SIZE,
  changedOfFlags,
  decodeTrailer,
  viaOfFlags,
  type Section,
  type SectionName,
  type Trailer
} from '../format/index-codec'
import type { IndexView, PeerRole, RowFields } from './index-view'
import { TaggedRecords } from '../format/record-tag'
import { DamagedIndexError, IndexBlocks, readLogical } from './index-blocks'
import { StoredEndpoints } from './stored-endpoints'

export const TRAILER_RECORD_SIZE = RECORD_HEADER_SIZE + TRAILER_PAYLOAD_SIZE
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
/** Record lists up to this size (16 bytes a record: 4 million records) are read whole before a file's decoding. */
const PRELOAD_MAX = 64 * 1024 * 1024

/** The trailer at the end of a file of `size` bytes, when the file ends in a sound one. */
export async function readTrailer(fd: number, size: number, dataStart: number): Promise<Trailer | undefined> {
  if (size < dataStart + TRAILER_RECORD_SIZE) return undefined
  const b = await pread(fd, TRAILER_RECORD_SIZE, size - TRAILER_RECORD_SIZE)
  const h = b.length === TRAILER_RECORD_SIZE ? readRecordHeader(b, 0) : undefined
  if (!h || h.type !== RecordType.Trailer || h.length !== TRAILER_PAYLOAD_SIZE || h.flags === 0) return undefined
  const payload = b.subarray(RECORD_HEADER_SIZE)
  if (!payloadCrcOk(h, payload)) return undefined
  const t = decodeTrailer(payload)
  if (!t) return undefined
  // The parts sit back to back right before the trailer; anything else is not our layout.
  const parts = Math.ceil(t.streamLength / t.partSize)
  return t.firstPart + parts * RECORD_HEADER_SIZE + t.streamLength === size - TRAILER_RECORD_SIZE && t.firstPart >= dataStart ? t : undefined
}

export class StoredIndex extends TaggedRecords implements IndexView {
  private readonly sections: Record<SectionName, Section>
  readonly size: number
  private strings: string[] | undefined
  private ids: Map<number, number> | undefined
  /** 1 for each row loadRow has loaded. */
  private loaded: Uint8Array | undefined
  private loadedForDecoding = false
  /** The string table entry of the owner records, plus one; 0: none (as every file before them). */
  private readonly ownersRef: number
  /** String references per row: S_COUNT, or fewer in a file written before the last ones existed. */
  private readonly refsPerRow: number

  private constructor(
    private readonly blocks: IndexBlocks,
    header: Buffer
  ) {
    super()
    if (!header.subarray(0, 8).equals(INDEX_MAGIC)) throw new DamagedIndexError('the stored index has an unknown layout')
    this.size = header.readUInt32LE(8)
    this.ownersRef = header.readUInt32LE(OWNERS_REF_AT)
    const sections = {} as Record<SectionName, Section>
    SECTIONS.forEach((name, i) => (sections[name] = { offset: header.readDoubleLE(16 + i * 16), length: header.readDoubleLE(24 + i * 16) }))
    for (const s of Object.values(sections)) {
      if (!Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset + s.length > blocks.t.crcTableOffset) {
        throw new DamagedIndexError('the stored index has a damaged section table')
      }
    }
    const refsPerRow = this.size === 0 ? S_COUNT : sections.strings.length / (this.size * 4)
    const known = refsPerRow === S_COUNT || refsPerRow === S_COUNT_BEFORE_ANSWERED || refsPerRow === S_COUNT_BEFORE_NOT_KEPT || refsPerRow === S_COUNT_BEFORE_TLS || refsPerRow === S_COUNT_BEFORE_REPLAY_OF
    if (sections.numbers.length !== this.size * F_COUNT * 8 || !known) {
      throw new DamagedIndexError('the stored index does not match its connection count')
    }
    this.refsPerRow = refsPerRow
    this.sections = sections
    this.endpoints = new StoredEndpoints(this.size, this.fields)
  }

  static async open(fd: number, t: Trailer): Promise<StoredIndex> {
    const crcs = await readLogical(fd, t, t.crcTableOffset, t.streamLength)
    if (crc32(crcs) !== t.crcTableCrc) throw new DamagedIndexError('the stored index has a damaged CRC table')
    const blocks = new IndexBlocks(fd, t, crcs)
    return new StoredIndex(blocks, await blocks.range(0, HEADER_SIZE))
  }

  /** Every row's numbers and string references, once all are loaded (little-endian machines). */
  private allNumbers: Float64Array | undefined
  private allRefs: Int32Array | undefined

  private num(row: number, field: number): number {
    if (this.allNumbers !== undefined) return this.allNumbers[row * F_COUNT + field]
    return this.blocks.double(this.sections.numbers.offset + (row * F_COUNT + field) * 8)
  }

  private ref(row: number, field: number): number {
    if (field >= this.refsPerRow) return -1
    if (this.allRefs !== undefined) return this.allRefs[row * this.refsPerRow + field]
    return this.blocks.int32(this.sections.strings.offset + (row * this.refsPerRow + field) * 4)
  }

  private str(row: number, field: number): string | undefined {
    const r = this.ref(row, field)
    return r < 0 ? undefined : this.strings![r]
  }

  private async loadStrings(): Promise<void> {
    if (this.strings) return
    const t = this.sections.table
    const text = (await this.blocks.range(t.offset, t.offset + t.length)).toString('utf8')
    try {
      this.strings = JSON.parse(text) as string[]
    } catch {
      throw new DamagedIndexError('the stored index has a damaged string table')
    }
  }

  async owners(): Promise<OwnerRecord[]> {
    if (this.ownersRef === 0) return []
    await this.loadStrings()
    const text = this.strings![this.ownersRef - 1]
    let list: unknown
    try {
      list = JSON.parse(text ?? '')
    } catch {
      throw new DamagedIndexError('the stored index has damaged owner records')
    }
    if (!Array.isArray(list)) throw new DamagedIndexError('the stored index has damaged owner records')
    // Through the same table a walk of the records fills, so a hostile entry is dropped the same way.
    const table = new OwnerTable()
    for (const o of list as Array<Partial<OwnerRecord> | null>) {
      if (o === null || typeof o !== 'object') continue
      const start = typeof o.startedAt === 'number' ? o.startedAt : NaN
      table.note({ event: 'start', id: o.id, listen: o.listen, target: o.target, frame: o.frame } as Partial<OwnerInfo>, start)
      if (typeof o.stoppedAt === 'number') table.note({ event: 'stop', id: o.id, listen: o.listen, target: o.target } as Partial<OwnerInfo>, o.stoppedAt)
    }
    return table.list()
  }

  async locate(connId: number): Promise<number | undefined> {
    const row = connId - 1
    if (row >= 0 && row < this.size) {
      const at = this.sections.numbers.offset + row * F_COUNT * 8
      await this.blocks.ensure(at, at + F_COUNT * 8)
      if (this.num(row, F.ID) === connId) return row
    }
    if (this.ids === undefined) {
      await this.loadAll()
      this.ids = new Map()
      for (let r = 0; r < this.size; r++) this.ids.set(this.num(r, F.ID), r)
    }
    return this.ids.get(connId)
  }

  loadedRow(connId: number): number | undefined {
    const loaded = this.loaded
    if (loaded === undefined) return undefined
    const row = connId - 1
    if (row >= 0 && row < this.size && loaded[row] === 1 && this.num(row, F.ID) === connId) return row
    const other = this.ids?.get(connId)
    return other !== undefined && loaded[other] === 1 ? other : undefined
  }

  async loadRow(row: number): Promise<void> {
    const { numbers, strings, records } = this.sections
    await this.blocks.ensure(numbers.offset + row * F_COUNT * 8, numbers.offset + (row + 1) * F_COUNT * 8)
    await this.blocks.ensure(strings.offset + row * this.refsPerRow * 4, strings.offset + (row + 1) * this.refsPerRow * 4)
    const start = this.num(row, F.RECORDS_START)
    const n = this.num(row, F.RECORDS)
    if ((start + n) * 16 > records.length) throw new DamagedIndexError(`the stored index has a damaged record list for row ${row}`)
    await this.blocks.ensure(records.offset + start * 16, records.offset + (start + n) * 16)
    if (this.strings === undefined) await this.loadStrings()
    // Blocks once read are kept (index-blocks.ts), so a row once loaded stays loaded.
    ;(this.loaded ??= new Uint8Array(this.size))[row] = 1
  }

  async loadForDecoding(): Promise<void> {
    const { numbers, strings, records } = this.sections
    if (this.loadedForDecoding || records.length > PRELOAD_MAX) return
    await this.blocks.ensure(numbers.offset, numbers.offset + numbers.length)
    await this.blocks.ensure(strings.offset, strings.offset + strings.length)
    await this.blocks.ensure(records.offset, records.offset + records.length)
    if (this.strings === undefined) await this.loadStrings()
    const loaded = (this.loaded ??= new Uint8Array(this.size))
    // A row whose record list runs past the section stays unloaded: loadRow says so for it alone, as before.
    for (let row = 0; row < this.size; row++) if ((this.num(row, F.RECORDS_START) + this.num(row, F.RECORDS)) * 16 <= records.length) loaded[row] = 1
    this.loadedForDecoding = true
  }

  /** loadAll has run: every row's fields can be read. */
  private loadedAll = false
  /** Each row's endpoints, for plain filter words. */
  private readonly endpoints: StoredEndpoints

  async loadAll(): Promise<void> {
    if (this.allNumbers !== undefined) return
    const { numbers, strings } = this.sections
    const n = await this.blocks.range(numbers.offset, numbers.offset + numbers.length)
    const r = await this.blocks.range(strings.offset, strings.offset + strings.length)
    await this.loadStrings()
    // Listing every row reads every field: plain typed arrays beat a block lookup per field.
    if (LITTLE_ENDIAN) {
      this.allNumbers = new Float64Array(n.buffer, n.byteOffset, n.length / 8)
      this.allRefs = new Int32Array(r.buffer, r.byteOffset, r.length / 4)
    }
    this.loadedAll = true
  }

  /** After loadAll: the endpoints joined ahead of a first plain word (StoredEndpoints.prepare). */
  prepareWords(): void {
    if (this.loadedAll) this.endpoints.prepare()
  }

  /** The file is closed: the endpoints' join stops, and what it made is let go. */
  release(): void {
    this.endpoints.release()
  }

  private static readonly PEER_AT: Record<PeerRole, number> = { client: S.PEERS, local: S.PEERS + 3, remote: S.PEERS + 6 }

  readonly fields: RowFields = {
    id: (row) => this.num(row, F.ID),
    kind: (row) => KINDS[this.num(row, F.KIND)] ?? 'proxy',
    end: (row) => (ENDS[this.num(row, F.END)] ?? 'closed') as ConnectionEnd,
    fin: (row, dir) => (this.num(row, F.FLAGS) & (dir === 'client' ? FIN_CLIENT : FIN_SERVER)) !== 0,
    ownerId: (row) => this.str(row, S.OWNER) ?? '',
    target: (row) => this.str(row, S.TARGET) ?? '',
    openedAt: (row) => this.num(row, F.OPENED_AT),
    closedAt: (row) => this.num(row, F.CLOSED_AT),
    peerText: (row, role) => {
      const first = StoredIndex.PEER_AT[role]
      const address = this.str(row, first)
      if (address === undefined) return '-'
      const port = this.ref(row, first + 1)
      if (port === PATH_PORT) return address
      return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
    },
    peerAddress: (row, role) => this.str(row, StoredIndex.PEER_AT[role]),
    peerPort: (row, role) => {
      const first = StoredIndex.PEER_AT[role]
      const port = this.ref(row, first + 1)
      return this.ref(row, first) < 0 || port === PATH_PORT ? undefined : port
    },
    errorCode: (row) => this.str(row, S.ERROR_CODE),
    replayOfConn: (row) => this.replayOf(row)?.connId,
    tls: (row) => this.tlsOf(row),
    via: (row) => viaOfFlags(this.num(row, F.FLAGS)),
    changed: (row) => this.changedOf(row),
    notKept: (row, dir) => (this.ref(row, S.NOT_KEPT) < 0 ? 0 : (this.notKept(row)?.[dir] ?? 0)),
    answered: (row) => this.answered(row) ?? 0,
    endpointRows: (word) => (this.loadedAll ? this.endpoints.holding(word) : undefined),
    clientRows: (word) => (this.loadedAll ? this.endpoints.clientHolding(word) : undefined)
  }

  private peer(row: number, first: number): PeerAddress | undefined {
    const address = this.str(row, first)
    if (address === undefined) return undefined
    const port = this.ref(row, first + 1)
    return port === PATH_PORT ? { path: address } : { address, port, family: this.str(row, first + 2) ?? '' }
  }

  summary(row: number): ConnectionSummary {
    const flags = this.num(row, F.FLAGS)
    const s: ConnectionSummary = {
      id: this.num(row, F.ID),
      kind: KINDS[this.num(row, F.KIND)] ?? 'proxy',
      ownerId: this.str(row, S.OWNER) ?? '',
      target: this.str(row, S.TARGET) ?? '',
      openedAt: this.num(row, F.OPENED_AT),
      bytes: { client: this.num(row, F.BYTES_CLIENT), server: this.num(row, F.BYTES_SERVER) },
      fin: { client: (flags & FIN_CLIENT) !== 0, server: (flags & FIN_SERVER) !== 0 },
      end: (ENDS[this.num(row, F.END)] ?? 'closed') as ConnectionEnd
    }
    const client = this.peer(row, S.PEERS)
    if (client !== undefined) s.client = client
    if (flags & HAS_UPSTREAM) s.upstream = { local: this.peer(row, S.PEERS + 3), remote: this.peer(row, S.PEERS + 6) }
    const closedAt = this.num(row, F.CLOSED_AT)
    if (!Number.isNaN(closedAt)) s.closedAt = closedAt
    const code = this.str(row, S.ERROR_CODE)
    if (code !== undefined) s.error = { code, message: this.str(row, S.ERROR_MESSAGE) ?? '' }
    const replayOf = this.replayOf(row)
    if (replayOf !== undefined) s.replayOf = replayOf
    const tls = this.tlsOf(row)
    if (tls !== undefined) s.tls = structuredClone(tls)
    const via = viaOfFlags(flags)
    if (via !== undefined) s.via = via
    const changed = this.changedOf(row)
    if (changed !== undefined) s.changed = changed
    const recorded = { client: this.recordedBytes(row, 'client'), server: this.recordedBytes(row, 'server') }
    if (recorded.client !== s.bytes.client || recorded.server !== s.bytes.server) s.recorded = recorded
    const notKept = this.notKept(row)
    if (notKept !== undefined) s.notKept = notKept
    const answered = this.answered(row)
    if (answered !== undefined) s.answered = answered
    return s
  }

  /**
   * Who changed the row's traffic. A reset mark only on a row that ended as tcpscope's reset:
   * the flags are the file's word (hostile input), and the records would give no other row one.
   */
  private changedOf(row: number): ChangedBy | undefined {
    const changed = changedOfFlags(this.num(row, F.FLAGS))
    if (changed?.reset === undefined || ENDS[this.num(row, F.END)] === 'tcpscope-reset') return changed
    const { reset: _dropped, ...rest } = changed
    return rest.breakpoint === true || rest.rule === true ? rest : undefined
  }

  /** A damaged count (hostile input) is none: the rule records still hold the answers. */
  private answered(row: number): number | undefined {
    const text = this.str(row, S.ANSWERED)
    if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined
    const n = Number(text)
    return Number.isSafeInteger(n) ? n : undefined
  }

  private notKept(row: number): ConnectionSummary['notKept'] {
    const text = this.str(row, S.NOT_KEPT)
    if (text === undefined) return undefined
    try {
      return notKeptOf(JSON.parse(text))
    } catch {
      return undefined // a damaged count loses the count; the gap records still mark the holes
    }
  }

  private replayOf(row: number): ConnectionSummary['replayOf'] {
    const text = this.str(row, S.REPLAY_OF)
    if (text === undefined) return undefined
    try {
      return replaySourceOf(JSON.parse(text))
    } catch {
      return undefined // a damaged source loses the link, not the connection
    }
  }

  private readonly storedTls = new StoredTls()

  private tlsOf(row: number): TlsSummary | undefined {
    const ref = this.ref(row, S.TLS)
    return ref < 0 ? undefined : this.storedTls.of(ref, this.strings![ref])
  }

  bytes(row: number, dir: Direction): number {
    return this.num(row, dir === 'client' ? F.BYTES_CLIENT : F.BYTES_SERVER)
  }

  recordedBytes(row: number, dir: Direction): number {
    return this.num(row, dir === 'client' ? F.REC_END_CLIENT : F.REC_END_SERVER)
  }

  recordCount(row: number): number {
    return this.num(row, F.RECORDS)
  }

  protected record(row: number, i: number, part: 0 | 1): number {
    return this.blocks.double(this.sections.records.offset + ((this.num(row, F.RECORDS_START) + i) * 2 + part) * 8)
  }
}
