// A protobuf message changed without a schema, its lengths made right again: fields set by
// number path (`2.1`: field 1 of the message in field 2, as the gRPC matcher's `field` names
// them), or every text value run through a text edit. A length-delimited value that changes
// length changes its own length prefix and that of every message it is nested in, so the
// message is rebuilt from its fields: those an edit does not touch are copied byte for byte
// (unknown ones, groups, their order), the changed ones encoded again with minimal varints.
// Nothing here throws on what the bytes hold: a message that does not parse is a reason.

import { PROTO_MAX_DEPTH } from '../../../shared/grpc-types'
import { lenValue, parsesWholly, readTag, skipValue, wireTypeName, WIRE_EGROUP, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './proto-wire'
import { printableText } from './proto-values'

const utf8 = new TextEncoder()

/** What a field is set to: text (length-delimited, UTF-8), a number, or a boolean (a varint 1 or 0). */
export type ProtoSetValue = string | number | boolean

/** A message edited: its new bytes, whether they differ, and what was not done (one line each). */
export interface ProtoEdited {
  bytes: Uint8Array
  changed: boolean
  notes: string[]
}

/** One field as it lies in its message: tag at `start`, value [valueStart, end). */
interface WireField {
  number: number
  wire: number
  start: number
  valueStart: number
  end: number
}

/** The fields of [0, buf.length), or why they do not parse (a group's inside is not listed). */
function fieldsIn(buf: Uint8Array): WireField[] | string {
  const out: WireField[] = []
  let i = 0
  while (i < buf.length) {
    const t = readTag(buf, i, buf.length)
    if ('error' in t) return `at byte ${i}, ${t.error}`
    if (t.wire === WIRE_EGROUP) return `at byte ${i}, an end-group tag of field ${t.number} with no group of it open`
    const len = t.wire === WIRE_LEN ? lenValue(buf, t.next, buf.length) : undefined
    const end = len?.end ?? skipValue(buf, t.next, buf.length, t.wire, t.number, PROTO_MAX_DEPTH)
    if (end < 0) return `at byte ${i}, field ${t.number} runs past the end`
    out.push({ number: t.number, wire: t.wire, start: i, valueStart: len?.start ?? t.next, end })
    i = end
  }
  return out
}

function varint(v: bigint): number[] {
  const out: number[] = []
  let n = BigInt.asUintN(64, v)
  do {
    const b = Number(n & 0x7fn)
    n >>= 7n
    out.push(n > 0n ? b | 0x80 : b)
  } while (n > 0n)
  return out
}

const tag = (number: number, wire: number): number[] => varint(BigInt(number) * 8n + BigInt(wire))

/** A length-delimited field: tag, length, then the value's pieces. */
function lenField(number: number, value: Uint8Array[]): Uint8Array[] {
  const size = value.reduce((n, p) => n + p.length, 0)
  return [Uint8Array.from([...tag(number, WIRE_LEN), ...varint(BigInt(size))]), ...value]
}

/**
 * Field `number` holding `value`, written as its wire type `wire` (when the message has it)
 * wants; or why it cannot be. Without a schema a number is a varint (negative: int64's ten
 * bytes), except in a 4- or 8-byte field, written as float and double are (more common there
 * than fixed32/fixed64), and a fraction in an absent field, written as a double.
 */
function encodeValue(number: number, value: ProtoSetValue, wire: number | undefined): Uint8Array[] | string {
  if (typeof value === 'string') {
    if (wire !== undefined && wire !== WIRE_LEN) return `it holds a ${wireTypeName(wire)}, not text`
    return lenField(number, [utf8.encode(value)])
  }
  if (wire === WIRE_LEN) return 'it is length-delimited (text, bytes, a message or packed numbers), not one number'
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : value
  // An absent field given a fraction: a varint cannot hold it, so a double (proto's usual one).
  if (wire === undefined && !Number.isInteger(n)) wire = WIRE_I64
  if (wire === WIRE_I32 || wire === WIRE_I64) {
    if (typeof value === 'boolean') return `it holds a ${wireTypeName(wire)}, not a boolean`
    const bytes = new Uint8Array(wire === WIRE_I32 ? 4 : 8)
    const view = new DataView(bytes.buffer)
    if (wire === WIRE_I32) view.setFloat32(0, n, true)
    else view.setFloat64(0, n, true)
    return [Uint8Array.from(tag(number, wire)), bytes]
  }
  if (wire !== undefined && wire !== WIRE_VARINT) return `it is a ${wireTypeName(wire)}`
  if (!Number.isSafeInteger(n)) return `${n} is not a whole number, and the field is a varint`
  return [Uint8Array.from([...tag(number, WIRE_VARINT), ...varint(BigInt(n))])]
}

interface FieldSet {
  /** The path left below this message. */
  path: number[]
  value: ProtoSetValue
  /** The whole path as given (`2.1`), for notes. */
  name: string
}

/** The message's pieces with `sets` made: every field at a path set, one that is absent added (nested messages made as needed). */
function setIn(buf: Uint8Array, sets: readonly FieldSet[], notes: string[]): Uint8Array[] | string {
  const fields = fieldsIn(buf)
  if (typeof fields === 'string') return fields
  const parts: Uint8Array[] = []
  const seen = new Set<number>()
  for (const f of fields) {
    const mine = sets.filter((s) => s.path[0] === f.number)
    if (mine.length === 0) {
      parts.push(buf.subarray(f.start, f.end))
      continue
    }
    seen.add(f.number)
    const out = setField(buf, f, mine, notes)
    parts.push(...(out ?? [buf.subarray(f.start, f.end)]))
  }
  for (const s of sets) {
    const number = s.path[0]
    if (seen.has(number)) continue
    seen.add(number)
    parts.push(...(setField(new Uint8Array(0), undefined, sets.filter((x) => x.path[0] === number), notes) ?? []))
  }
  return parts
}

/** Field `f` (or, when absent, a new one of the sets' number) with `sets` made in it; undefined: left as it was. */
function setField(buf: Uint8Array, f: WireField | undefined, sets: readonly FieldSet[], notes: string[]): Uint8Array[] | undefined {
  const number = sets[0].path[0]
  // The schema refuses a path beside one inside it, so a field is set whole or inside, not both.
  const leaf = sets.find((s) => s.path.length === 1)
  if (leaf !== undefined) {
    const out = encodeValue(number, leaf.value, f?.wire)
    if (typeof out === 'string') notes.push(`field ${leaf.name} not set: ${out}`)
    return typeof out === 'string' ? undefined : out
  }
  const inner = f === undefined ? new Uint8Array(0) : buf.subarray(f.valueStart, f.end)
  if (f !== undefined && (f.wire !== WIRE_LEN || !parsesWholly(inner, 0, inner.length, PROTO_MAX_DEPTH))) {
    for (const s of sets) notes.push(`field ${s.name} not set: its field ${number} is not a message`)
    return undefined
  }
  const out = setIn(
    inner,
    sets.map((s) => ({ ...s, path: s.path.slice(1) })),
    notes
  )
  return typeof out === 'string' ? undefined : lenField(number, out)
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * `msg` with each field at a path (`'1'`, `'2.1'`) set to its value: every occurrence of it,
 * added when absent. A field whose wire type cannot take the value, or a path through
 * something that is not a message, is a note and that field stays as it was.
 */
export function setProtoFields(msg: Uint8Array, fields: Readonly<Record<string, ProtoSetValue>>): ProtoEdited | { problem: string } {
  const notes: string[] = []
  const sets = Object.entries(fields).map(([name, value]) => ({ path: name.split('.').map(Number), value, name }))
  const parts = setIn(msg, sets, notes)
  if (typeof parts === 'string') return { problem: parts }
  const bytes = joined(parts)
  return { bytes, changed: !sameBytes(bytes, msg), notes: [...new Set(notes)] }
}

/** The message's pieces with `edit` run on every text value (nested messages through); undefined: nothing changed. */
function replaceIn(buf: Uint8Array, edit: (text: string) => string, depth: number): Uint8Array[] | undefined {
  const fields = fieldsIn(buf)
  if (typeof fields === 'string') return undefined
  const parts: Uint8Array[] = []
  let changed = false
  for (const f of fields) {
    const value = buf.subarray(f.valueStart, f.end)
    let out: Uint8Array[] | undefined
    if (f.wire === WIRE_LEN) {
      // Read as the decoder shows it: printable UTF-8 is text, else what parses wholly a message, else bytes (left alone).
      const text = value.length === 0 ? '' : printableText(value)
      if (text !== undefined) {
        const edited = edit(text)
        if (edited !== text) out = lenField(f.number, [utf8.encode(edited)])
      } else if (depth < PROTO_MAX_DEPTH && parsesWholly(value, 0, value.length, PROTO_MAX_DEPTH - depth)) {
        const inner = replaceIn(value, edit, depth + 1)
        if (inner !== undefined) out = lenField(f.number, inner)
      }
    }
    if (out !== undefined) changed = true
    parts.push(...(out ?? [buf.subarray(f.start, f.end)]))
  }
  return changed ? parts : undefined
}

/**
 * `msg` with `edit` run on each of its text values (a length-delimited field that is
 * printable UTF-8, in it and in every nested message), each length refitted. A value is
 * edited by itself: a find cannot span two fields.
 */
export function replaceProtoText(msg: Uint8Array, edit: (text: string) => string): ProtoEdited | { problem: string } {
  const fields = fieldsIn(msg)
  if (typeof fields === 'string') return { problem: fields }
  const parts = replaceIn(msg, edit, 0)
  return parts === undefined ? { bytes: msg, changed: false, notes: [] } : { bytes: joined(parts), changed: true, notes: [] }
}
