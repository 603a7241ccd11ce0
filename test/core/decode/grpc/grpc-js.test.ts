// Real gRPC over HTTP/2 (cleartext, prior knowledge) through the proxy: an @grpc/grpc-js
// server and client, loaded by @grpc/proto-loader, making a unary call, a server-streaming
// call, a gzip-compressed call and one that fails; each read back with grpc.messages.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import type { GrpcMessagePage, ProtoField } from '../../../../src/shared/grpc-types'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { allClosed } from '../decode-peers'

const PROTO = `
syntax = "proto3";
package demo;
message Query { string text = 1; int32 page = 2; }
message Hit { string title = 1; sint64 score = 2; repeated int32 ids = 3; }
service Search {
  rpc Get (Query) returns (Hit);
  rpc Watch (Query) returns (stream Hit);
}
`

let t: TestEngine
const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

type Client = grpc.Client & {
  Get: (q: object, cb: (err: grpc.ServiceError | null, hit?: object) => void) => void
  Watch: (q: object) => grpc.ClientReadableStream<object>
}

/** The server, listening on loopback port 0; the .proto's path. */
async function startServer(dir: string): Promise<{ port: number; protoPath: string; ctor: grpc.ServiceClientConstructor }> {
  mkdirSync(join(dir, 'protos'))
  const protoPath = join(dir, 'protos', 'search.proto')
  writeFileSync(protoPath, PROTO)
  const def = await protoLoader.load(protoPath, { keepCase: true, longs: String })
  const ctor = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Search as grpc.ServiceClientConstructor
  const server = new grpc.Server()
  server.addService(ctor.service, {
    Get: (call: grpc.ServerUnaryCall<{ text: string }, object>, cb: grpc.sendUnaryData<object>) => {
      if (call.request.text === 'fail') return cb({ code: grpc.status.NOT_FOUND, details: 'nothing for "fail"' })
      cb(null, { title: `got ${call.request.text}`, score: -42, ids: [1, 2, 3] })
    },
    Watch: (call: grpc.ServerWritableStream<{ text: string }, object>) => {
      for (let i = 0; i < 3; i++) call.write({ title: `${call.request.text} #${i}`, score: i })
      call.end()
    }
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  cleanups.push(() => new Promise<void>((r) => server.tryShutdown(() => r())))
  return { port, protoPath, ctor }
}

const get = (client: Client, q: object): Promise<object | grpc.ServiceError> => new Promise((resolve) => client.Get(q, (err, hit) => resolve(err ?? hit!)))
async function watch(client: Client, q: object): Promise<object[]> {
  const out: object[] = []
  for await (const hit of client.Watch(q)) out.push(hit as object)
  return out
}

const values = (fields: ProtoField[]): Record<string, string | string[]> => Object.fromEntries(fields.map((f) => [f.name ?? `#${f.number}`, f.kind === 'packed' ? f.children!.map((c) => c.value) : f.value]))

describe('gRPC over HTTP/2 through the proxy (@grpc/grpc-js)', () => {
  it('reads unary, server-streaming, compressed and failed calls: method, status and each message', async () => {
    t = await testEngine()
    const { port, protoPath, ctor } = await startServer(t.dir)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const target = `127.0.0.1:${portOf(proxy.listen)}`
    const client = new ctor(target, grpc.credentials.createInsecure()) as unknown as Client
    expect(await get(client, { text: 'cats', page: 2 })).toEqual({ title: 'got cats', score: '-42', ids: [1, 2, 3] })
    expect(await watch(client, { text: 'dogs' })).toHaveLength(3)
    expect(await get(client, { text: 'fail' })).toMatchObject({ code: grpc.status.NOT_FOUND })
    client.close()
    // A second channel that compresses what it sends with gzip.
    const gzipClient = new ctor(target, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 }) as unknown as Client
    expect(await get(gzipClient, { text: 'zipped '.repeat(30) })).toMatchObject({ score: '-42' })
    gzipClient.close()
    await allClosed(t.engine, 2)
    const [plainConn, gzipConn] = t.engine.capture.connections().map((c) => c.id)

    const exchanges = (await t.engine['http.exchanges']({ capture: 'live', connId: plainConn })).exchanges
    expect(exchanges.map((e) => e.request?.target)).toEqual(['/demo.Search/Get', '/demo.Search/Watch', '/demo.Search/Get'])
    const read = (connId: number, exchange: number, part: 'request' | 'response'): Promise<GrpcMessagePage> => t.engine['grpc.messages']({ capture: 'live', connId, exchange, part })

    // Without a schema first: field numbers and raw readings.
    const unaryReq = await read(plainConn, 0, 'request')
    expect(unaryReq.call).toMatchObject({ kind: 'grpc', method: '/demo.Search/Get', status: 0, statusName: 'OK', statusFrom: 'trailers' })
    expect(unaryReq.messages.map((m) => [m.dir, m.compressed, m.complete, m.fields.map((f) => [f.number, f.kind, f.value])])).toEqual([
      [
        'client',
        false,
        true,
        [
          [1, 'string', 'cats'],
          [2, 'varint', '2']
        ]
      ]
    ])

    await t.engine['grpc.protos.load']({ paths: [protoPath] })
    const unaryRes = await read(plainConn, 0, 'response')
    expect(unaryRes.messages.map((m) => [m.type, values(m.fields)])).toEqual([['demo.Hit', { title: 'got cats', score: '-42', ids: ['1', '2', '3'] }]])
    const stream = await read(plainConn, 1, 'response')
    expect(stream.call).toMatchObject({ method: '/demo.Search/Watch', status: 0 })
    expect([stream.total, stream.complete, stream.problems]).toEqual([3, true, []])
    // protobufjs (grpc-js's encoder) sends a zero it was given: what was on the wire is shown.
    expect(stream.messages.map((m) => values(m.fields))).toEqual([{ title: 'dogs #0', score: '0' }, { title: 'dogs #1', score: '1' }, { title: 'dogs #2', score: '2' }])
    const times = stream.messages.map((m) => m.startedAt)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    // Each message's bytes on the wire begin with its prefix.
    for (const m of stream.messages) {
      const head = await t.engine['conn.read']({ capture: 'live', connId: plainConn, dir: 'server', offset: m.range!.offset, length: 5 })
      expect(Buffer.from(head).readUInt32BE(1)).toBe(m.size)
    }

    // A failed call: its status and message, and no response message.
    const failed = await read(plainConn, 2, 'response')
    expect(failed.call).toMatchObject({ status: 5, statusName: 'NOT_FOUND', message: 'nothing for "fail"' })
    expect(failed.messages).toEqual([])

    // The gzip channel's request: compressed, inflated by its grpc-encoding.
    const zipped = await read(gzipConn, 0, 'request')
    expect(zipped.call.encoding).toBe('gzip')
    expect(zipped.messages.map((m) => [m.compressed, m.problem, values(m.fields).text])).toEqual([[true, undefined, 'zipped '.repeat(30)]])
    expect(zipped.messages[0].decodedSize).toBeGreaterThan(zipped.messages[0].size)
  })
})
