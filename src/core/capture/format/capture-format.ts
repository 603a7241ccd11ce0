// The capture file's byte layout (docs/capture-format.md): a 16-byte file header, then
// records, each a 40-byte header and a payload. Little-endian throughout.

import { crc32 } from 'node:zlib'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { crc32 as crc32Range } from '../../../shared/payload/checksums'
import type { CaptureEventKind, Direction } from '../../../shared/capture-types'

export const MAGIC = Buffer.from('TCPSCAP\0', 'latin1')
/**
 * Version 2 adds the index stored at close (index and trailer records); version 3 the gap
 * record (bytes forwarded but not kept). Older files still read.
 */
export const FORMAT_VERSION = 3
/**
 * What a capture that can hold no gap is written as (one that pauses its traffic when the
 * disk is slow): the records of version 2, so a tcpscope from before gaps still opens it.
 */
export const GAPLESS_FORMAT_VERSION = 2
const OLDEST_READABLE_VERSION = 1
export const FILE_HEADER_SIZE = 16
export const RECORD_HEADER_SIZE = 40
/** Largest payload a reader accepts; anything bigger is a corrupt length, not a record. */
export const MAX_PAYLOAD = 64 * 1024 * 1024

export const RecordType = {
  Meta: 1,
  Owner: 2,
  Open: 3,
  Connecting: 4,
  Connected: 5,
  ConnectFailed: 6,
  Data: 7,
  Fin: 8,
  Reset: 9,
  Error: 10,
  Close: 11,
  Lookup: 12,
  Timeout: 13,
  /** A part of the index written at close (stored-index.ts). */
  Index: 14,
  /** The file's last record: where the stored index is. */
  Trailer: 15,
  /** A leg's TLS handshake (payload: shared/tls-types.ts TlsEventInfo). */
  Tls: 16,
  /** A toxic's action on the connection (payload: shared/fault-types.ts FaultEventInfo). */
  Fault: 17,
  /** A breakpoint held, released, edited or dropped what one side sent (payload: shared/break-types.ts BreakEventInfo). */
  Break: 18,
  /** A person's one-click action on the connection (payload: shared/break-types.ts ActionEventInfo). */
  Action: 19,
  /** Bytes one side sent that were forwarded but not kept (`--when-disk-is-slow drop`; payload: record-payloads.ts GapInfo). */
  Gap: 20,
  /** A traffic rule or script acted on what one side sent: what it did, and what the receiver got instead (payload: shared/rules/rule-types.ts RuleEventInfo). */
  Rule: 21
} as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]
/** 1 at each record type's number: a header read looks its type up here, not in a Set (a hash lookup a record). */
const RECORD_TYPES = new Uint8Array(256)
for (const t of Object.values(RecordType)) if (typeof t === 'number') RECORD_TYPES[t] = 1

/** The event kind front ends see for each record type a connection has. */
export const KIND_OF: Record<number, CaptureEventKind> = {
  [RecordType.Open]: 'open',
  [RecordType.Connecting]: 'connecting',
  [RecordType.Connected]: 'connected',
  [RecordType.ConnectFailed]: 'connect-failed',
  [RecordType.Data]: 'data',
  [RecordType.Fin]: 'fin',
  [RecordType.Reset]: 'reset',
  [RecordType.Error]: 'error',
  [RecordType.Close]: 'close',
  [RecordType.Lookup]: 'lookup',
  [RecordType.Timeout]: 'timeout',
  [RecordType.Tls]: 'tls',
  [RecordType.Fault]: 'fault',
  [RecordType.Break]: 'break',
  [RecordType.Action]: 'action',
  [RecordType.Gap]: 'gap',
  [RecordType.Rule]: 'rule'
}

/** The record type of each event kind: KIND_OF the other way. */
export const TYPE_OF = Object.fromEntries(Object.entries(KIND_OF).map(([type, kind]) => [kind, Number(type)])) as Record<CaptureEventKind, RecordType>

export const FLAG_PAYLOAD_CRC = 1

export const DIR_NONE = 0
export const DIR_CLIENT = 1
export const DIR_SERVER = 2
export type DirCode = typeof DIR_NONE | typeof DIR_CLIENT | typeof DIR_SERVER
export const dirCode = (dir: Direction | undefined): DirCode =>
  dir === 'client' ? DIR_CLIENT : dir === 'server' ? DIR_SERVER : DIR_NONE
export const dirName = (code: number): Direction | undefined =>
  code === DIR_CLIENT ? 'client' : code === DIR_SERVER ? 'server' : undefined

export interface RecordHeader {
  type: RecordType
  flags: number
  dir: number
  connId: number
  seq: number
  length: number
  payloadCrc: number
  time: number
  mono: number
}

export function encodeFileHeader(version = FORMAT_VERSION): Buffer {
  const b = Buffer.alloc(FILE_HEADER_SIZE)
  MAGIC.copy(b, 0)
  b.writeUInt16LE(version, 8)
  b.writeUInt16LE(RECORD_HEADER_SIZE, 10)
  return b
}

/** Not a tcpscope capture, or not one this version reads. */
export class NotACaptureError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.ENOTCAPTURE)
  }
}

/** Checks the first bytes of a file (as many as it has, up to FILE_HEADER_SIZE). */
export function checkFileHeader(b: Buffer, path: string): void {
  if (b.length < MAGIC.length || !b.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new NotACaptureError(`${path} is not a tcpscope capture file (no TCPSCAP header)`)
  }
  if (b.length < FILE_HEADER_SIZE) {
    throw new NotACaptureError(
      `${path} is a tcpscope capture cut inside its file header (${b.length} of ${FILE_HEADER_SIZE} bytes): the writer stopped before recording anything`
    )
  }
  const version = b.readUInt16LE(8)
  if (version > FORMAT_VERSION) {
    throw new NotACaptureError(`${path} is capture format v${version}; this tcpscope reads up to v${FORMAT_VERSION}: upgrade tcpscope`)
  }
  if (version < OLDEST_READABLE_VERSION || b.readUInt16LE(10) !== RECORD_HEADER_SIZE) {
    throw new NotACaptureError(`${path} has a damaged file header (version ${version}, record header size ${b.readUInt16LE(10)})`)
  }
}

/**
 * Writes a record header into `b` at `at`; the header CRC covers bytes 4..40. Every record
 * pays this, so it avoids calls out of JavaScript: the CRC of 36 bytes in JS is several
 * times faster than a call into zlib, and DataView setters than Buffer's writeXxxLE.
 */
export function writeRecordHeader(
  b: Buffer,
  /** A DataView over the same bytes as `b`: its setters are several times faster. */
  view: DataView,
  at: number,
  type: RecordType,
  dir: DirCode,
  connId: number,
  seq: number,
  length: number,
  time: number,
  mono: number,
  payloadCrc?: number
): void {
  b[at + 4] = type
  b[at + 5] = payloadCrc === undefined ? 0 : FLAG_PAYLOAD_CRC
  b[at + 6] = dir
  b[at + 7] = 0
  view.setUint32(at + 8, connId, true)
  view.setUint32(at + 12, seq, true)
  view.setUint32(at + 16, length, true)
  view.setUint32(at + 20, payloadCrc ?? 0, true)
  view.setFloat64(at + 24, time, true)
  view.setFloat64(at + 32, mono, true)
  view.setUint32(at, crc32Range(b, at + 4, at + RECORD_HEADER_SIZE), true)
}

/**
 * A little-endian uint32 read from the bytes, the header being in bounds (checked once):
 * Buffer's readUInt32LE checks bounds at each of its five calls, which made a header read
 * about half again as long (decoding a file reads one a record, scanning one too).
 */
const u32At = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000

const F64_BYTES = new Uint8Array(8)
const F64_VIEW = new DataView(F64_BYTES.buffer)

/**
 * A little-endian float64 read from the bytes, in bounds (checked once): the eight bytes
 * copied into a scratch DataView's, which V8 compiles inline, where Buffer's readDoubleLE is a
 * call each (a header read took 72 ns this way, 123-145 ns with readDoubleLE and a Set of the
 * types, measured apart; decoding a file reads one a record).
 */
function f64At(b: Uint8Array, at: number): number {
  for (let k = 0; k < 8; k++) F64_BYTES[k] = b[at + k]
  return F64_VIEW.getFloat64(0, true)
}

/** Decodes a record header, or returns undefined when it is cut short, fails its CRC or makes no sense. */
export function readRecordHeader(b: Buffer, at: number): RecordHeader | undefined {
  const h: RecordHeader = { type: RecordType.Data, flags: 0, dir: 0, connId: 0, seq: 0, length: 0, payloadCrc: 0, time: NaN, mono: NaN }
  return readRecordHeaderInto(b, at, h) ? h : undefined
}

/**
 * readRecordHeader into `h`, an object of the caller's: false (and `h` left as it was) when
 * the header is cut short, fails its CRC or makes no sense. Decoding a file reads one a
 * record: an object each was an eighth of what the engine's thread allocated for it.
 */
export function readRecordHeaderInto(b: Buffer, at: number, h: RecordHeader): boolean {
  if (!(at >= 0 && at + RECORD_HEADER_SIZE <= b.length)) return false
  if (u32At(b, at) !== crc32Range(b, at + 4, at + RECORD_HEADER_SIZE)) return false
  const type = b[at + 4]
  const length = u32At(b, at + 16)
  if (RECORD_TYPES[type] !== 1 || length > MAX_PAYLOAD || b[at + 6] > DIR_SERVER) return false
  h.type = type as RecordType
  h.flags = b[at + 5]
  h.dir = b[at + 6]
  h.connId = u32At(b, at + 8)
  h.seq = u32At(b, at + 12)
  h.length = length
  h.payloadCrc = u32At(b, at + 20)
  h.time = f64At(b, at + 24)
  h.mono = f64At(b, at + 32)
  return true
}

export function payloadCrcOk(h: RecordHeader, payload: Buffer): boolean {
  return (h.flags & FLAG_PAYLOAD_CRC) === 0 || crc32(payload) === h.payloadCrc
}
