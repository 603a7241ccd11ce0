// .proto files loaded with protobufjs (imports beside them, google/protobuf's bundled ones)
// and messages read by a method's types: field names, declared types, packed fields, maps
// and enums; and files that do not load, each in one line.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { ProtoSchemas } from '../../../../src/core/decode/grpc/proto-schemas'
import { decodeProto } from '../../../../src/core/protocols/grpc/proto-decode'
import type { ProtoField } from '../../../../src/shared/grpc-types'
import { tempDir } from '../../../helpers/net'

const INNER = `
syntax = "proto3";
package demo;
message Inner { string label = 1; sint32 delta = 2; }
`
const DEMO = `
syntax = "proto3";
package demo;
import "common/inner.proto";
import "google/protobuf/timestamp.proto";
enum Kind { KIND_UNSPECIFIED = 0; KIND_BIG = 2; }
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
  google.protobuf.Timestamp at = 13;
}
service Demo {
  rpc Get (Outer) returns (Inner);
  rpc Watch (Inner) returns (stream Outer);
}
`

let cleanup: (() => void) | undefined
afterEach(() => cleanup?.())

function protoDir(files: Record<string, string>): string {
  const t = tempDir()
  cleanup = t.cleanup
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(t.dir, name, '..'), { recursive: true })
    writeFileSync(join(t.dir, name), text)
  }
  return t.dir
}

/** Fields by name, each as its value, or its children's the same way. */
type Named = { [name: string]: string | Named | Array<string | Named> }
function named(fields: ProtoField[]): Named {
  const out: Named = {}
  for (const f of fields) {
    const v = f.kind === 'packed' ? f.children!.map((c) => c.value) : f.children ? named(f.children) : f.value
    const key = f.name ?? `#${f.number}`
    const had = out[key]
    out[key] = had === undefined ? v : Array.isArray(had) && f.kind !== 'packed' ? [...had, v as Named] : [had as Named, v as Named]
  }
  return out
}

describe('.proto files', () => {
  it('names the fields of a method’s messages and reads each as declared', async () => {
    const dir = protoDir({ 'demo.proto': DEMO, 'common/inner.proto': INNER })
    const schemas = new ProtoSchemas()
    const set = await schemas.load([join(dir, 'demo.proto')])
    expect(set.methods).toEqual(['/demo.Demo/Get', '/demo.Demo/Watch'])
    expect(set.files).toEqual([join(dir, 'demo.proto'), join(dir, 'common/inner.proto'), 'google/protobuf/timestamp.proto'])
    expect(schemas.loaded).toBe(true)
    const get = schemas.method('/demo.Demo/Get')!
    expect([get.input?.name, get.output?.name]).toEqual(['demo.Outer', 'demo.Inner'])

    // Encoded by protobufjs from the same files, read back with the method's input type.
    const root = await new protobuf.Root().load(join(dir, 'demo.proto'), { keepCase: true })
    const Outer = root.lookupType('demo.Outer')
    const bytes = Outer.encode(
      Outer.fromObject({
        id: -7,
        name: 'héllo',
        ratio: 0.25,
        blob: Buffer.from([0, 1, 0xfe]),
        inner: { label: 'in', delta: -3 },
        counts: [1, 300, 70000],
        kind: 2,
        offset: -123456789,
        on: true,
        f32: 4000000000,
        totals: { a: -5 },
        items: [{ label: 'x' }, { delta: 1 }],
        at: { seconds: 1700000000, nanos: 5 }
      })
    ).finish()
    const d = decodeProto(bytes, { type: get.input })
    expect(d.problem).toBeUndefined()
    expect(named(d.fields)).toEqual({
      id: '-7',
      name: 'héllo',
      ratio: '0.25',
      blob: '0001fe',
      inner: { label: 'in', delta: '-3' },
      counts: ['1', '300', '70000'],
      kind: 'KIND_BIG',
      offset: '-123456789',
      on: 'true',
      f32: '4000000000',
      totals: { key: 'a', value: '-5' },
      items: [{ label: 'x' }, { delta: '1' }],
      at: { seconds: '1700000000', nanos: '5' }
    })
    const inner = d.fields.find((f) => f.name === 'inner')!
    expect([inner.kind, inner.typeName]).toEqual(['message', 'demo.Inner'])
    expect(d.fields.find((f) => f.name === 'kind')).toMatchObject({ kind: 'enum', typeName: 'demo.Kind' })
    // A packed field's elements keep their own bytes.
    const counts = d.fields.find((f) => f.name === 'counts')!
    expect(counts.children!.map((c) => [c.offset - counts.valueOffset, c.length])).toEqual([
      [0, 1],
      [1, 2],
      [3, 3]
    ])

    // A field the type does not have stays raw; a wire type that disagrees says so.
    const odd = decodeProto(Buffer.from('08011a0161a00601', 'hex'), { type: get.input })
    expect(odd.fields.map((f) => [f.name, f.kind, f.value, f.problem])).toEqual([
      ['id', 'int32', '1', undefined],
      ['ratio', 'string', 'a', 'declared double, sent as len'],
      [undefined, 'varint', '1', undefined]
    ])

    await schemas.load([])
    expect([schemas.loaded, schemas.method('/demo.Demo/Get')]).toEqual([false, undefined])
  })

  it('refuses files that do not load, in one line, and keeps what was loaded', async () => {
    const dir = protoDir({ 'demo.proto': DEMO, 'common/inner.proto': INNER, 'bad.proto': 'syntax = "proto3";\nmessage X { int32 = 1; }\n', 'unresolved.proto': 'syntax = "proto3";\nmessage Y { Missing m = 1; }\n' })
    const schemas = new ProtoSchemas()
    await schemas.load([join(dir, 'demo.proto')])
    await expect(schemas.load([join(dir, 'bad.proto')])).rejects.toThrow(`cannot load the .proto files: illegal name '=' (${join(dir, 'bad.proto')}, line 2)`)
    await expect(schemas.load([join(dir, 'nothing.proto')])).rejects.toThrow(`cannot load the .proto files: ${join(dir, 'nothing.proto')}: no such file`)
    await expect(schemas.load([join(dir, 'unresolved.proto')])).rejects.toThrow("cannot load the .proto files: no such Type or Enum 'Missing' in Type .Y")
    await expect(schemas.load([dir])).rejects.toThrow(`cannot load the .proto files: ${dir} is not a file`)
    expect(schemas.method('/demo.Demo/Get')).toBeDefined()
  })
})
