// A protobuf message as a tree of fields, like `protoc --decode_raw`, or by a schema when
// one is given (field names, declared types, packed fields, enums). Without one, a
// length-delimited value is text when it is printable UTF-8, else a nested message when it
// parses wholly, else bytes. Bounded: nesting at PROTO_MAX_DEPTH, PROTO_MAX_FIELDS listed in
// the whole tree (the rest counted), values shown to PROTO_VALUE_SHOWN bytes. Garbage stops
// the decoding with a problem where it began, and what parsed before it is kept.

import { PROTO_MAX_DEPTH, PROTO_MAX_FIELDS, type ProtoDecoded, type ProtoField } from '../../../shared/grpc-types'
import { countFields, lenValue, parsesWholly, readTag, readVarint, skipVarint, wireTypeName, WIRE_EGROUP, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_SGROUP, WIRE_VARINT } from './proto-wire'
import { fixed32Readings, fixed64Readings, printableText, shownHex, shownText, varintReadings } from './proto-values'
import { declaredWire, fixedAs, named, packable, varintAs, type SchemaField, type SchemaType } from './proto-schema'

export interface ProtoDecodeOptions {
  /** The message's type: fields are named and read as declared (unknown fields stay raw). */
  type?: SchemaType
  maxDepth?: number
  maxFields?: number
}

interface Ctx {
  buf: Uint8Array
  /** Fields that may still be listed. */
  left: number
  maxDepth: number
}

interface Fields {
  fields: ProtoField[]
  /** Where it stopped: the end, or after the end-group tag of the group it read. */
  next: number
  /** A group's end-group tag. */
  endTag?: number
  omitted?: number
  problem?: { offset: number; message: string }
}

export function decodeProto(buf: Uint8Array, opts: ProtoDecodeOptions = {}): ProtoDecoded {
  const ctx: Ctx = { buf, left: opts.maxFields ?? PROTO_MAX_FIELDS, maxDepth: opts.maxDepth ?? PROTO_MAX_DEPTH }
  const r = fieldsOf(ctx, 0, buf.length, 0, opts.type, 0)
  const out: ProtoDecoded = { fields: r.fields }
  if (r.omitted) out.omitted = r.omitted
  if (r.problem) out.problem = r.problem
  return out
}

/** The fields in [start, end) (group 0), or through the end-group tag of field `group`. */
function fieldsOf(ctx: Ctx, start: number, end: number, depth: number, type: SchemaType | undefined, group: number): Fields {
  const { buf } = ctx
  const fields: ProtoField[] = []
  let i = start
  while (i < end) {
    if (ctx.left <= 0) {
      const omitted = countFields(buf, i, end, ctx.maxDepth - depth)
      return { fields, next: end, omitted }
    }
    const t = readTag(buf, i, end)
    if ('error' in t) return { fields, next: i, problem: { offset: i, message: t.error } }
    if (t.wire === WIRE_EGROUP) {
      if (t.number === group) return { fields, next: t.next, endTag: i }
      return { fields, next: i, problem: { offset: i, message: `an end-group tag of field ${t.number} with no group of it open` } }
    }
    ctx.left--
    const f = field(ctx, i, t.next, end, t.number, t.wire, depth, type?.field(t.number))
    if (typeof f === 'string') return { fields, next: i, problem: { offset: i, message: f } }
    fields.push(f)
    i = f.offset + f.length
  }
  if (group !== 0) return { fields, next: i, problem: { offset: i, message: `the group of field ${group} has no end-group tag` } }
  return { fields, next: i }
}

/** One field, its tag at `at` and its value at `v`; or why it does not fit (which stops its message). */
function field(ctx: Ctx, at: number, v: number, end: number, number: number, wire: number, depth: number, sf: SchemaField | undefined): ProtoField | string {
  const { buf } = ctx
  const base = (valueEnd: number, valueOffset: number, kind: string, value: string): ProtoField => ({
    number,
    wire: wireTypeName(wire),
    kind,
    value,
    offset: at,
    length: valueEnd - at,
    valueOffset,
    valueLength: valueEnd - valueOffset
  })
  const declared = sf && declaredWire(sf)
  const mismatch = sf !== undefined && declared !== wire && !(wire === WIRE_LEN && packable(sf)) && !(wire === WIRE_SGROUP && sf.type === 'message')
  const schema = mismatch ? undefined : sf
  let out: ProtoField
  switch (wire) {
    case WIRE_VARINT: {
      const next = skipVarint(buf, v, end)
      if (next < 0) return `the varint of field ${number} runs past the end`
      const n = readVarint(buf, v, next)
      out = schema ? base(next, v, schema.type, varintAs(schema, n)) : { ...base(next, v, 'varint', ''), ...varintReadings(n) }
      break
    }
    case WIRE_I64:
    case WIRE_I32: {
      const size = wire === WIRE_I64 ? 8 : 4
      if (v + size > end) return `the ${size}-byte value of field ${number} runs past the end`
      if (schema) out = base(v + size, v, schema.type, fixedAs(schema, buf, v))
      else out = { ...base(v + size, v, size === 8 ? 'fixed64' : 'fixed32', ''), ...(size === 8 ? fixed64Readings(buf, v) : fixed32Readings(buf, v)) }
      break
    }
    case WIRE_LEN: {
      const r = lenValue(buf, v, end)
      if (!r) return `the length of field ${number} runs past the end`
      out = lenField(ctx, base(r.end, r.start, '', ''), depth, schema)
      break
    }
    case WIRE_SGROUP: {
      if (depth + 1 > ctx.maxDepth) return `groups nest deeper than ${ctx.maxDepth}`
      const g = fieldsOf(ctx, v, end, depth + 1, schema?.message, number)
      if (g.problem) return g.problem.message
      out = base(g.endTag ?? g.next, v, 'group', '')
      out.length = g.next - at
      out.children = g.fields
      if (g.omitted) out.omitted = g.omitted
      break
    }
    default:
      return `wire type ${wire} of field ${number} does not exist`
  }
  if (sf) named(out, sf)
  if (mismatch) out.problem = `declared ${sf.type}, sent as ${wireTypeName(wire)}`
  return out
}

/** A length-delimited value: by its schema (text, bytes, a message, packed numbers), or guessed. */
function lenField(ctx: Ctx, f: ProtoField, depth: number, sf: SchemaField | undefined): ProtoField {
  const bytes = ctx.buf.subarray(f.valueOffset, f.valueOffset + f.valueLength)
  if (sf?.type === 'string') return Object.assign(f, { kind: 'string' }, shownText(bytes))
  if (sf?.type === 'bytes') return Object.assign(f, { kind: 'bytes' }, shownHex(bytes))
  if (sf && packable(sf)) return packed(ctx, f, sf)
  if (sf?.type === 'message') {
    if (nested(ctx, f, depth, sf.message)) return f
    return Object.assign(f, { kind: 'bytes', problem: `does not parse as ${sf.typeName ?? 'a message'}` }, shownHex(bytes))
  }
  const text = bytes.length <= 0 ? '' : printableText(bytes)
  if (text !== undefined) return Object.assign(f, { kind: 'string' }, shownText(bytes))
  if (nested(ctx, f, depth, undefined)) return f
  return Object.assign(f, { kind: 'bytes' }, shownHex(bytes))
}

/** Makes `f` a nested message when its value parses wholly within the depth; false when it does not. */
function nested(ctx: Ctx, f: ProtoField, depth: number, type: SchemaType | undefined): boolean {
  if (depth + 1 > ctx.maxDepth) return false
  const end = f.valueOffset + f.valueLength
  if (!parsesWholly(ctx.buf, f.valueOffset, end, ctx.maxDepth - depth - 1)) return false
  const r = fieldsOf(ctx, f.valueOffset, end, depth + 1, type, 0)
  f.kind = 'message'
  f.children = r.fields
  if (r.omitted) f.omitted = r.omitted
  return true
}

/** A packed repeated scalar: its elements as children, each with its own bytes. */
function packed(ctx: Ctx, f: ProtoField, sf: SchemaField): ProtoField {
  const { buf } = ctx
  const wire = declaredWire(sf)!
  const end = f.valueOffset + f.valueLength
  const children: ProtoField[] = []
  let i = f.valueOffset
  f.kind = 'packed'
  f.children = children
  while (i < end) {
    if (ctx.left <= 0) {
      f.omitted = (f.omitted ?? 0) + 1
      i = wire === WIRE_VARINT ? skipVarint(buf, i, end) : i + (wire === WIRE_I64 ? 8 : 4)
      if (i < 0 || i > end) break
      continue
    }
    const size = wire === WIRE_VARINT ? skipVarint(buf, i, end) - i : wire === WIRE_I64 ? 8 : 4
    if (size <= 0 || i + size > end) {
      f.problem = `its packed ${sf.type} values end part-way through one`
      break
    }
    ctx.left--
    const value = wire === WIRE_VARINT ? varintAs(sf, readVarint(buf, i, i + size)) : fixedAs(sf, buf, i)
    children.push({ number: f.number, wire: wireTypeName(wire), kind: sf.type, value, offset: i, length: size, valueOffset: i, valueLength: size })
    i += size
  }
  return f
}
