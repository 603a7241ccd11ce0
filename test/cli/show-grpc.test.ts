// `tcpscope show` on real gRPC (@grpc/grpc-js through the proxy, h2c): each call's messages
// after its exchange, as trees of protobuf fields read without a schema (as protoc
// --decode_raw reads them) or named by --proto, and its grpc-status; in JSON, one message
// line each with its fields.
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { runCli } from '../helpers/cli'
import { portOf, testEngine, type TestEngine } from '../helpers/engine'

const PROTO = `
syntax = "proto3";
package demo;
message Query { string text = 1; int32 page = 2; }
message Hit { string title = 1; sint64 score = 2; }
service Search {
  rpc Get (Query) returns (Hit);
  rpc Watch (Query) returns (stream Hit);
}
`

type Client = grpc.Client & {
  Get: (q: object, cb: (err: grpc.ServiceError | null, hit?: object) => void) => void
  Watch: (q: object) => grpc.ClientReadableStream<object>
}

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

/** A capture of a unary call, a streaming one and a failed one; its path and the .proto's. */
async function recordCalls(): Promise<{ file: string; protoPath: string }> {
  t = await testEngine()
  const te = t
  mkdirSync(join(te.dir, 'protos'))
  const protoPath = join(te.dir, 'protos', 'search.proto')
  writeFileSync(protoPath, PROTO)
  const ctor = (grpc.loadPackageDefinition(await protoLoader.load(protoPath)).demo as grpc.GrpcObject).Search as grpc.ServiceClientConstructor
  const server = new grpc.Server()
  server.addService(ctor.service, {
    Get: (call: grpc.ServerUnaryCall<{ text: string }, object>, cb: grpc.sendUnaryData<object>) =>
      call.request.text === 'fail' ? cb({ code: grpc.status.NOT_FOUND, details: 'nothing for "fail"' }) : cb(null, { title: `got ${call.request.text}`, score: -42 }),
    Watch: (call: grpc.ServerWritableStream<{ text: string }, object>) => {
      for (let i = 0; i < 3; i++) call.write({ title: `${call.request.text} #${i}`, score: i })
      call.end()
    }
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  cleanups.push(() => new Promise<void>((r) => server.tryShutdown(() => r())))
  const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  const client = new ctor(`127.0.0.1:${portOf(proxy.listen)}`, grpc.credentials.createInsecure()) as unknown as Client
  const get = (q: object): Promise<unknown> => new Promise((resolve) => client.Get(q, (err, hit) => resolve(err ?? hit)))
  await get({ text: 'cats', page: 2 })
  for await (const _ of client.Watch({ text: 'dogs' })) void _
  await get({ text: 'fail' })
  client.close()
  await expect.poll(() => te.engine.capture.connections().every((c) => c.end !== 'open'), { timeout: 20_000 }).toBe(true)
  await te.engine.close()
  return { file: te.capturePath, protoPath }
}

describe('tcpscope show on gRPC', () => {
  it('prints each call with its messages as field trees and its grpc-status, named by --proto, and as JSON lines', async () => {
    const { file, protoPath } = await recordCalls()

    const raw = await runCli(['show', file])
    expect(raw.code).toBe(0)
    expect(raw.stdout).toContain('POST /demo.Search/Get HTTP/2')
    expect(raw.stdout).toMatch(/gRPC message 1 client -> .* Query|gRPC message 1 client -> /)
    // Without a schema: by number, as protoc --decode_raw reads them.
    expect(raw.stdout).toContain('  1: cats (string)')
    expect(raw.stdout).toMatch(/ {2}2: 2 \(varint/)
    expect(raw.stdout).toContain('  1: dogs #2 (string)')
    expect(raw.stdout).toContain('grpc-status: 0 OK')
    expect(raw.stdout).toContain('grpc-status: 5 NOT_FOUND (nothing for "fail")')

    const named = await runCli(['show', file, '--proto', protoPath, '--filter', 'path:Get'])
    expect(named.code).toBe(0)
    expect(named.stdout).toContain('  1 text: cats (string)')
    expect(named.stdout).toContain('  2 score: -42 (sint64)')
    expect(named.stdout).not.toContain('/demo.Search/Watch')

    const json = await runCli(['show', file, '--json', '--proto', protoPath])
    const lines = json.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
    const exchanges = lines.filter((l) => l.type === 'exchange')
    expect(exchanges.map((e) => [e.protocol, e.method, e.url])).toEqual([
      ['grpc', 'POST', expect.stringMatching(/\/demo\.Search\/Get$/)],
      ['grpc', 'POST', expect.stringMatching(/\/demo\.Search\/Watch$/)],
      ['grpc', 'POST', expect.stringMatching(/\/demo\.Search\/Get$/)]
    ])
    const messages = lines.filter((l) => l.type === 'message')
    const watch = messages.filter((m) => m.method === '/demo.Search/Watch' && m.dir === 'server')
    expect(watch.map((m) => [m.protocol, m.message, m.messageType, (m.fields as Array<{ name: string; value: string }>).map((f) => `${f.name}=${f.value}`)])).toEqual([
      ['grpc', 1, 'demo.Hit', ['title=dogs #0', 'score=0']],
      ['grpc', 2, 'demo.Hit', ['title=dogs #1', 'score=1']],
      ['grpc', 3, 'demo.Hit', ['title=dogs #2', 'score=2']]
    ])
    expect(typeof watch[0].time).toBe('number')

    const bad = await runCli(['show', file, '--proto', join(protoPath, '..', 'missing.proto')])
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  })
})
