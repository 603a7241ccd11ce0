// Replaying a gRPC call (@grpc/grpc-js through the proxy, h2c): the call's request goes out
// again over HTTP/2 and the response's messages are compared field by field, as the one JSON
// comparison compares values (`body $[0].field2: …` is the first message's field 2); and
// gRPC bodies made by hand: compressed messages inflated first, what does not frame left to
// the byte comparison.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import zlib from 'node:zlib'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { grpcMessagesValue } from '../../../src/core/replay/grpc-content'

const PROTO = `
syntax = "proto3";
package demo;
message Query { string text = 1; }
message Hit { string title = 1; int64 stamp = 2; repeated string tags = 3; }
service Search { rpc Get (Query) returns (Hit); }
`

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

type Client = grpc.Client & { Get: (q: object, cb: (err: grpc.ServiceError | null, hit?: object) => void) => void }

describe('gRPC replay', () => {
  {
    it("compares the response's messages field by field", async () => {
      t = await testEngine()
      const te = t
      mkdirSync(join(te.dir, 'protos'))
      const protoPath = join(te.dir, 'protos', 'search.proto')
      writeFileSync(protoPath, PROTO)
      const ctor = (grpc.loadPackageDefinition(await protoLoader.load(protoPath)).demo as grpc.GrpcObject).Search as grpc.ServiceClientConstructor
      let stamp = 4100001
      const server = new grpc.Server()
      server.addService(ctor.service, {
        Get: (call: grpc.ServerUnaryCall<{ text: string }, object>, cb: grpc.sendUnaryData<object>) => cb(null, { title: `got ${call.request.text}`, stamp: stamp++, tags: ['a', 'b'] })
      })
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
      cleanups.push(() => new Promise<void>((r) => server.tryShutdown(() => r())))
      const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
      const client = new ctor(`127.0.0.1:${portOf(proxy.listen)}`, grpc.credentials.createInsecure()) as unknown as Client
      await new Promise((resolve) => client.Get({ text: 'cats' }, (err, hit) => resolve(err ?? hit)))
      client.close()
      await expect.poll(async () => (await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })).rows.filter((r) => r.state === 'complete').length).toBe(1)
      const [row] = (await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })).rows
      expect(row.contentType).toMatch(/^application\/grpc/)

      const first = (await te.engine['replay.http']({ capture: 'live', connId: row.connId, exchange: 0 })).first!
      expect(first.response?.status).toBe(200)
      // The stamp is the only change: field 2 of the first message.
      expect(first.differences).toEqual(['body $[0].field2: 4100001 → 4100002'])
      expect(first.comparison?.body).toMatchObject({ kind: 'json', changeCount: 1, differs: true })
    })
  }
})

/** A gRPC frame: its flag byte, 4-byte length and payload. */
function frame(payload: Uint8Array, compressed = false): Buffer {
  const head = Buffer.alloc(5)
  head[0] = compressed ? 1 : 0
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, Buffer.from(payload)])
}

describe('a gRPC body as values for the comparison', () => {
  // field 1 "a" (0a 01 61), field 2 150 (10 96 01), field 3 a message {1: "b"} (1a 03 0a 01 62), field 2 again.
  const msg = Buffer.from('0a01611096011a030a0162' + '1001', 'hex')
  it('reads each message by field number, a repeated field as a list, a nested message as an object', () => {
    expect(grpcMessagesValue(Buffer.concat([frame(msg), frame(Buffer.from('0a0178', 'hex'))]), undefined)).toEqual([{ field1: 'a', field2: [150, 1], field3: { field1: 'b' } }, { field1: 'x' }])
  })
  it('inflates a compressed message by its grpc-encoding first', () => {
    expect(grpcMessagesValue(frame(zlib.gzipSync(msg), true), 'gzip')).toEqual([{ field1: 'a', field2: [150, 1], field3: { field1: 'b' } }])
    expect(grpcMessagesValue(frame(zlib.deflateSync(msg), true), 'deflate')).toEqual([{ field1: 'a', field2: [150, 1], field3: { field1: 'b' } }])
  })
  it('leaves to the byte comparison what does not frame, inflate or parse', () => {
    expect(grpcMessagesValue(frame(msg).subarray(0, 8), undefined)).toBeUndefined()
    expect(grpcMessagesValue(frame(zlib.gzipSync(msg), true), undefined)).toBeUndefined()
    expect(grpcMessagesValue(frame(Buffer.from('0a05', 'hex')), undefined)).toBeUndefined()
  })
})
