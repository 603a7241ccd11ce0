// HTTP/2 traffic rules answer while the target is down (h2-target-down.ts): tcpscope's own
// HTTP/2 server stands in for the target, the rules answer what they match, and what no rule
// answers gets a 502 on its stream naming the destination and why (gRPC: UNAVAILABLE).
// Real peers: curl (h2c prior knowledge; through a forward proxy, TLS with ALPN h2), Node's
// http2 client (several streams on one connection), @grpc/grpc-js. The capture keeps the
// connect failure, each rule's record and each 502 as what the client got; the connection
// closes once the client ends.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http2 from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, waitFor } from '../../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { eventsOf } from '../../../helpers/sessions'
import { startHangingListener } from '../../../helpers/hanging-listener'
import type { CaptureEvent, ConnectionSummary } from '../../../../src/shared/capture-types'
import type { RuleEventInfo, RuleSpec } from '../../../../src/shared/rules/rule-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')
const NOWHERE = 'api.example.test'
const UNKNOWN = 'the name does not resolve; check the spelling or use an IP address'
const refused = (port: number): string => `connection refused by 127.0.0.1:${port}: nothing is listening there; is the server running?`

let t: TestEngine
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

const curl = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('curl', ['-sS', '--max-time', '10', ...args])

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = await startServer(() => {})
  await s.close()
  return s.port
}

async function targetProxy(target: string, rules: RuleSpec[], more: Record<string, unknown> = {}): Promise<number> {
  const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target, ...more })
  await t.engine['rules.set']({ proxyId: p.id, rules })
  return portOf(p.listen)
}

const closed = (pred: (c: ConnectionSummary) => boolean, what: string): Promise<ConnectionSummary> =>
  waitFor(() => t.engine.capture.connections().find((c) => pred(c) && c.end !== 'open'), what)

const rulesOf = (events: CaptureEvent[]): RuleEventInfo[] => events.filter((e) => e.kind === 'rule').map((e) => e.info as unknown as RuleEventInfo)

interface Got {
  status: number
  headers: http2.IncomingHttpHeaders
  body: string
}

function get(s: http2.ClientHttp2Session, path: string): Promise<Got> {
  const req = s.request({ ':method': 'GET', ':path': path })
  req.end()
  return new Promise((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders = {}
    const parts: Buffer[] = []
    req.on('response', (h) => (headers = h))
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('error', reject)
    req.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(parts).toString() }))
  })
}

const MOCK: RuleSpec = { name: 'mock', match: { http: { path: '/mock' } }, steps: [{ respond: { status: 200, headers: { 'content-type': 'text/plain' }, body: 'mocked while down' } }] }

describe('HTTP/2 rules with the target down (target proxy)', () => {
  it('curl (h2c prior knowledge) gets the mock, and a 502 naming the target for what no rule answers; the capture keeps it all', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const dead = await closedPort()
    const port = await targetProxy(`127.0.0.1:${dead}`, [MOCK])
    const base = `http://127.0.0.1:${port}`
    // One URL a curl: this curl (7.88) cannot reuse a prior-knowledge connection (curl/curl#10634);
    // several streams on one connection are Node's client's, below.
    const mock = await curl('--http2-prior-knowledge', '-w', ' %{http_code} %{http_version}', `${base}/mock`)
    expect(mock.stdout).toBe('mocked while down 200 2')
    const other = await curl('--http2-prior-knowledge', '-w', ' %{http_code} %{http_version}', `${base}/other`)
    expect(other.stdout).toBe(`tcpscope could not forward the request: ${refused(dead)}\n 502 2`)
    // Each closed once curl ended it.
    await waitFor(() => t.engine.capture.connections().filter((c) => c.kind === 'proxy' && c.end !== 'open').length === 2 || undefined, 'both connections to close')
    const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy').sort((a, b) => a.id - b.id)
    expect(conns.map((c) => c.end)).toEqual(['closed', 'closed'])
    const [first, second] = await Promise.all(conns.map((c) => eventsOf(t.engine, c.id)))
    for (const events of [first, second]) expect(events.find((e) => e.kind === 'connect-failed')?.info).toMatchObject({ code: 'ECONNREFUSED', message: refused(dead) })
    expect(rulesOf(first)).toEqual([expect.objectContaining({ label: 'mock', action: 'respond', message: 'answered GET /mock with 200 on stream 1 (not sent to the target)', summary: 'GET /mock' })])
    const answered = rulesOf(second)
    expect(answered).toEqual([
      expect.objectContaining({
        rule: '',
        action: 'respond',
        summary: 'GET /other',
        offset: expect.any(Number),
        message: `answered GET /other with 502 on stream 1: no rule answers it, and the target is down (${refused(dead)})`
      })
    ])
    // What the client got: the 502's frames, its body saying why.
    expect(Buffer.from(answered[0].delivered!, 'base64').toString('latin1')).toContain(`tcpscope could not forward the request: ${refused(dead)}`)
  })

  it("many streams on one connection (Node's http2 client), sent before the connect gave up: answered, then the connection closes cleanly", async () => {
    t = await testEngine()
    // Its connects hang: the client's preface and requests go toward the connecting socket, then the connect times out.
    const hanging = await startHangingListener()
    cleanups.push(() => hanging.close())
    const port = await targetProxy(`127.0.0.1:${hanging.port}`, [MOCK], { connectTimeoutMs: 500 })
    const s = http2.connect(`http://127.0.0.1:${port}`)
    s.on('error', () => {})
    cleanups.push(() => void s.destroy())
    const answers = await Promise.all(['/mock', '/other', '/mock', '/x/y'].map((p) => get(s, p)))
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [200, 'mocked while down'],
      [502, `tcpscope could not forward the request: timed out connecting to 127.0.0.1:${hanging.port}: the host did not answer\n`],
      [200, 'mocked while down'],
      [502, `tcpscope could not forward the request: timed out connecting to 127.0.0.1:${hanging.port}: the host did not answer\n`]
    ])
    // Still the same connection: a later request is answered on it too.
    expect((await get(s, '/mock')).body).toBe('mocked while down')
    await new Promise<void>((r) => s.close(() => r()))
    const c = await closed((x) => x.kind === 'proxy', 'the connection to close')
    expect(c.end).toBe('closed')
    const events = await eventsOf(t.engine, c.id)
    const kinds = events.map((e) => e.kind)
    // The requests were sent before the connect failed, and answered after.
    expect(kinds.indexOf('data')).toBeLessThan(kinds.indexOf('connect-failed'))
    const rules = rulesOf(events)
    expect(rules.filter((r) => r.rule === 'r1').map((r) => r.message)).toEqual([1, 5, 9].map((n) => `answered GET /mock with 200 on stream ${n} (not sent to the target)`))
    expect(rules.filter((r) => r.rule === '').map((r) => r.summary)).toEqual(['GET /other', 'GET /x/y'])
  })
})

describe('HTTP/2 rules with the target down: gRPC', () => {
  it("a grpc-js client gets a rule's status for one method, and UNAVAILABLE naming the target for the other", async () => {
    t = await testEngine()
    const dead = await closedPort()
    const port = await targetProxy(`127.0.0.1:${dead}`, [{ match: { grpc: { method: '/demo.Greeter/SayHello' } }, steps: [{ respond: { grpc: { status: 7, message: 'not you' } } }] }])
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-grpc-down-'))
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
    expect([hello.code, hello.details]).toEqual([grpc.status.PERMISSION_DENIED, 'not you'])
    const bye = await call('SayBye')
    expect([bye.code, bye.details]).toEqual([grpc.status.UNAVAILABLE, `tcpscope could not forward the call: ${refused(dead)}`])
    const conn = t.engine.capture.connections().find((x) => x.kind === 'proxy')!
    const rules = rulesOf(await eventsOf(t.engine, conn.id))
    expect(rules.map((r) => [r.rule, r.summary, r.message.split(':')[0]])).toEqual([
      ['r1', 'POST /demo.Greeter/SayHello', 'answered POST /demo.Greeter/SayHello with grpc-status 7 on stream 1 (not sent to the target)'],
      ['', 'POST /demo.Greeter/SayBye', 'answered POST /demo.Greeter/SayBye with grpc-status 14 on stream 3']
    ])
  })
})

describe('HTTP/2 rules with the destination down (forward proxy, TLS intercepted)', () => {
  it('curl negotiates h2 with tcpscope and gets the mock, a forward to a local build, and the 502 for the rest, on one tunnel', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    t = await testEngine()
    const caFile = join(t.dir, 'ca.pem')
    writeFileSync(caFile, (await t.engine['ca.info'](undefined)).pem)
    // The local build, speaking h2c.
    const build = http2.createServer()
    build.on('stream', (stream, headers) => {
      stream.on('error', () => {})
      stream.respond({ ':status': 200, 'content-type': 'text/plain' })
      stream.end(`local build: ${headers[':method']} ${headers[':path']} for ${headers[':authority']}`)
    })
    await new Promise<void>((r) => build.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => build.close(() => r())))
    const buildPort = (build.address() as { port: number }).port
    // And an HTTP/1 one.
    const old = await startServer((sock) => {
      sock.on('error', () => {})
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\ncontent-length: 9\r\nconnection: close\r\n\r\nold build'))
    })
    cleanups.push(old.close)
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {} })
    await t.engine['rules.set']({
      proxyId: p.id,
      rules: [
        { match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mocked over h2' } }] },
        { name: 'to my build', match: { http: { path: '/api/*' } }, steps: [{ forward: { to: `http://127.0.0.1:${buildPort}` } }] },
        { name: 'to the old build', match: { http: { path: '/old' } }, steps: [{ forward: { to: `http://127.0.0.1:${old.port}` } }] }
      ]
    })
    const base = `https://${NOWHERE}`
    const out = await curl('-x', `http://127.0.0.1:${portOf(p.listen)}`, '--cacert', caFile, '--http2', '-w', ' %{http_code} %{http_version}\n', `${base}/x`, `${base}/api/user`, `${base}/old`, `${base}/nothing`)
    expect(out.stdout.split('\n')).toEqual([
      'mocked over h2 200 2',
      `local build: GET /api/user for ${NOWHERE} 200 2`,
      'old build 200 2',
      `tcpscope could not forward the request: unknown host in ${NOWHERE}:443: ${UNKNOWN}`,
      ' 502 2',
      ''
    ])
    const c = await closed((x) => x.target === `${NOWHERE}:443`, 'the tunnel to close')
    expect(c.end).toBe('closed')
    expect(c.tls?.client?.alpn).toBe('h2')
    const events = await eventsOf(t.engine, c.id)
    expect(events.find((e) => e.kind === 'connect-failed')?.info).toMatchObject({ code: 'ENOTFOUND' })
    expect(rulesOf(events).map((r) => [r.label, r.action])).toEqual([
      ['HTTP /x', 'respond'],
      ['to my build', 'forward'],
      ['to the old build', 'forward'],
      ['tcpscope', 'respond']
    ])
    // One tunnel served them all.
    expect(t.engine.capture.connections().filter((x) => x.target === `${NOWHERE}:443`)).toHaveLength(1)
  })
})
