// How a protobuf value's bytes read, as text: a varint unsigned, signed (int64) and zigzag
// (sint64); fixed values as integers and floats (little-endian); length-delimited values as
// text when they are printable UTF-8, else hex. Each is one of the readings a person picks
// from when there is no schema to say which was meant.

import { PROTO_VALUE_SHOWN, type ProtoReading } from '../../../shared/grpc-types'

const TWO_63 = 2n ** 63n
const TWO_64 = 2n ** 64n

const utf8 = new TextDecoder('utf-8', { fatal: true })
const utf8Lenient = new TextDecoder('utf-8')

/** int64 of a 64-bit unsigned value. */
export const signed64 = (v: number | bigint): bigint => {
  const b = BigInt(v)
  return b >= TWO_63 ? b - TWO_64 : b
}

/** sint64: zigzag-decoded. */
export function zigzag(v: number | bigint): string {
  if (typeof v === 'number') return String(v % 2 === 0 ? v / 2 : -(v + 1) / 2)
  return String(v & 1n ? -((v + 1n) >> 1n) : v >> 1n)
}

/** A varint's unsigned value, and its signed and zigzag readings where they differ. */
export function varintReadings(v: number | bigint): { value: string; readings?: ProtoReading[] } {
  const value = String(v)
  const readings: ProtoReading[] = []
  const s = signed64(v)
  if (String(s) !== value) readings.push({ as: 'signed', value: String(s) })
  const z = zigzag(v)
  if (z !== value) readings.push({ as: 'zigzag', value: z })
  return readings.length > 0 ? { value, readings } : { value }
}

const view = (buf: Uint8Array, at: number, n: number): DataView => new DataView(buf.buffer, buf.byteOffset + at, n)

export const uint64At = (buf: Uint8Array, at: number): bigint => view(buf, at, 8).getBigUint64(0, true)
export const uint32At = (buf: Uint8Array, at: number): number => view(buf, at, 4).getUint32(0, true)
export const doubleAt = (buf: Uint8Array, at: number): number => view(buf, at, 8).getFloat64(0, true)
export const floatAt = (buf: Uint8Array, at: number): number => view(buf, at, 4).getFloat32(0, true)

/** A fixed64's readings: unsigned, then signed and double. */
export function fixed64Readings(buf: Uint8Array, at: number): { value: string; readings: ProtoReading[] } {
  const u = uint64At(buf, at)
  const readings: ProtoReading[] = []
  if (u >= TWO_63) readings.push({ as: 'signed', value: String(u - TWO_64) })
  readings.push({ as: 'double', value: String(doubleAt(buf, at)) })
  return { value: String(u), readings }
}

/** A fixed32's readings: unsigned, then signed and float. */
export function fixed32Readings(buf: Uint8Array, at: number): { value: string; readings: ProtoReading[] } {
  const u = uint32At(buf, at)
  const readings: ProtoReading[] = []
  if (u >= 0x80000000) readings.push({ as: 'signed', value: String(u | 0) })
  readings.push({ as: 'float', value: String(floatAt(buf, at)) })
  return { value: String(u), readings }
}

/** Controls other than tab, LF and CR (C0, DEL, C1) make text not printable. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/

/** The bytes as text when they are valid UTF-8 with no control characters, else undefined. */
export function printableText(bytes: Uint8Array): string | undefined {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return undefined
  }
  return CONTROL.test(text) ? undefined : text
}

/** At most PROTO_VALUE_SHOWN bytes of text, cut at a character's start (UTF-8 continuation bytes are 10xxxxxx). */
export function shownText(bytes: Uint8Array): { value: string; cut?: boolean } {
  if (bytes.length <= PROTO_VALUE_SHOWN) return { value: utf8Lenient.decode(bytes) }
  let n = PROTO_VALUE_SHOWN
  while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--
  return { value: utf8Lenient.decode(bytes.subarray(0, n)), cut: true }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** At most PROTO_VALUE_SHOWN bytes as lowercase hex. */
export function shownHex(bytes: Uint8Array): { value: string; cut?: boolean } {
  const n = Math.min(bytes.length, PROTO_VALUE_SHOWN)
  let s = ''
  for (let i = 0; i < n; i++) s += HEX[bytes[i]]
  return n < bytes.length ? { value: s, cut: true } : { value: s }
}
