// Traffic rules on gRPC: @grpc/grpc-js's client and server through the proxy. The issue's
// "flaky greeter" (the first two calls fail with UNAVAILABLE "try again") against a client
// whose service config retries UNAVAILABLE: its call succeeds on the third attempt, on the
// same connection, the server seeing one call; once `times` is spent, calls pass. A client
// that does not retry gets the status and the (percent-encoded, then decoded) message. A
// rule on a request message's field (decoded without a schema) answers one caller only. A
// script's onRequest adds metadata the server sees and resets one call's stream; its
// onResponse adds response metadata, the trailers still after the message. A delayed call
// holds back none of the calls made after it on the channel.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'

const GREETER_PROTO = `
syntax = "proto3";
package demo;
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
`

type Greeter = grpc.Client & { SayHello: (req: object, cb: (err: grpc.ServiceError | null, reply?: { message: string }) => void) => void }

const FLAKY: RuleSpec = { name: 'flaky greeter', match: { grpc: { method: '/demo.Greeter/SayHello' } }, times: 2, steps: [{ respond: { grpc: { status: 14, message: 'try again' } } }] }

const RETRIES = {
  methodConfig: [
    {
      name: [{ service: 'demo.Greeter' }],
      retryPolicy: { maxAttempts: 3, initialBackoff: '0.01s', maxBackoff: '0.05s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] }
    }
  ]
}

let t: TestEngine
let dir: string
let server: grpc.Server
let ctor: grpc.ServiceClientConstructor
let calls: string[]
let seenMetadata: grpc.Metadata[]
let proxyId: string
let proxyPort: number
const clients: grpc.Client[] = []

beforeEach(async () => {
  t = await testEngine()
  calls = []
  seenMetadata = []
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-rules-'))
  writeFileSync(join(dir, 'greeter.proto'), GREETER_PROTO)
  const def = await protoLoader.load(join(dir, 'greeter.proto'))
  ctor = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Greeter as grpc.ServiceClientConstructor
  server = new grpc.Server()
  server.addService(ctor.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => {
      calls.push(call.request.name)
      seenMetadata.push(call.metadata)
      cb(null, { message: `hello ${call.request.name}` })
    }
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  await new Promise<void>((r) => server.tryShutdown(() => r()))
  rmSync(dir, { recursive: true, force: true })
  await t.dispose()
})

function client(options: grpc.ChannelOptions): Greeter {
  const c = new ctor(`127.0.0.1:${proxyPort}`, grpc.credentials.createInsecure(), options) as unknown as Greeter
  clients.push(c)
  return c
}

const sayHello = (c: Greeter, name: string): Promise<{ message: string } | grpc.ServiceError> => new Promise((resolve) => c.SayHello({ name }, (err, reply) => resolve(err ?? reply!)))
const hits = async (): Promise<number[]> => (await t.engine['rules.list']({ proxyId })).rules.map((r) => r.hits)

describe('traffic rules on gRPC', () => {
  it("make the flaky greeter's first two calls fail UNAVAILABLE, so a retrying client succeeds on its third attempt", async () => {
    await t.engine['rules.set']({ proxyId, rules: [FLAKY] })
    const c = client({ 'grpc.service_config': JSON.stringify(RETRIES) })
    expect(await sayHello(c, 'ann')).toEqual({ message: 'hello ann' })
    expect(calls).toEqual(['ann'])
    expect(await hits()).toEqual([2])
    // `times` is spent: the next calls reach the server at once.
    expect(await sayHello(c, 'bob')).toEqual({ message: 'hello bob' })
    expect(await sayHello(c, 'cy')).toEqual({ message: 'hello cy' })
    expect(calls).toEqual(['ann', 'bob', 'cy'])
    expect(await hits()).toEqual([2])

    // One connection, its first two streams answered here.
    const conns = t.engine.capture.connections().filter((x) => x.kind === 'proxy')
    expect(conns).toHaveLength(1)
    const rules = (await eventsOf(t.engine, conns[0].id)).filter((e) => e.kind === 'rule').map((e) => e.info as Record<string, unknown>)
    expect(rules.map((r) => r.message)).toEqual([
      'answered POST /demo.Greeter/SayHello with grpc-status 14 on stream 1 (not sent to the target)',
      'answered POST /demo.Greeter/SayHello with grpc-status 14 on stream 3 (not sent to the target)'
    ])
    expect(rules.map((r) => r.rule)).toEqual(['r1', 'r1'])
  })

  it('give a client that does not retry the status and the message (percent-encoded on the wire)', async () => {
    await t.engine['rules.set']({ proxyId, rules: [{ match: { grpc: { service: 'demo.Greeter' } }, steps: [{ respond: { grpc: { status: 14, message: 'try again' } } }] }] })
    const c = client({ 'grpc.enable_retries': 0 })
    const err = (await sayHello(c, 'ann')) as grpc.ServiceError
    expect(err.code).toBe(grpc.status.UNAVAILABLE)
    expect(err.details).toBe('try again')
    await t.engine['rules.set']({ proxyId, rules: [{ match: { grpc: { method: 'SayHello' } }, steps: [{ respond: { grpc: { status: 8, message: 'quota: 100% used, réessayez' } } }] }] })
    const quota = (await sayHello(c, 'bob')) as grpc.ServiceError
    expect(quota.code).toBe(grpc.status.RESOURCE_EXHAUSTED)
    expect(quota.details).toBe('quota: 100% used, réessayez')
    expect(calls).toEqual([])
    // With no rule, the same connection's next call reaches the server.
    await t.engine['rules.set']({ proxyId, rules: [{ match: { grpc: { method: 'Other' } }, steps: [{ drop: true }] }] })
    expect(await sayHello(c, 'cy')).toEqual({ message: 'hello cy' })
    expect(calls).toEqual(['cy'])
  })

  it("answer a call by a field of its request message, decoded without a schema; other callers reach the server", async () => {
    await t.engine['rules.set']({ proxyId, rules: [{ match: { grpc: { method: 'SayHello', field: { '1': 'mallory' } } }, steps: [{ respond: { grpc: { status: 7, message: 'not you' } } }] }] })
    const c = client({ 'grpc.enable_retries': 0 })
    const denied = (await sayHello(c, 'mallory')) as grpc.ServiceError
    expect([denied.code, denied.details]).toEqual([grpc.status.PERMISSION_DENIED, 'not you'])
    expect(await sayHello(c, 'ann')).toEqual({ message: 'hello ann' })
    expect(await sayHello(c, 'mallory-2')).toEqual({ message: 'hello mallory-2' })
    expect(calls).toEqual(['ann', 'mallory-2'])
    expect(await hits()).toEqual([1])
  })

  it('delay one unary call: the calls made after it on the same channel complete first', async () => {
    await t.engine['rules.set']({ proxyId, rules: [{ match: { grpc: { method: 'SayHello', field: { '1': 'slow' } } }, steps: [{ delay: 800 }] }] })
    const c = client({ 'grpc.enable_retries': 0 })
    // The channel is connected first, so every call shares its one connection.
    expect(await sayHello(c, 'first')).toEqual({ message: 'hello first' })
    const done: string[] = []
    const call = (name: string): Promise<unknown> =>
      sayHello(c, name).then((r) => {
        done.push(name)
        return r
      })
    const replies = await Promise.all(['slow', 'a', 'b', 'c'].map(call))
    expect(replies).toEqual(['slow', 'a', 'b', 'c'].map((n) => ({ message: `hello ${n}` })))
    expect(done.slice(0, 3).sort()).toEqual(['a', 'b', 'c'])
    expect(done[3]).toBe('slow')
    expect(calls.slice(1, 4).sort()).toEqual(['a', 'b', 'c'])
    expect(calls.slice(4)).toEqual(['slow'])
    expect(t.engine.capture.connections().filter((x) => x.kind === 'proxy')).toHaveLength(1)
  })

  it("run a script's hooks on gRPC calls: metadata added both ways, one call's stream reset, the session going on", async () => {
    const path = join(dir, 'hooks.js')
    writeFileSync(
      path,
      `export function onRequest(req, ctx) {
  if (req.headers.get('x-fail') === 'yes') return ctx.reset()
  req.headers.set('x-script', 'saw ' + req.bytes.length + ' bytes')
}
export function onResponse(res, req) {
  res.headers.set('x-resp', req.path)
}
`
    )
    await t.engine['script.load']({ proxyId, path })
    const c = client({ 'grpc.enable_retries': 0 })
    const call = (name: string, md = new grpc.Metadata()): Promise<{ reply: unknown; metadata: grpc.Metadata }> =>
      new Promise((resolve) => {
        let metadata = new grpc.Metadata()
        const x = (c as unknown as { SayHello: (r: object, m: grpc.Metadata, cb: (err: grpc.ServiceError | null, reply?: object) => void) => { on: (e: string, f: (m: grpc.Metadata) => void) => void } }).SayHello({ name }, md, (err, reply) => resolve({ reply: err ?? reply, metadata }))
        x.on('metadata', (m) => (metadata = m))
      })
    const ok = await call('ann')
    expect(ok.reply).toEqual({ message: 'hello ann' })
    expect(ok.metadata.get('x-resp')).toEqual(['/demo.Greeter/SayHello'])
    // The request message: 5 bytes of gRPC's prefix, then field 1 "ann" (2 + 3 bytes).
    expect(seenMetadata[0].get('x-script')).toEqual(['saw 10 bytes'])
    const failing = new grpc.Metadata()
    failing.set('x-fail', 'yes')
    const reset = (await call('bob', failing)).reply as grpc.ServiceError
    expect(reset.code).toBe(grpc.status.INTERNAL)
    expect((await call('cy')).reply).toEqual({ message: 'hello cy' })
    expect(calls).toEqual(['ann', 'cy'])
  })

  it('add a header to a gRPC response (held whole, its trailers after its message) and delay a call', async () => {
    await t.engine['rules.set']({
      proxyId,
      rules: [{ match: { grpc: { method: 'SayHello' } }, steps: [{ delay: 150 }, { rewrite: { response: { headers: { 'x-rule': 'seen' } } } }] }]
    })
    const c = client({})
    const started = Date.now()
    const got = await new Promise<{ reply: unknown; metadata: grpc.Metadata }>((resolve) => {
      let metadata = new grpc.Metadata()
      const call = c.SayHello({ name: 'dee' }, (err, reply) => resolve({ reply: err ?? reply, metadata }))
      ;(call as unknown as { on: (e: string, f: (m: grpc.Metadata) => void) => void }).on('metadata', (m) => (metadata = m))
    })
    expect(got.reply).toEqual({ message: 'hello dee' })
    expect(got.metadata.get('x-rule')).toEqual(['seen'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(calls).toEqual(['dee'])
  })
})
