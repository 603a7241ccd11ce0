// The schema-less protobuf decoder (protoc --decode_raw's readings): every wire type from
// hand-made bytes, messages protobufjs encoded from a .proto read back field by field, and
// random bytes, which must never throw and stay within the bounds.
import { describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { decodeProto } from '../../../../src/core/protocols/grpc/proto-decode'
import { PROTO_MAX_DEPTH, PROTO_MAX_FIELDS, type ProtoField } from '../../../../src/shared/grpc-types'
import { seeded } from '../../../helpers/seeded'

const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex')
/** A field in short: number, kind and value (and readings), children nested. */
type Short = [number, string, string, ...unknown[]]
const short = (fields: ProtoField[]): Short[] =>
  fields.map((f) => {
    const s: Short = [f.number, f.kind, f.value]
    if (f.readings) s.push(Object.fromEntries(f.readings.map((r) => [r.as, r.value])))
    if (f.children) s.push(short(f.children))
    return s
  })

describe('protobuf without a schema', () => {
  it('reads a varint unsigned, with its signed and zigzag readings', () => {
    expect(short(decodeProto(hex('08 96 01')).fields)).toEqual([[1, 'varint', '150', { zigzag: '75' }]])
    // int32 -1 is sent as a 10-byte varint: 2^64 - 1.
    expect(short(decodeProto(hex('08 ff ff ff ff ff ff ff ff ff 01')).fields)).toEqual([[1, 'varint', '18446744073709551615', { signed: '-1', zigzag: '-9223372036854775808' }]])
    expect(short(decodeProto(hex('08 00')).fields)).toEqual([[1, 'varint', '0']])
  })

  it('reads fixed values as integers and floats, little-endian', () => {
    const d = decodeProto(hex('11 000000000000f03f 1d 0000c0bf'))
    expect(short(d.fields)).toEqual([
      [2, 'fixed64', '4607182418800017408', { double: '1' }],
      [3, 'fixed32', '3217031168', { signed: '-1077936128', float: '-1.5' }]
    ])
  })

  it('reads a length-delimited value as text, then as a message, then as bytes', () => {
    // 1: "testing"; 2: {1: 150}; 3: bytes ff 00 (neither text nor a message); 4: ""
    const d = decodeProto(hex('0a 07 74657374696e67 12 03 089601 1a 02 ff00 22 00'))
    expect(short(d.fields)).toEqual([
      [1, 'string', 'testing'],
      [2, 'message', '', [[1, 'varint', '150', { zigzag: '75' }]]],
      [3, 'bytes', 'ff00'],
      [4, 'string', '']
    ])
    // Every field keeps its bytes: tag, length and value.
    expect(d.fields.map((f) => [f.offset, f.length, f.valueOffset, f.valueLength])).toEqual([
      [0, 9, 2, 7],
      [9, 5, 11, 3],
      [14, 4, 16, 2],
      [18, 2, 20, 0]
    ])
    expect(d.fields[1].children!.map((f) => [f.offset, f.length])).toEqual([[11, 3]])
  })

  it('reads the deprecated groups, nested, and their bytes', () => {
    // 1: group { 2: 1, 3: group { 4: "a" } }
    const d = decodeProto(hex('0b 10 01 1b 22 01 61 1c 0c'))
    expect(short(d.fields)).toEqual([[1, 'group', '', [[2, 'varint', '1', { zigzag: '-1' }], [3, 'group', '', [[4, 'string', 'a']]]]]])
    expect([d.fields[0].offset, d.fields[0].length, d.fields[0].valueOffset, d.fields[0].valueLength]).toEqual([0, 9, 1, 7])
    expect(d.problem).toBeUndefined()
  })

  it('keeps what parsed before garbage, and says where it stopped', () => {
    expect(decodeProto(hex('08 01 0f'))).toMatchObject({ fields: [{ number: 1 }], problem: { offset: 2, message: 'wire type 7 of field 1 does not exist' } })
    expect(decodeProto(hex('08 01 12 05 61'))).toMatchObject({ fields: [{ number: 1 }], problem: { offset: 2, message: 'the length of field 2 runs past the end' } })
    expect(decodeProto(hex('00'))).toMatchObject({ fields: [], problem: { offset: 0, message: 'field number 0 is not a valid one' } })
    expect(decodeProto(hex('0c'))).toMatchObject({ fields: [], problem: { offset: 0, message: 'an end-group tag of field 1 with no group of it open' } })
    expect(decodeProto(hex('0b 08 01'))).toMatchObject({ fields: [], problem: { offset: 0, message: 'the group of field 1 has no end-group tag' } })
    expect(decodeProto(hex('08 ff ff'))).toMatchObject({ fields: [], problem: { offset: 0, message: 'the varint of field 1 runs past the end' } })
  })

  it('lists at most PROTO_MAX_FIELDS fields and counts the rest', () => {
    const many = Buffer.alloc(2 * (PROTO_MAX_FIELDS + 500))
    for (let i = 0; i < many.length; i += 2) many[i] = 0x08
    const d = decodeProto(many)
    expect([d.fields.length, d.omitted]).toEqual([PROTO_MAX_FIELDS, 500])
  })

  it('nests messages at most PROTO_MAX_DEPTH deep; deeper ones are bytes', () => {
    let inner: Buffer = Buffer.from([0x08, 0x01])
    for (let i = 0; i < 40; i++) inner = Buffer.concat([Buffer.from([0x0a, inner.length]), inner])
    let f = decodeProto(inner).fields[0]
    let depth = 0
    while (f.kind === 'message') {
      f = f.children![0]
      depth++
    }
    expect(depth).toBe(PROTO_MAX_DEPTH)
    expect(f.kind).toBe('bytes')
  })
})

const PROTO = `
syntax = "proto3";
package demo;
enum Kind { KIND_UNSPECIFIED = 0; KIND_BIG = 2; }
message Inner { string label = 1; sint32 delta = 2; }
message Outer {
  int32 id = 1;
  string name = 2;
  double ratio = 3;
  bytes blob = 4;
  Inner inner = 5;
  repeated int32 counts = 6;
  Kind kind = 7;
  sint64 offset = 8;
  bool on = 9;
  fixed32 f32 = 10;
  map<string, int64> totals = 11;
  repeated Inner items = 12;
  float weight = 13;
}`

describe('protobuf encoded by protobufjs, read back without a schema', () => {
  const Outer = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('demo.Outer')
  const value = {
    id: -7,
    name: 'héllo',
    ratio: 0.25,
    blob: Buffer.from([0, 1, 2, 0xfe]),
    inner: { label: 'in', delta: -3 },
    counts: [1, 300, 70000],
    kind: 2,
    offset: -123456789,
    on: true,
    f32: 4000000000,
    totals: { a: 5 },
    items: [{ label: 'x' }, { delta: 1 }],
    weight: 1.5
  }
  const bytes = Outer.encode(Outer.fromObject(value)).finish()
  const d = decodeProto(bytes)

  it('finds every field with the value its bytes hold', () => {
    expect(d.problem).toBeUndefined()
    const byNumber = (n: number): ProtoField[] => d.fields.filter((f) => f.number === n)
    const reading = (f: ProtoField, as: string): string | undefined => f.readings?.find((r) => r.as === as)?.value
    expect(reading(byNumber(1)[0], 'signed')).toBe('-7')
    expect(byNumber(2)[0]).toMatchObject({ kind: 'string', value: 'héllo' })
    expect(reading(byNumber(3)[0], 'double')).toBe('0.25')
    expect(byNumber(4)[0]).toMatchObject({ kind: 'bytes', value: '000102fe' })
    expect(short(byNumber(5)[0].children!)).toEqual([
      [1, 'string', 'in'],
      [2, 'varint', '5', { zigzag: '-3' }]
    ])
    // A packed repeated int32 is bytes to a reader with no schema (its varints are not fields).
    expect(byNumber(6)[0]).toMatchObject({ kind: 'bytes', value: '01ac02f0a204' })
    expect(byNumber(7)[0].value).toBe('2')
    expect(reading(byNumber(8)[0], 'zigzag')).toBe('-123456789')
    expect(byNumber(9)[0].value).toBe('1')
    expect(byNumber(10)[0].value).toBe('4000000000')
    expect(short(byNumber(11)[0].children!)).toEqual([
      [1, 'string', 'a'],
      [2, 'varint', '5', { zigzag: '-3' }]
    ])
    expect(byNumber(12).map((f) => short(f.children!))).toEqual([[[1, 'string', 'x']], [[2, 'varint', '2', { zigzag: '1' }]]])
    expect(reading(byNumber(13)[0], 'float')).toBe('1.5')
    // The fields cover the message exactly, in order.
    expect(d.fields[0].offset).toBe(0)
    for (let i = 1; i < d.fields.length; i++) expect(d.fields[i].offset).toBe(d.fields[i - 1].offset + d.fields[i - 1].length)
    expect(d.fields.at(-1)!.offset + d.fields.at(-1)!.length).toBe(bytes.length)
  })
})

describe('random bytes', () => {
  const depthOf = (fields: ProtoField[]): number => fields.reduce((m, f) => Math.max(m, f.children ? 1 + depthOf(f.children) : 0), 0)
  const countOf = (fields: ProtoField[]): number => fields.reduce((n, f) => n + 1 + (f.children ? countOf(f.children) : 0), 0)

  it('never throws and stays within depth and field bounds, on thousands of buffers', () => {
    const next = seeded(35)
    // Mostly bytes that look like protobuf (small tags, short lengths), so decoding goes deep.
    const alphabet = [0x08, 0x0a, 0x0b, 0x0c, 0x10, 0x12, 0x1a, 0x1d, 0x11, 0x02, 0x03, 0x00, 0x01, 0x80, 0xff, 0x7f]
    for (let n = 0; n < 5000; n++) {
      const len = Math.floor(next() * 300)
      const buf = new Uint8Array(len)
      for (let i = 0; i < len; i++) buf[i] = n % 2 === 0 ? alphabet[Math.floor(next() * alphabet.length)] : Math.floor(next() * 256)
      const d = decodeProto(buf, { maxFields: 200 })
      expect(countOf(d.fields)).toBeLessThanOrEqual(200)
      expect(depthOf(d.fields)).toBeLessThanOrEqual(PROTO_MAX_DEPTH)
      for (const f of d.fields) expect(f.offset + f.length).toBeLessThanOrEqual(len)
    }
  })
})
