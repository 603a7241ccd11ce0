// `serve --rules` on HTTP/2 (a server session with rules and no target): tcpscope is the
// HTTP/2 server. Node's http2 client gets rule answers and 404s on one session, many streams
// at once, a PING answered, an upload past the flow-control windows read and answered 404, a
// HEAD 404 without a body and a reset stream while the session goes on; a script's onRequest
// answers there too. grpc-js gets a rule's gRPC status, and UNIMPLEMENTED (an HTTP 404) for a
// method no rule answers. A forward step sends a stream to a real h2c server (or, for one
// that speaks HTTP/1.1 only, as HTTP/1.1) and answers with what came back; each forward's
// connection is recorded as its own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import http from 'node:http'
import http2 from 'node:http2'
import { randomBytes } from 'node:crypto'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import { closedSummary, eventsOf } from '../../../helpers/sessions'
import { listen, waitFor } from '../../../helpers/net'

let t: TestEngine
let serverId: string
let port: number
const cleanups: Array<() => void | Promise<void>> = []

beforeEach(async () => {
  t = await testEngine()
  const server = await t.engine['server.start']({ listen: '127.0.0.1:0' })
  serverId = server.id
  port = portOf(server.listen)
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t.dispose()
})

const RULES: RuleSpec[] = [
  { match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { json: { name: 'from-rule' } } }] },
  { match: { http: { path: '/reset' } }, steps: [{ reset: true }] },
  { match: { grpc: { method: '/demo.Greeter/SayHello' } }, steps: [{ respond: { grpc: { status: 14, message: 'try again' } } }] }
]

function connect(): http2.ClientHttp2Session {
  const s = http2.connect(`http://127.0.0.1:${port}`)
  s.on('error', () => {})
  cleanups.push(() => s.destroy())
  return s
}

interface Answer {
  status: number
  headers: http2.IncomingHttpHeaders
  body: Buffer
}

function request(s: http2.ClientHttp2Session, path: string, opts: { method?: string; body?: Buffer } = {}): Promise<Answer> {
  const req = s.request({ ':method': opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), ':path': path })
  req.end(opts.body)
  return new Promise((resolve, reject) => {
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    const parts: Buffer[] = []
    req.on('response', (h) => {
      headers = h
      status = Number(h[':status'])
    })
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('close', () => (status === 0 ? reject(Object.assign(new Error(`no answer on ${path}`), { rstCode: req.rstCode })) : resolve({ status, headers, body: Buffer.concat(parts) })))
    req.on('error', () => {})
  })
}

describe('serve --rules on HTTP/2', () => {
  it('answers by rule and 404s the rest on one session: many streams, a PING, an upload past the windows, HEAD, a reset stream', async () => {
    await t.engine['rules.set']({ proxyId: serverId, rules: RULES })
    const s = connect()
    const user = await request(s, '/api/user')
    expect([user.status, user.headers['content-type'], user.body.toString()]).toEqual([200, 'application/json', '{"name":"from-rule"}'])
    const other = await request(s, '/other')
    expect([other.status, other.body.toString()]).toEqual([404, 'no rule answers this request.\r\n'])
    const rtt = await new Promise<number>((resolve, reject) => s.ping((err, ms) => (err ? reject(err) : resolve(ms))))
    expect(rtt).toBeGreaterThanOrEqual(0)
    // An upload larger than the connection's and the stream's windows: read, the windows given back, answered.
    const upload = await request(s, '/upload', { body: randomBytes(300_000) })
    expect(upload.status).toBe(404)
    const head = await request(s, '/other', { method: 'HEAD' })
    expect([head.status, head.body.length]).toEqual([404, 0])
    await expect(request(s, '/reset')).rejects.toMatchObject({ rstCode: http2.constants.NGHTTP2_INTERNAL_ERROR })
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => request(s, i % 2 === 0 ? '/api/user' : `/none/${i}`)))
    for (const [i, a] of burst.entries()) expect(a.status).toBe(i % 2 === 0 ? 200 : 404)
    expect(burst[0].body.toString()).toBe('{"name":"from-rule"}')
    // Still one session.
    expect((await request(s, '/api/user')).status).toBe(200)
    expect(t.engine.capture.connections().filter((c) => c.kind === 'server')).toHaveLength(1)
    // The session answers for itself: its rules' records name no target.
    const [conn] = t.engine.capture.connections().filter((c) => c.kind === 'server')
    const messages = (await eventsOf(t.engine, conn.id)).filter((e) => e.kind === 'rule').map((e) => String(e.info?.message))
    expect(messages[0]).toBe('answered GET /api/user with 200 on stream 1')
    expect(messages.find((m) => m.startsWith('reset stream'))).toMatch(/^reset stream \d+ of GET \/reset \(RST_STREAM INTERNAL_ERROR\)$/)
    expect(messages.filter((m) => m.includes('target'))).toEqual([])
  })

  it('forwards a stream to an h2c server, and to an HTTP/1.1-only one, answering with what came back; the rest 404s', async () => {
    const h2 = http2.createServer()
    h2.on('stream', (stream, headers) => {
      const parts: Buffer[] = []
      stream.on('data', (c: Buffer) => parts.push(c))
      stream.on('error', () => {})
      stream.on('end', () => {
        stream.respond({ ':status': 201, 'x-server': 'h2c' })
        stream.end(`h2c saw ${headers[':method']} ${headers[':path']} (${Buffer.concat(parts).length} bytes)`)
      })
    })
    const h2Port = await listen(h2 as unknown as import('node:net').Server)
    cleanups.push(() => new Promise<void>((r) => h2.close(() => r())))
    const h1 = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(202, { 'x-server': 'http1' }).end(`http1 saw ${req.method} ${req.url}`))
    })
    const h1Port = await listen(h1)
    cleanups.push(() => {
      h1.closeAllConnections()
      return new Promise<void>((r) => h1.close(() => r()))
    })
    await t.engine['rules.set']({
      proxyId: serverId,
      rules: [
        { match: { http: { path: '/h2/*' } }, steps: [{ forward: { to: `http://127.0.0.1:${h2Port}` } }] },
        { match: { http: { path: '/h1/*' } }, steps: [{ forward: { to: `127.0.0.1:${h1Port}` } }] }
      ]
    })
    const s = connect()
    const viaH2 = await request(s, '/h2/a', { body: Buffer.from('hello') })
    expect([viaH2.status, viaH2.headers['x-server'], viaH2.body.toString()]).toEqual([201, 'h2c', 'h2c saw POST /h2/a (5 bytes)'])
    const viaH1 = await request(s, '/h1/b')
    expect([viaH1.status, viaH1.headers['x-server'], viaH1.body.toString()]).toEqual([202, 'http1', 'http1 saw GET /h1/b'])
    const other = await request(s, '/other')
    expect([other.status, other.body.toString()]).toEqual([404, 'no rule answers this request.\r\n'])

    // Each forward's connection is the rules' own, to its destination (the HTTP/1.1-only one's h2c attempt and its HTTP/1.1 request).
    const forwards = await waitFor(() => {
      const c = t.engine.capture.connections().filter((x) => x.ownerId === 'rules')
      return c.length >= 3 && c
    }, 'the forwards\' connections')
    for (const c of forwards) await closedSummary(t.engine, c.id)
    expect(forwards.map((c) => c.target)).toEqual([`127.0.0.1:${h2Port}`, `127.0.0.1:${h1Port}`, `127.0.0.1:${h1Port}`])
    expect(t.engine.capture.connections().filter((c) => c.kind === 'server')).toHaveLength(1)

    // The session's records say where each stream went, and name no target.
    const [conn] = t.engine.capture.connections().filter((c) => c.kind === 'server')
    const messages = async (): Promise<string[]> => (await eventsOf(t.engine, conn.id)).filter((e) => e.kind === 'rule').map((e) => String(e.info?.message))
    await expect.poll(messages).toEqual([
      `sent POST /h2/a to http://127.0.0.1:${h2Port} (HTTP/2): answered 201 on stream 1`,
      `sent GET /h1/b to 127.0.0.1:${h1Port} (HTTP/1.1): answered 202 on stream 3`
    ])
  })

  it("answers by a script's onRequest; what it leaves goes to the 404", async () => {
    const path = join(t.dir, 'hooks.js')
    await writeFile(path, `export function onRequest(req) { if (req.path === '/hello') return { status: 200, headers: { 'x-by': 'script' }, body: 'hi ' + req.method } }\n`)
    await t.engine['script.load']({ proxyId: serverId, path })
    const s = connect()
    const hello = await request(s, '/hello', { body: Buffer.from('x') })
    expect([hello.status, hello.headers['x-by'], hello.body.toString()]).toEqual([200, 'script', 'hi POST'])
    expect((await request(s, '/nope')).status).toBe(404)
  })

  it('gives a grpc-js client the rule’s status, and UNIMPLEMENTED for a method no rule answers', async () => {
    await t.engine['rules.set']({ proxyId: serverId, rules: RULES })
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-serve-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(
      join(dir, 'greeter.proto'),
      'syntax = "proto3";\npackage demo;\nmessage HelloRequest { string name = 1; }\nmessage HelloReply { string message = 1; }\nservice Greeter { rpc SayHello (HelloRequest) returns (HelloReply); rpc SayBye (HelloRequest) returns (HelloReply); }\n'
    )
    const def = await protoLoader.load(join(dir, 'greeter.proto'))
    const Greeter = (grpc.loadPackageDefinition(def).demo as grpc.GrpcObject).Greeter as grpc.ServiceClientConstructor
    const c = new Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0 })
    cleanups.push(() => c.close())
    const call = (method: 'SayHello' | 'SayBye'): Promise<grpc.ServiceError> =>
      new Promise((resolve) => (c as unknown as Record<string, (r: object, cb: (err: grpc.ServiceError | null) => void) => void>)[method]({ name: 'ann' }, (err) => resolve(err!)))
    const hello = await call('SayHello')
    expect([hello.code, hello.details]).toEqual([grpc.status.UNAVAILABLE, 'try again'])
    const bye = await call('SayBye')
    expect(bye.code).toBe(grpc.status.UNIMPLEMENTED)
    expect((await call('SayHello')).code).toBe(grpc.status.UNAVAILABLE)
  })
})
