// Rewriting gRPC calls' messages with @grpc/grpc-js's client and server through the proxy:
// the reply's greeting set by field number reaches the client (which decodes it with the
// schema) at another length; a request's field reaches the server; a text replace on a call
// whose messages span several DATA frames each way (the hold reassembles them); a gzip-
// compressed request changed and still gzip; json paths on gRPC refused when the rule says
// grpc, else recorded in one line with the call going on unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { eventsOf } from '../../../helpers/sessions'
import type { RuleEventInfo, RuleSpec } from '../../../../src/shared/rules/rule-types'

const GREETER_PROTO = `
syntax = "proto3";
package demo;
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
service Greeter { rpc SayHello (HelloRequest) returns (HelloReply); }
`

type Greeter = grpc.Client & { SayHello: (req: object, cb: (err: grpc.ServiceError | null, reply?: { message: string }) => void) => void }

let t: TestEngine
let dir: string
let server: grpc.Server
let ctor: grpc.ServiceClientConstructor
let calls: string[]
let proxyId: string
let proxyPort: number
const clients: grpc.Client[] = []

beforeEach(async () => {
  t = await testEngine()
  calls = []
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-rewrite-'))
  writeFileSync(join(dir, 'greeter.proto'), GREETER_PROTO)
  const def = await protoLoader.load(join(dir, 'greeter.proto'))
  ctor = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Greeter as grpc.ServiceClientConstructor
  server = new grpc.Server()
  server.addService(ctor.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => {
      calls.push(call.request.name)
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

function client(options: grpc.ChannelOptions = {}): Greeter {
  const c = new ctor(`127.0.0.1:${proxyPort}`, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0, ...options }) as unknown as Greeter
  clients.push(c)
  return c
}

const sayHello = (c: Greeter, name: string): Promise<{ message: string } | grpc.ServiceError> => new Promise((resolve) => c.SayHello({ name }, (err, reply) => resolve(err ?? reply!)))

async function ruleRecords(): Promise<RuleEventInfo[]> {
  const conns = t.engine.capture.connections().filter((x) => x.kind === 'proxy')
  expect(conns).toHaveLength(1)
  return (await eventsOf(t.engine, conns[0].id)).filter((e) => e.kind === 'rule').map((e) => e.info as unknown as RuleEventInfo)
}

const rule = (rewrite: NonNullable<Extract<RuleSpec['steps'][number], { rewrite: unknown }>['rewrite']>): RuleSpec => ({ match: { grpc: { method: 'SayHello' } }, steps: [{ rewrite }] })

describe('rewriting gRPC messages', () => {
  it("sets the reply's greeting by field number: the client decodes the new text, longer than the old", async () => {
    const greeting = 'good morning to you, from a rule that rewrote this reply'
    await t.engine['rules.set']({ proxyId, rules: [rule({ response: { grpc: { field: { '1': greeting } } } })] })
    const c = client()
    expect(await sayHello(c, 'ann')).toEqual({ message: greeting })
    // And shorter: the same connection's next call.
    await t.engine['rules.set']({ proxyId, rules: [rule({ response: { grpc: { field: { '1': 'hi' } } } })] })
    expect(await sayHello(c, 'bob')).toEqual({ message: 'hi' })
    expect(calls).toEqual(['ann', 'bob'])
    const records = await ruleRecords()
    expect(records.map((r) => [r.action, r.message])).toEqual([
      ['rewrite', 'rewrote the response 200 to POST /demo.Greeter/SayHello'],
      ['rewrite', 'rewrote the response 200 to POST /demo.Greeter/SayHello']
    ])
  })

  it("sets a request's field: the server gets the new name", async () => {
    await t.engine['rules.set']({ proxyId, rules: [rule({ request: { grpc: { field: { '1': 'somebody else entirely' } } } })] })
    expect(await sayHello(client(), 'ann')).toEqual({ message: 'hello somebody else entirely' })
    expect(calls).toEqual(['somebody else entirely'])
  })

  it('replaces text in messages that span several DATA frames each way, both changing length', async () => {
    await t.engine['rules.set']({
      proxyId,
      rules: [rule({ request: { replace: [{ find: 'ann', with: 'annabel' }] }, response: { replace: [{ find: 'hello', with: 'good evening' }, { find: 'z+$', with: '!', regex: true }] } })]
    })
    // 40 000 bytes: more than two of HTTP/2's default 16 KiB frames.
    const name = `ann ${'z'.repeat(40_000)}`
    const reply = (await sayHello(client(), name)) as { message: string }
    expect(calls).toEqual([`annabel ${'z'.repeat(40_000)}`])
    expect(reply.message).toBe('good evening annabel !')
  })

  it('changes a gzip-compressed request message and sends it compressed the same way', async () => {
    await t.engine['rules.set']({ proxyId, rules: [rule({ request: { grpc: { field: { '1': 'zed' } } } })] })
    // grpc-js compresses every message it sends with this (2: gzip).
    const c = client({ 'grpc.default_compression_algorithm': 2 })
    expect(await sayHello(c, 'ann')).toEqual({ message: 'hello zed' })
    expect(calls).toEqual(['zed'])
    const [record] = await ruleRecords()
    expect(record.message).toBe('rewrote POST /demo.Greeter/SayHello')
    // What the server got: a message flagged compressed, gzip that inflates to field 1 "zed".
    const delivered = Buffer.from(record.delivered!, 'base64')
    const at = delivered.indexOf(Buffer.from([0x1f, 0x8b, 0x08]))
    expect(at).toBeGreaterThan(5)
    expect(delivered[at - 5]).toBe(1)
    const size = delivered.readUInt32BE(at - 4)
    expect([...gunzipSync(delivered.subarray(at, at + size))]).toEqual([0x0a, 3, ...Buffer.from('zed')])
  })

  it('refuses json paths on a rule that matches grpc; on one that does not, records one line and the call goes on unchanged', async () => {
    await expect(t.engine['rules.set']({ proxyId, rules: [rule({ response: { json: { '$.message': 'x' } } })] })).rejects.toThrow(
      `rule 1.steps[0].rewrite.response.json: json paths do not apply to a gRPC body (the rule matches grpc): set its messages' fields with grpc: { "field": { "1": "new text" } }, or use replace`
    )
    await t.engine['rules.set']({ proxyId, rules: [{ match: { http: { path: '/demo.Greeter/SayHello' } }, steps: [{ rewrite: { response: { json: { '$.message': 'x' } } } }] }] })
    expect(await sayHello(client(), 'ann')).toEqual({ message: 'hello ann' })
    const records = await ruleRecords()
    expect(records.map((r) => r.message)).toEqual([
      "rewrote the response 200 to POST /demo.Greeter/SayHello: not rewritten: json paths do not apply to a gRPC body (set its messages' fields with grpc.field)"
    ])
  })
})
