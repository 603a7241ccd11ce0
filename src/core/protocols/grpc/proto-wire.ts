// The protobuf wire format read without a schema (protobuf.dev/programming-guides/encoding):
// varints, tags, and whether a byte range parses wholly as a message. Nothing here
// allocates per field or throws: a read that does not fit returns -1 (or a reason), so a
// caller can try a length-delimited value as a nested message at no cost when it is not one.

import type { ProtoWireType } from '../../../shared/grpc-types'

/** A varint never takes more than 10 bytes (64 bits, 7 a byte). */
const MAX_VARINT = 10
/** Field numbers are 29 bits (1 to 2^29 - 1). */
const MAX_FIELD_NUMBER = 0x1fffffff

export const WIRE_VARINT = 0
export const WIRE_I64 = 1
export const WIRE_LEN = 2
export const WIRE_SGROUP = 3
export const WIRE_EGROUP = 4
export const WIRE_I32 = 5

export const wireTypeName = (w: number): ProtoWireType => (['varint', 'i64', 'len', 'group', 'group', 'i32'] as const)[w]

/** Where the varint at `at` ends, or -1 when it runs past `end` or past 10 bytes. */
export function skipVarint(buf: Uint8Array, at: number, end: number): number {
  const stop = Math.min(end, at + MAX_VARINT)
  for (let i = at; i < stop; i++) if (buf[i] < 0x80) return i + 1
  return -1
}

/**
 * The varint at `at` as a number while it fits in 2^53 (nearly every one), else as a bigint
 * cut to 64 bits, as protobuf parsers do. Call only where skipVarint said it ends.
 */
export function readVarint(buf: Uint8Array, at: number, end: number): number | bigint {
  let value = 0
  let scale = 1
  for (let i = at; i < end && i - at < 7; i++) {
    value += (buf[i] & 0x7f) * scale
    if (buf[i] < 0x80) return value
    scale *= 128
  }
  let big = BigInt(value)
  let shift = 49n
  for (let i = at + 7; i < end; i++) {
    big |= BigInt(buf[i] & 0x7f) << shift
    if (buf[i] < 0x80) break
    shift += 7n
  }
  return BigInt.asUintN(64, big)
}

/** A tag read: where it ends, its field number and wire type; or a reason it is not one. */
export type Tag = { next: number; number: number; wire: number } | { error: string }

export function readTag(buf: Uint8Array, at: number, end: number): Tag {
  const next = skipVarint(buf, at, end)
  if (next < 0) return { error: next === -1 && end - at < MAX_VARINT ? 'a tag runs past the end' : 'a tag is not a varint' }
  const v = readVarint(buf, at, next)
  if (typeof v === 'bigint' || v > 0xffffffff) return { error: 'a tag is larger than 32 bits' }
  const wire = v % 8
  const number = Math.floor(v / 8)
  if (number === 0 || number > MAX_FIELD_NUMBER) return { error: `field number ${number} is not a valid one` }
  if (wire > 5) return { error: `wire type ${wire} of field ${number} does not exist` }
  return { next, number, wire }
}

/**
 * Where the value of a field of wire type `wire` starting at `at` ends (for a group: after
 * its end-group tag), or -1 when it does not fit. `depth` bounds groups within groups.
 */
export function skipValue(buf: Uint8Array, at: number, end: number, wire: number, number: number, depth: number): number {
  switch (wire) {
    case WIRE_VARINT:
      return skipVarint(buf, at, end)
    case WIRE_I64:
      return at + 8 <= end ? at + 8 : -1
    case WIRE_I32:
      return at + 4 <= end ? at + 4 : -1
    case WIRE_LEN:
      return lenValue(buf, at, end)?.end ?? -1
    case WIRE_SGROUP:
      return depth <= 0 ? -1 : skipFields(buf, at, end, depth - 1, number)
    default:
      return -1
  }
}

/** A length-delimited field's declared length, or -1 when its varint does not fit or is absurd (over 2^31). */
function lengthAt(buf: Uint8Array, at: number, end: number): number {
  const next = skipVarint(buf, at, end)
  if (next < 0) return -1
  const n = readVarint(buf, at, next)
  return typeof n === 'bigint' || n > 0x7fffffff ? -1 : n
}

/** A length-delimited value's bytes [start, end), or undefined when the length does not fit. */
export function lenValue(buf: Uint8Array, at: number, end: number): { start: number; end: number } | undefined {
  const n = lengthAt(buf, at, end)
  if (n < 0) return undefined
  const start = skipVarint(buf, at, end)
  return start + n <= end ? { start, end: start + n } : undefined
}

/**
 * Skips fields from `at`: to `end` exactly (group 0), or through the end-group tag of field
 * `group`. Where it stopped, or -1 when a field does not fit or an end-group does not match.
 */
function skipFields(buf: Uint8Array, at: number, end: number, depth: number, group: number): number {
  let i = at
  while (i < end) {
    const t = readTag(buf, i, end)
    if ('error' in t) return -1
    if (t.wire === WIRE_EGROUP) return t.number === group ? t.next : -1
    const next = skipValue(buf, t.next, end, t.wire, t.number, depth)
    if (next < 0) return -1
    i = next
  }
  return group === 0 ? i : -1
}

/** Whether [start, end) parses wholly as a message: every field fits, every group closes, nothing is left over. */
export const parsesWholly = (buf: Uint8Array, start: number, end: number, depth: number): boolean => skipFields(buf, start, end, depth, 0) === end

/** How many fields lie in [at, end), up to one that does not fit or an end-group: counted, not listed, when the budget ran out. */
export function countFields(buf: Uint8Array, at: number, end: number, depth: number): number {
  let count = 0
  let i = at
  while (i < end) {
    const t = readTag(buf, i, end)
    if ('error' in t || t.wire === WIRE_EGROUP) break
    const next = skipValue(buf, t.next, end, t.wire, t.number, depth)
    if (next < 0) break
    count++
    i = next
  }
  return count
}
