// The index a capture stores when it closes, so reopening it reads the index instead of
// walking every record (docs/capture-format.md, "The stored index"). It is one logical
// byte stream, cut into index records of at most PART_SIZE bytes written back to back
// just before the trailer record, which closes the file and says where they are.
//
// The stream is columns, like the index in memory: a fixed-size block of numbers per
// connection, a fixed-size block of string references per connection, every
// connection's record list, and one table of strings. A reader can therefore fetch one
// connection's row and records without the rest. Every BLOCK_SIZE bytes of the stream
// carry a CRC-32, listed in a table at its end; the trailer checks the table.

import { RESET_CAUSES, tcpscopeResetOf, type ChangedBy, type ConnectionEnd, type ConnectionKind, type ConnectionSummary, type Direction, type PeerAddress, type TcpscopeReset } from '../../../shared/capture-types'
import { crc32 } from 'node:zlib'
import { DIR_NONE, RECORD_HEADER_SIZE, RecordType, writeRecordHeader } from './capture-format'
import type { OwnerRecord } from './record-payloads'
import { VIAS, type Via } from '../../../shared/tls-types'

export const INDEX_MAGIC = Buffer.from('TSCIDX01', 'latin1')
export const TRAILER_MAGIC = Buffer.from('TSCTRL01', 'latin1')
/** Small enough that reading one connection's row and records reads little beyond them. */
export const BLOCK_SIZE = 16 * 1024
/** Index record payloads; a multiple of BLOCK_SIZE, well below the 64 MiB record limit. */
export const PART_SIZE = 16 * 1024 * 1024
export const TRAILER_PAYLOAD_SIZE = 48

/** A row's kind, end and flags as numbers: the same codes in memory (capture-index.ts) as stored. */
export const KINDS: readonly ConnectionKind[] = ['proxy', 'server', 'client']
/** New ends go last: a stored code keeps its meaning, and a reader that predates one reads it as `closed`. */
export const ENDS: readonly ConnectionEnd[] = ['open', 'closed', 'client-reset', 'server-reset', 'connect-failed', 'error', 'stopped', 'cut', 'saved-open', 'tcpscope-reset']
export const FIN_CLIENT = 1
export const FIN_SERVER = 2
export const HAS_UPSTREAM = 4
/**
 * Bits 3-4 of the flags: a forward proxy's tunnel's `via`, as its place in VIAS plus one
 * (0: none). In the flags, not a column: most captures have no tunnel, and a reader that
 * predates them ignores bits it does not know.
 */
const VIA_SHIFT = 3
const VIA_MASK = 3 << VIA_SHIFT

export const viaFlags = (via: Via | undefined): number => (via === undefined ? 0 : (VIAS.indexOf(via) + 1) << VIA_SHIFT)
export const viaOfFlags = (flags: number): Via | undefined => VIAS[((flags & VIA_MASK) >> VIA_SHIFT) - 1]
/**
 * Bits 5-6 of the flags: a person edited what one side sent at a breakpoint, a rule or the
 * script changed it (ConnectionSummary.changed). In the flags for the same reasons as `via`:
 * few connections have one, and the list reads them for every row it shows.
 */
export const EDITED_AT_BREAKPOINT = 1 << 5
export const CHANGED_BY_RULE = 1 << 6
/**
 * Bits 7-9: what made tcpscope reset the connection (ChangedBy.reset), as its place in
 * RESET_CAUSES plus one (0: no reset of tcpscope's); bits 10-11: the sides it sent an RST.
 * A cause this reader does not know (a newer file's) reads as no mark, as older readers do.
 */
const RESET_SHIFT = 7
const RESET_MASK = 7 << RESET_SHIFT
const RST_TO_CLIENT = 1 << 10
const RST_TO_SERVER = 1 << 11

function resetFlags(reset: TcpscopeReset | undefined): number {
  if (reset === undefined) return 0
  return ((RESET_CAUSES.indexOf(reset.by) + 1) << RESET_SHIFT) | (reset.rst.client ? RST_TO_CLIENT : 0) | (reset.rst.server ? RST_TO_SERVER : 0)
}

/** A close record's `reset` (RecordedConnection.close), checked as any record read from a file is, as flags. */
export const resetFlagsOf = (info: unknown): number => resetFlags(tcpscopeResetOf(info))

export const changedFlags = (changed: ChangedBy | undefined): number =>
  (changed?.breakpoint ? EDITED_AT_BREAKPOINT : 0) | (changed?.rule ? CHANGED_BY_RULE : 0) | resetFlags(changed?.reset)
export function changedOfFlags(flags: number): ChangedBy | undefined {
  // Most rows: nothing changed, answered by one test.
  if ((flags & (EDITED_AT_BREAKPOINT | CHANGED_BY_RULE | RESET_MASK)) === 0) return undefined
  const code = (flags & RESET_MASK) >> RESET_SHIFT
  const by = code === 0 ? undefined : RESET_CAUSES[code - 1]
  if ((flags & (EDITED_AT_BREAKPOINT | CHANGED_BY_RULE)) === 0 && by === undefined) return undefined
  return {
    ...(flags & EDITED_AT_BREAKPOINT ? { breakpoint: true } : {}),
    ...(flags & CHANGED_BY_RULE ? { rule: true } : {}),
    ...(by !== undefined ? { reset: { by, rst: { client: (flags & RST_TO_CLIENT) !== 0, server: (flags & RST_TO_SERVER) !== 0 } } } : {})
  }
}

/** Numbers per connection. */
export const F = {
  ID: 0,
  OPENED_AT: 1,
  CLOSED_AT: 2,
  BYTES_CLIENT: 3,
  BYTES_SERVER: 4,
  FLAGS: 5,
  KIND: 6,
  END: 7,
  RECORDS: 8,
  REC_END_CLIENT: 9,
  REC_END_SERVER: 10,
  /** Where the connection's records start in the records section, in records. */
  RECORDS_START: 11
} as const
export const F_COUNT = 12

/** String references (into the string table; -1: none) and ports per connection. */
export const S = {
  OWNER: 0,
  TARGET: 1,
  /** Three peers (client, upstream local, upstream remote), three fields each. */
  PEERS: 2,
  ERROR_CODE: 11,
  ERROR_MESSAGE: 12,
  /** A replay's source (ConnectionSummary.replayOf) as JSON. */
  REPLAY_OF: 13,
  /** The connection's TLS (ConnectionSummary.tls) as JSON; -1 for the many without. */
  TLS: 14,
  /** Bytes forwarded but not kept each way (ConnectionSummary.notKept) as JSON; -1 for the many without gaps. */
  NOT_KEPT: 15,
  /** Bytes tcpscope answered the client with in the target's place (ConnectionSummary.answered), as decimal text; -1 for the many without. */
  ANSWERED: 16
} as const
export const S_COUNT = 17
/** References per connection in files written before replays had a source, and before TLS: read, never written. */
export const S_COUNT_BEFORE_REPLAY_OF = 13
export const S_COUNT_BEFORE_TLS = 14
export const S_COUNT_BEFORE_NOT_KEPT = 15
export const S_COUNT_BEFORE_ANSWERED = 16
/** A peer's port field for a Unix socket path. */
export const PATH_PORT = -1

export const HEADER_SIZE = 16 + 4 * 16
/**
 * Where the header keeps its owners reference: the string table entry holding the owner
 * records as JSON, plus one (0, as files before it wrote there, means none).
 */
export const OWNERS_REF_AT = 12
export type SectionName = 'numbers' | 'strings' | 'records' | 'table'
export const SECTIONS: readonly SectionName[] = ['numbers', 'strings', 'records', 'table']

export interface Section {
  offset: number
  length: number
}

/** The decoded trailer: where the index stream lies in the file. */
export interface Trailer {
  streamLength: number
  firstPart: number
  partSize: number
  blockSize: number
  crcTableOffset: number
  crcTableCrc: number
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8
/** Typed arrays use the machine's byte order; the stream is little-endian everywhere. */
const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1
const le = (b: Buffer, width: 4 | 8): Buffer => (littleEndian ? b : width === 8 ? b.swap64() : b.swap32())

class StringTable {
  readonly list: string[] = []
  private readonly ids = new Map<string, number>()
  ref(s: string | undefined): number {
    if (s === undefined) return -1
    let id = this.ids.get(s)
    if (id === undefined) {
      id = this.list.length
      this.list.push(s)
      this.ids.set(s, id)
    }
    return id
  }
}

function putPeer(refs: Int32Array, at: number, p: PeerAddress | undefined, strings: StringTable): void {
  if (p === undefined) refs.set([-1, 0, -1], at)
  else if ('path' in p) refs.set([strings.ref(p.path), PATH_PORT, -1], at)
  else refs.set([strings.ref(p.address), p.port, strings.ref(p.family)], at)
}

function numbersOf(s: ConnectionSummary, records: number, recorded: Record<Direction, number>, recordsStart: number): number[] {
  const flags = (s.fin.client ? FIN_CLIENT : 0) | (s.fin.server ? FIN_SERVER : 0) | (s.upstream ? HAS_UPSTREAM : 0) | viaFlags(s.via) | changedFlags(s.changed)
  // A stored index is written only by a writer that completed its file on purpose (a save,
  // or the capture closing): a connection still open then was open when saved, not cut by a crash.
  const end = s.end === 'open' ? 'saved-open' : s.end
  return [
    s.id,
    s.openedAt,
    s.closedAt ?? NaN,
    s.bytes.client,
    s.bytes.server,
    flags,
    KINDS.indexOf(s.kind),
    ENDS.indexOf(end),
    records,
    recorded.client,
    recorded.server,
    recordsStart
  ]
}

/** What encoding reads of an index in memory (CaptureIndex answers it). */
export interface IndexSource {
  readonly size: number
  summary(row: number): ConnectionSummary
  recordCount(row: number): number
  recordedBytes(row: number, dir: Direction): number
  recordOffset(row: number, i: number): number
  /** Record `i`'s tag (record-tag.ts). */
  recordTag(row: number, i: number): number
  ownerList(): OwnerRecord[]
  /** Whether any connection has a gap (bytes forwarded but not kept). */
  hasGaps(): boolean
  /** Whether tcpscope answered any connection's client in its target's place. */
  hasAnswers(): boolean
}

/**
 * References per row: the gap column only when a connection has a gap, the answered column
 * only when one was answered, so that a capture without either stays readable, index and
 * all, by a tcpscope from before them.
 */
function refsPerRow(index: IndexSource): number {
  if (index.hasAnswers()) return S_COUNT
  return index.hasGaps() ? S_COUNT_BEFORE_ANSWERED : S_COUNT_BEFORE_NOT_KEPT
}

/** The index as its stored byte stream, ending in its block CRC table. */
export function encodeIndex(index: IndexSource): { stream: Buffer; crcTableOffset: number; crcTableCrc: number } {
  const rows = index.size
  const numbers = new Float64Array(rows * F_COUNT)
  const perRow = refsPerRow(index)
  const refs = new Int32Array(rows * perRow)
  const strings = new StringTable()
  let totalRecords = 0
  for (let row = 0; row < rows; row++) totalRecords += index.recordCount(row)
  const records = new Float64Array(totalRecords * 2)
  let next = 0
  for (let row = 0; row < rows; row++) {
    const s = index.summary(row)
    const n = index.recordCount(row)
    const recorded = { client: index.recordedBytes(row, 'client'), server: index.recordedBytes(row, 'server') }
    numbers.set(numbersOf(s, n, recorded, next), row * F_COUNT)
    const at = row * perRow
    refs[at + S.OWNER] = strings.ref(s.ownerId)
    refs[at + S.TARGET] = strings.ref(s.target)
    putPeer(refs, at + S.PEERS, s.client, strings)
    putPeer(refs, at + S.PEERS + 3, s.upstream?.local, strings)
    putPeer(refs, at + S.PEERS + 6, s.upstream?.remote, strings)
    refs[at + S.ERROR_CODE] = strings.ref(s.error?.code)
    refs[at + S.ERROR_MESSAGE] = strings.ref(s.error?.message)
    refs[at + S.REPLAY_OF] = strings.ref(s.replayOf === undefined ? undefined : JSON.stringify(s.replayOf))
    // Identical summaries (a client's many connections to one upstream) share one string.
    refs[at + S.TLS] = strings.ref(s.tls === undefined ? undefined : JSON.stringify(s.tls))
    if (perRow > S.NOT_KEPT) refs[at + S.NOT_KEPT] = strings.ref(s.notKept === undefined ? undefined : JSON.stringify(s.notKept))
    if (perRow > S.ANSWERED) refs[at + S.ANSWERED] = strings.ref(s.answered === undefined ? undefined : String(s.answered))
    for (let i = 0; i < n; i++) {
      records[2 * next] = index.recordOffset(row, i)
      records[2 * next + 1] = index.recordTag(row, i)
      next++
    }
  }
  const owners = index.ownerList()
  const ownersRef = owners.length > 0 ? strings.ref(JSON.stringify(owners)) + 1 : 0
  const parts: Record<SectionName, Buffer> = {
    numbers: le(Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength), 8),
    strings: le(Buffer.from(refs.buffer, refs.byteOffset, refs.byteLength), 4),
    records: le(Buffer.from(records.buffer, records.byteOffset, records.byteLength), 8),
    table: Buffer.from(JSON.stringify(strings.list), 'utf8')
  }
  const header = Buffer.alloc(HEADER_SIZE)
  INDEX_MAGIC.copy(header, 0)
  header.writeUInt32LE(rows, 8)
  header.writeUInt32LE(ownersRef, OWNERS_REF_AT)
  let offset = HEADER_SIZE
  SECTIONS.forEach((name, i) => {
    header.writeDoubleLE(offset, 16 + i * 16)
    header.writeDoubleLE(parts[name].length, 24 + i * 16)
    offset = align8(offset + parts[name].length)
  })
  const crcTableOffset = offset
  const blocks = Math.ceil(crcTableOffset / BLOCK_SIZE)
  const stream = Buffer.alloc(crcTableOffset + blocks * 4)
  header.copy(stream, 0)
  SECTIONS.forEach((name, i) => parts[name].copy(stream, header.readDoubleLE(16 + i * 16)))
  for (let b = 0; b < blocks; b++) {
    stream.writeUInt32LE(crc32(stream.subarray(b * BLOCK_SIZE, Math.min((b + 1) * BLOCK_SIZE, crcTableOffset))), crcTableOffset + b * 4)
  }
  return { stream, crcTableOffset, crcTableCrc: crc32(stream.subarray(crcTableOffset)) }
}

/**
 * The records that end a closed capture: the index in parts, then the trailer. `firstPart`
 * is the file offset the first of them is written at.
 */
export function storedIndexRecords(index: IndexSource, firstPart: number, time: number, mono: number): Buffer[] {
  const { stream, crcTableOffset, crcTableCrc } = encodeIndex(index)
  const records: Buffer[] = []
  for (let at = 0; at < stream.length; at += PART_SIZE) {
    records.push(standaloneRecord(RecordType.Index, stream.subarray(at, Math.min(stream.length, at + PART_SIZE)), time, mono))
  }
  const trailer = encodeTrailer({ streamLength: stream.length, firstPart, partSize: PART_SIZE, blockSize: BLOCK_SIZE, crcTableOffset, crcTableCrc })
  records.push(standaloneRecord(RecordType.Trailer, trailer, time, mono, crc32(trailer)))
  return records
}

/** A whole record (header and payload) that belongs to no connection. */
function standaloneRecord(type: RecordType, payload: Buffer, time: number, mono: number, payloadCrc?: number): Buffer {
  const b = Buffer.allocUnsafe(RECORD_HEADER_SIZE + payload.length)
  writeRecordHeader(b, new DataView(b.buffer, b.byteOffset, b.length), 0, type, DIR_NONE, 0, 0, payload.length, time, mono, payloadCrc)
  payload.copy(b, RECORD_HEADER_SIZE)
  return b
}

export function encodeTrailer(t: Trailer): Buffer {
  const b = Buffer.alloc(TRAILER_PAYLOAD_SIZE)
  TRAILER_MAGIC.copy(b, 0)
  b.writeDoubleLE(t.streamLength, 8)
  b.writeDoubleLE(t.firstPart, 16)
  b.writeUInt32LE(t.partSize, 24)
  b.writeUInt32LE(t.blockSize, 28)
  b.writeDoubleLE(t.crcTableOffset, 32)
  b.writeUInt32LE(t.crcTableCrc, 40)
  return b
}

export function decodeTrailer(b: Buffer): Trailer | undefined {
  if (b.length !== TRAILER_PAYLOAD_SIZE || !b.subarray(0, 8).equals(TRAILER_MAGIC)) return undefined
  const t: Trailer = {
    streamLength: b.readDoubleLE(8),
    firstPart: b.readDoubleLE(16),
    partSize: b.readUInt32LE(24),
    blockSize: b.readUInt32LE(28),
    crcTableOffset: b.readDoubleLE(32),
    crcTableCrc: b.readUInt32LE(40)
  }
  const sane =
    Number.isSafeInteger(t.streamLength) &&
    Number.isSafeInteger(t.firstPart) &&
    Number.isSafeInteger(t.crcTableOffset) &&
    t.blockSize > 0 &&
    t.partSize > 0 &&
    t.partSize % t.blockSize === 0 &&
    t.crcTableOffset <= t.streamLength
  return sane ? t : undefined
}
