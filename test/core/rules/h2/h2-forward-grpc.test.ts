// The forward step on gRPC: @grpc/grpc-js's client through a target proxy whose target is a
// grpc-js server, with /demo.Greeter/SayHello (and a client-streaming call) sent to a second
// grpc-js server. The reply comes from the second server with its metadata and trailers
// (grpc-status after the message, trailing metadata); its error status reaches the client as
// that status; a destination that cannot be reached is UNAVAILABLE naming it. The target
// never sees a forwarded call, and other calls on the same connection still reach it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { listen, waitFor } from '../../../helpers/net'
import { captured, closedSummary, eventsOf } from '../../../helpers/sessions'

const GREETER_PROTO = `
syntax = "proto3";
package demo;
message HelloRequest { string name = 1; }
message HelloReply { string message = 1; }
service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc SayMany (stream HelloRequest) returns (HelloReply);
}
`

type Callback = (err: grpc.ServiceError | null, reply?: { message: string }) => void
type Greeter = grpc.Client & {
  SayHello: (req: object, cb: Callback) => grpc.ClientUnaryCall
  SayMany: (cb: Callback) => grpc.ClientWritableStream<object>
}

let t: TestEngine
let dir: string
let ctor: grpc.ServiceClientConstructor
const servers: grpc.Server[] = []
const clients: grpc.Client[] = []
let proxyId: string
let proxyPort: number
let targetCalls: string[]
let otherCalls: string[]
let otherPort: number

/** A Greeter server named `name`: `hello X from name`, trailing metadata x-where; the name `fail` gets NOT_FOUND. */
async function greeter(name: string, calls: string[]): Promise<number> {
  const server = new grpc.Server()
  server.addService(ctor.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => {
      calls.push(call.request.name)
      const trailer = new grpc.Metadata()
      trailer.set('x-where', name)
      call.sendMetadata(new grpc.Metadata())
      if (call.request.name === 'fail') return cb({ code: grpc.status.NOT_FOUND, details: `no such greeting at ${name}`, metadata: trailer })
      cb(null, { message: `hello ${call.request.name} from ${name}` }, trailer)
    },
    SayMany: (call: grpc.ServerReadableStream<{ name: string }, object>, cb: grpc.sendUnaryData<object>) => {
      const names: string[] = []
      call.on('data', (m: { name: string }) => names.push(m.name))
      call.on('end', () => {
        calls.push(names.join('+'))
        cb(null, { message: `hello ${names.join(', ')} from ${name}` })
      })
    }
  })
  servers.push(server)
  return new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))))
}

beforeEach(async () => {
  t = await testEngine()
  targetCalls = []
  otherCalls = []
  dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-forward-'))
  writeFileSync(join(dir, 'greeter.proto'), GREETER_PROTO)
  const def = await protoLoader.load(join(dir, 'greeter.proto'))
  ctor = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Greeter as grpc.ServiceClientConstructor
  const targetPort = await greeter('target', targetCalls)
  otherPort = await greeter('other', otherCalls)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${targetPort}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.tryShutdown(() => r()))
  rmSync(dir, { recursive: true, force: true })
  await t.dispose()
})

function client(): Greeter {
  const c = new ctor(`127.0.0.1:${proxyPort}`, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 }) as unknown as Greeter
  clients.push(c)
  return c
}

interface Outcome {
  reply?: { message: string }
  error?: grpc.ServiceError
  status: grpc.StatusObject
}

/** A call, with the status its trailers gave (code, details, trailing metadata). */
function sayHello(c: Greeter, name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let result: Omit<Outcome, 'status'> | undefined
    let status: grpc.StatusObject | undefined
    const settle = (): void => void (result !== undefined && status !== undefined && resolve({ ...result, status }))
    const call = c.SayHello({ name }, (err, reply) => {
      result = err !== null ? { error: err } : { reply: reply! }
      settle()
    })
    call.on('status', (s: grpc.StatusObject) => {
      status = s
      settle()
    })
  })
}

const forwardRule = (method: string, to: string): Parameters<TestEngine['engine']['rules.set']>[0]['rules'][number] => ({ match: { grpc: { method } }, steps: [{ forward: { to } }] })

async function ruleMessages(): Promise<string[]> {
  const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy')
  const events = await Promise.all(conns.map((c) => eventsOf(t.engine, c.id)))
  return events.flat().filter((e) => e.kind === 'rule').map((e) => String((e.info as { message: string }).message))
}

describe('forward on gRPC', () => {
  it("send SayHello to another server: its reply, metadata and status come back, its error status too; other calls reach the target", async () => {
    await t.engine['rules.set']({ proxyId, rules: [forwardRule('/demo.Greeter/SayHello', `http://127.0.0.1:${otherPort}`), forwardRule('/demo.Greeter/SayMany', `127.0.0.1:${otherPort}`)] })
    const c = client()
    const ok = await sayHello(c, 'ann')
    expect(ok.reply).toEqual({ message: 'hello ann from other' })
    expect(ok.status.code).toBe(grpc.status.OK)
    expect(ok.status.metadata.get('x-where')).toEqual(['other'])

    const failed = await sayHello(c, 'fail')
    expect(failed.error?.code).toBe(grpc.status.NOT_FOUND)
    expect(failed.error?.details).toBe('no such greeting at other')
    expect(failed.status.metadata.get('x-where')).toEqual(['other'])

    // A client-streaming call is sent whole.
    const many = await new Promise<{ message: string } | grpc.ServiceError>((resolve) => {
      const call = c.SayMany((err, reply) => resolve(err ?? reply!))
      for (const name of ['bo', 'cy', 'di']) call.write({ name })
      call.end()
    })
    expect(many).toEqual({ message: 'hello bo, cy, di from other' })
    expect(otherCalls).toEqual(['ann', 'fail', 'bo+cy+di'])

    // With the rules gone, the same connection's next call reaches the target.
    await t.engine['rules.set']({ proxyId, rules: [] })
    expect((await sayHello(c, 'eve')).reply).toEqual({ message: 'hello eve from target' })
    expect(targetCalls).toEqual(['eve'])

    expect(await ruleMessages()).toEqual([
      `sent POST /demo.Greeter/SayHello to http://127.0.0.1:${otherPort} instead of the target (HTTP/2): answered 200 (grpc-status 0) on stream 1`,
      `sent POST /demo.Greeter/SayHello to http://127.0.0.1:${otherPort} instead of the target (HTTP/2): answered 200 (grpc-status 5) on stream 3`,
      `sent POST /demo.Greeter/SayMany to 127.0.0.1:${otherPort} instead of the target (HTTP/2): answered 200 (grpc-status 0) on stream 5`
    ])
    // Each forward's connection is recorded: h2c with prior knowledge, the call's path in it.
    const ids = await waitFor(() => {
      const r = t.engine.capture.connections().filter((x) => x.ownerId === 'rules')
      return r.length === 3 && r.map((x) => x.id)
    }, 'three rules connections')
    for (const id of ids) await closedSummary(t.engine, id)
    const sent = await captured(t.engine, ids[0], 'client')
    expect(sent.subarray(0, 24).toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    expect((await captured(t.engine, ids[0], 'server')).length).toBeGreaterThan(0)
  })

  it('answer UNAVAILABLE naming the destination when it cannot be reached, or does not speak HTTP/2', async () => {
    const gone = createServer()
    const port = await listen(gone)
    await new Promise((r) => gone.close(r))
    // A server that answers anything with an HTTP/1 error and closes.
    const h1 = createServer((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')))
    const h1Port = await listen(h1)
    try {
      await t.engine['rules.set']({ proxyId, rules: [forwardRule('/demo.Greeter/SayHello', `http://127.0.0.1:${port}`)] })
      const c = client()
      const refused = await sayHello(c, 'ann')
      expect(refused.error?.code).toBe(grpc.status.UNAVAILABLE)
      expect(refused.error?.details).toMatch(new RegExp(`^tcpscope could not forward the call: http://127\\.0\\.0\\.1:${port}: connection refused by 127\\.0\\.0\\.1:${port}`))

      await t.engine['rules.set']({ proxyId, rules: [forwardRule('/demo.Greeter/SayHello', `http://127.0.0.1:${h1Port}`)] })
      const notH2 = await sayHello(c, 'bob')
      expect(notH2.error?.code).toBe(grpc.status.UNAVAILABLE)
      expect(notH2.error?.details).toMatch(new RegExp(`^tcpscope could not forward the call: http://127\\.0\\.0\\.1:${h1Port}: 127\\.0\\.0\\.1:${h1Port} does not speak HTTP/2 \\(h2c\\) and a gRPC call needs it`))
      expect(targetCalls).toEqual([])
      const messages = await ruleMessages()
      expect(messages).toHaveLength(2)
      expect(messages[0]).toMatch(new RegExp(`^could not forward POST /demo\\.Greeter/SayHello to http://127\\.0\\.0\\.1:${port}: .*; answered grpc-status 14 on stream 1$`))
    } finally {
      await new Promise((r) => h1.close(r))
    }
  })
})
