// Protobuf edited without a schema: messages protobufjs encoded from a .proto, changed by
// field number path or by a text edit, then decoded by protobufjs again, so every length
// (the field's own, every message around it) must be right. Fields an edit does not touch
// keep their bytes; what cannot be set is a note; bytes that are not protobuf a problem.
import { describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { replaceProtoText, setProtoFields, type ProtoEdited } from '../../../../src/core/protocols/grpc/proto-edit'
import { parsesWholly } from '../../../../src/core/protocols/grpc/proto-wire'
import { seeded } from '../../../helpers/seeded'

const root = protobuf.parse(`
syntax = "proto3";
message Meta { string source = 1; bool cached = 2; double weight = 3; }
message Hit { string title = 1; sint64 score = 2; repeated int32 ids = 3; Meta meta = 4; bytes blob = 5; repeated Meta others = 6; int32 delta = 7; float ratio = 8; }
`).root
const Hit = root.lookupType('Hit')
const encode = (o: object): Uint8Array => Hit.encode(Hit.fromObject(o)).finish()
const decode = (b: Uint8Array): Record<string, unknown> => Hit.toObject(Hit.decode(b), { longs: Number, bytes: String, defaults: false }) as Record<string, unknown>
const edited = (r: ProtoEdited | { problem: string }): ProtoEdited => {
  if ('problem' in r) throw new Error(r.problem)
  return r
}

const HIT = { title: 'hello world', score: -42, ids: [1, 2, 3], meta: { source: 'index', cached: true }, blob: Buffer.from([0, 1, 2, 0xff]), others: [{ source: 'a' }, { source: 'bb' }] }

describe('setting protobuf fields by number', () => {
  it('sets a text field to a longer and a shorter value, the rest read as before', () => {
    for (const title of ['hello there, everyone in the whole wide world', 'x', '']) {
      const out = edited(setProtoFields(encode(HIT), { '1': title }))
      expect(out.changed).toBe(true)
      expect(out.notes).toEqual([])
      expect(decode(out.bytes)).toEqual(decode(encode({ ...HIT, title })))
    }
  })

  it('sets a nested message field, refitting the length of the message around it', () => {
    const out = edited(setProtoFields(encode(HIT), { '4.1': 'a much longer source than before', '4.2': false }))
    // cached is false now: protobufjs leaves a default out.
    expect(decode(out.bytes).meta).toEqual({ source: 'a much longer source than before' })
    expect(decode(out.bytes).title).toBe('hello world')
    // Through a repeated message: each occurrence.
    const others = edited(setProtoFields(encode(HIT), { '6.1': 'same' }))
    expect(decode(others.bytes).others).toEqual([{ source: 'same' }, { source: 'same' }])
  })

  it('adds a field that is absent (proto3 leaves defaults out), with the messages it is in', () => {
    const bare = encode({ score: 1 })
    const out = edited(setProtoFields(bare, { '1': 'new', '4.3': 2.5, '7': -5 }))
    expect(decode(out.bytes)).toEqual({ title: 'new', score: 1, meta: { weight: 2.5 }, delta: -5 })
    expect(decode(edited(setProtoFields(new Uint8Array(0), { '1': 'from nothing' })).bytes)).toEqual({ title: 'from nothing' })
  })

  it('writes numbers as the field is sent: a varint (negative as int64), a float or a double in 4 and 8 bytes', () => {
    const msg = encode({ delta: 3, ratio: 1.5, meta: { weight: 1 } })
    const out = edited(setProtoFields(msg, { '7': -7, '8': 0.25, '4.3': -1e300, '4.2': true }))
    expect(decode(out.bytes)).toEqual({ delta: -7, ratio: 0.25, meta: { weight: -1e300, cached: true } })
  })

  it('notes what the wire type cannot take, and leaves that field as it was', () => {
    const msg = encode(HIT)
    const cases: Array<[Record<string, string | number | boolean>, string]> = [
      [{ '2': 'text' }, 'field 2 not set: it holds a varint, not text'],
      [{ '1': 5 }, 'field 1 not set: it is length-delimited (text, bytes, a message or packed numbers), not one number'],
      [{ '2': 1.5 }, 'field 2 not set: 1.5 is not a whole number, and the field is a varint'],
      [{ '1.1': 'x' }, 'field 1.1 not set: its field 1 is not a message'],
      [{ '2.1': 'x' }, 'field 2.1 not set: its field 2 is not a message']
    ]
    for (const [fields, note] of cases) {
      const out = edited(setProtoFields(msg, fields))
      expect(out.notes).toEqual([note])
      expect(out.changed).toBe(false)
      expect(Buffer.from(out.bytes).equals(msg)).toBe(true)
    }
  })

  it('refuses bytes that are not protobuf, whatever they are, never throwing', () => {
    expect(setProtoFields(Uint8Array.from([0x0a, 0x05, 0x61]), { '1': 'x' })).toEqual({ problem: 'at byte 0, field 1 runs past the end' })
    expect(setProtoFields(Uint8Array.from([0x0c]), { '1': 'x' })).toEqual({ problem: 'at byte 0, an end-group tag of field 1 with no group of it open' })
    const rand = seeded(7)
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))
      const out = setProtoFields(bytes, { '1': 'x', '2.3': 4 })
      // What it gives back is protobuf whole, with the field set.
      if (!('problem' in out)) expect(parsesWholly(out.bytes, 0, out.bytes.length, 32)).toBe(true)
      const r = replaceProtoText(bytes, (t) => t + '!')
      if (!('problem' in r) && !r.changed) expect(r.bytes).toBe(bytes)
    }
  })
})

describe('replacing text in a protobuf message', () => {
  it('edits each text value, nested ones too, and refits every length; bytes and numbers untouched', () => {
    const msg = encode(HIT)
    const out = edited(replaceProtoText(msg, (t) => t.replace('o', '0000')))
    expect(out.changed).toBe(true)
    expect(decode(out.bytes)).toEqual(decode(encode({ ...HIT, title: 'hell0000 world', meta: { source: 'index', cached: true } })))
    const shorter = edited(replaceProtoText(msg, (t) => t.replace(/hello /, '').replace('index', 'ix')))
    expect(decode(shorter.bytes)).toMatchObject({ title: 'world', meta: { source: 'ix', cached: true }, others: [{ source: 'a' }, { source: 'bb' }], blob: HIT.blob.toString('base64') })
  })

  it('gives the same bytes back when nothing matches, and takes an empty message', () => {
    const msg = encode(HIT)
    const same = edited(replaceProtoText(msg, (t) => t))
    expect(same.changed).toBe(false)
    expect(same.bytes).toBe(msg)
    const empty = new Uint8Array(0)
    expect(edited(replaceProtoText(empty, (t) => `${t}x`))).toEqual({ bytes: empty, changed: false, notes: [] })
  })
})
