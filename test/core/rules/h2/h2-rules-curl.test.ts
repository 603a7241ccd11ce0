// Traffic rules on HTTP/2, with curl as the client and Node's http2 server behind the proxy:
// a mocked path answered on its stream, another path passing, a gzip JSON response rewritten
// (headers and body), a request rewritten, reset, close, forward to nowhere (502), and
// what the capture records. h2c with prior knowledge, one request a curl: this curl (7.88)
// cannot reuse a prior-knowledge connection (curl/curl#10634, fixed in 8.0), so several
// requests on one connection go over TLS with ALPN h2, the proxy terminating it, and with
// Node's http2 client (h2-rules-node.test.ts).
import { execFile } from 'node:child_process'
import http2 from 'node:http2'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../../helpers/engine'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { tempDir } from '../../../helpers/net'
import { makeTestCerts, type TestCerts } from '../../../helpers/tls-certs'
import { eventsOf } from '../../../helpers/sessions'
import type { RuleSpec } from '../../../../src/shared/rules/rule-types'
import type { CaptureEvent } from '../../../../src/shared/capture-types'
import type { HttpExchange } from '../../../../src/shared/protocol-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')
const haveOpenssl = hasProgram('openssl')
const tmp = tempDir()
let certs: TestCerts | undefined
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(() => {
  // The engine's CA (what a TLS-terminating proxy answers with) lives in a folder of this file's own.
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})

interface Seen {
  path: string
  headers: http2.IncomingHttpHeaders
  body: string
}

let t: TestEngine
let server: http2.Http2Server | http2.Http2SecureServer | undefined
let proxyId: string
let proxyPort: number
let seen: Seen[]

function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const parts: Buffer[] = []
  stream.on('data', (c: Buffer) => parts.push(c))
  stream.on('error', () => {})
  stream.on('end', () => {
    const path = String(headers[':path'])
    const body = Buffer.concat(parts)
    seen.push({ path, headers, body: body.toString() })
    if (path === '/profile') {
      const gz = gzipSync(JSON.stringify({ user: { name: 'ann', role: 'user' } }))
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length, 'x-server': 'node' })
      stream.end(gz)
      return
    }
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-server': 'node' })
    stream.end(`server saw ${headers[':method']} ${path} (${body.length} bytes)`)
  })
}

async function listen(s: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  server = s
  s.on('stream', answer)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return (s.address() as { port: number }).port
}

beforeEach(async () => {
  t = await testEngine()
  seen = []
})
afterEach(async () => {
  if (server !== undefined) await new Promise((r) => server!.close(r))
  server = undefined
  await t.dispose()
})

/** h2c with prior knowledge: a proxy to a plain HTTP/2 server. */
async function plainProxy(): Promise<void> {
  const port = await listen(http2.createServer())
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
}

const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })
const url = (path: string): string => `http://127.0.0.1:${proxyPort}${path}`
/** One curl: each answer's head, body and a `== status connects ==` line. */
const curl = async (...args: string[]): Promise<string> => (await run('curl', ['-sS', '--max-time', '10', '-i', '-w', '\n== %{http_code} %{num_connects} ==\n', ...args])).stdout
/** One request, h2c with prior knowledge. */
const h2c = (...args: string[]): Promise<string> => curl('--http2-prior-knowledge', ...args)
const answers = (out: string): string[] => out.split(/\n== \d+ \d ==\n/).filter((a) => a.trim() !== '')

const RULES: RuleSpec[] = [
  { name: 'mock', match: { http: { path: '/mock' } }, steps: [{ respond: { status: 201, headers: { 'x-mocked': 'yes' }, json: { mocked: true } } }] },
  { name: 'admin', match: { http: { path: '/profile' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': '1', 'x-server': null }, json: { '$.user.role': 'admin' } } } }] }
]

describe('traffic rules on HTTP/2 with curl', () => {
  it('answer a mocked path on its stream, let another pass, and rewrite a gzip JSON response', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await plainProxy()
    await setRules(RULES)
    const mock = await h2c(url('/mock'))
    expect(mock).toMatch(/^HTTP\/2 201/)
    expect(mock).toMatch(/x-mocked: yes/)
    expect(mock).toMatch(/content-type: application\/json/)
    expect(mock).toMatch(/\{"mocked":true\}\n== 201 1 ==/)
    const pass = await h2c(url('/pass'))
    expect(pass).toMatch(/^HTTP\/2 200[\s\S]*x-server: node[\s\S]*server saw GET \/pass \(0 bytes\)/)
    const profile = await h2c('--compressed', url('/profile'))
    expect(profile).toMatch(/^HTTP\/2 200/)
    expect(profile).toMatch(/x-rewritten: 1/)
    expect(profile).not.toMatch(/x-server/)
    expect(profile).toMatch(/content-encoding: gzip/)
    expect(JSON.parse(profile.slice(profile.indexOf('{'), profile.lastIndexOf('}') + 1))).toEqual({ user: { name: 'ann', role: 'admin' } })
    // The target never saw /mock.
    expect(seen.map((s) => s.path)).toEqual(['/pass', '/profile'])

    expect((await t.engine['rules.list']({ proxyId })).rules.map((r) => r.hits)).toEqual([1, 1])
    const records = (await ruleRecords()).flat()
    const infos = records.map((e) => e.info as Record<string, unknown>)
    expect(infos).toContainEqual(expect.objectContaining({ action: 'respond', summary: 'GET /mock', message: 'answered GET /mock with 201 on stream 1 (not sent to the target)' }))
    expect(infos).toContainEqual(expect.objectContaining({ action: 'rewrite', summary: '200', message: 'rewrote the response 200 to GET /profile' }))
    expect(records.find((e) => (e.info as { action: string }).action === 'respond')?.dir).toBe('client')
    expect(records.find((e) => (e.info as { action: string }).action === 'rewrite')?.dir).toBe('server')
    // What the client got instead is recorded: the answer's frames (a 9-byte header each).
    const respond = infos.find((i) => i.action === 'respond')!
    expect(Buffer.from(String(respond.delivered), 'base64').toString('latin1')).toContain('{"mocked":true}')

    // Decoded, the mocked stream is whole: the target sent nothing on it, and the answer the
    // client got is the record's, in short (the exchange list's status and size read it).
    const mocked = t.engine.capture.connections().find((c) => c.kind === 'proxy')!
    const first = async (): Promise<HttpExchange | undefined> => (await t.engine['http.exchanges']({ capture: 'live', connId: mocked.id, from: 0, limit: 10 })).exchanges[0]
    await expect.poll(async () => (await first())?.state).toBe('complete')
    const x = (await first())!
    expect(x.response).toBeUndefined()
    expect(x.answeredBy).toMatchObject({ label: 'mock', action: 'respond', got: { status: 201, contentType: 'application/json', size: '{"mocked":true}'.length } })
    // The answer came after the target's ACK of curl's SETTINGS, as a server's would: curl,
    // which closes once answered, had everything, and its FIN ended the connection.
    await expect.poll(async () => (await t.engine['conn.get']({ capture: 'live', ids: [mocked.id] }))[0].end).toBe('closed')
  })

  it('keep both header tables right over several requests on one connection (TLS, ALPN h2), some never sent to the target', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    needProgram(ctx, 'openssl', haveOpenssl)
    const port = await listen(http2.createSecureServer({ cert: certs!.read(certs!.leafCert), key: certs!.read(certs!.leafKey), allowHTTP1: false }))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, tlsUpstream: { ca: certs!.caPath } })
    proxyId = proxy.id
    proxyPort = portOf(proxy.listen)
    await setRules(RULES)
    const paths = ['/a', '/mock', '/b', '/mock', '/c?x=1', '/profile', '/d']
    const base = `https://upstream.test:${proxyPort}`
    const out = await curl('-k', '--http2', '--resolve', `upstream.test:${proxyPort}:127.0.0.1`, '-H', 'x-team: blue', '-H', 'x-trace: 1234567890abcdef', '--compressed', ...paths.map((p) => base + p))
    const got = answers(out)
    expect(got).toHaveLength(paths.length)
    got.forEach((a, i) => {
      const path = paths[i]
      if (path === '/mock') return expect(a).toMatch(/^HTTP\/2 201[\s\S]*x-mocked: yes[\s\S]*\{"mocked":true\}\s*$/)
      if (path === '/profile') return expect(a).toMatch(/^HTTP\/2 200[\s\S]*x-rewritten: 1[\s\S]*"role":"admin"/)
      expect(a).toMatch(new RegExp(`^HTTP/2 200[\\s\\S]*x-server: node[\\s\\S]*server saw GET ${path.replace('?', '\\?')} `))
    })
    // One connection for all seven.
    expect(out.match(/== \d+ \d ==/g)!.map((l) => l.split(' ')[2])).toEqual(['1', '0', '0', '0', '0', '0', '0'])
    expect(seen.map((s) => s.path)).toEqual(['/a', '/b', '/c?x=1', '/profile', '/d'])
    for (const s of seen) {
      expect(s.headers['x-team']).toBe('blue')
      expect(s.headers['x-trace']).toBe('1234567890abcdef')
      expect(String(s.headers['user-agent'])).toMatch(/^curl\//)
      expect(s.headers[':authority']).toBe(`upstream.test:${proxyPort}`)
    }
    expect((await t.engine['rules.list']({ proxyId })).rules.map((r) => r.hits)).toEqual([2, 1])
  })

  it('rewrite a request (a header and its JSON body) before the target gets it; reset, close and forward on a path', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await plainProxy()
    await setRules([
      { match: { http: { path: '/order', method: 'POST' } }, steps: [{ rewrite: { request: { headers: { 'x-added': 'by-rule', 'x-drop': null }, json: { '$.qty': 5 } } } }] },
      { match: { http: { path: '/reset' } }, steps: [{ reset: true }] },
      { match: { http: { path: '/close' } }, steps: [{ close: true }] },
      { match: { http: { path: '/forward' } }, steps: [{ forward: { to: 'http://127.0.0.1:1' } }] }
    ])
    const out = await h2c('-H', 'x-drop: me', '-H', 'content-type: application/json', '--data', '{"item":"tea","qty":1}', url('/order'))
    expect(out).toMatch(/server saw POST \/order \(22 bytes\)/)
    expect(seen[0].body).toBe('{"item":"tea","qty":5}')
    expect(seen[0].headers['x-added']).toBe('by-rule')
    expect(seen[0].headers['x-drop']).toBeUndefined()
    expect(seen[0].headers['content-length']).toBe('22')

    expect(await h2c(url('/forward'))).toMatch(/^HTTP\/2 502[\s\S]*tcpscope could not forward the request: http:\/\/127\.0\.0\.1:1: /)
    const reset = await h2c(url('/reset')).catch((err: { stderr: string }) => err.stderr)
    expect(reset).toMatch(/INTERNAL_ERROR \(err 2\)/)
    const closed = await h2c(url('/close')).catch((err: { stderr: string }) => err.stderr)
    expect(closed).not.toMatch(/server saw/)
    expect(seen.map((s) => s.path)).toEqual(['/order'])

    const messages = (await ruleRecords()).flat().map((e) => String((e.info as { message: string }).message))
    expect(messages).toContain('rewrote POST /order')
    expect(messages).toContainEqual(expect.stringMatching(/^could not forward GET \/forward to http:\/\/127\.0\.0\.1:1: .*; answered 502 on stream 1$/))
    expect(messages).toContainEqual(expect.stringMatching(/^reset stream 1 of GET \/reset \(RST_STREAM INTERNAL_ERROR/))
    expect(messages).toContain('closed the connection at GET /close (GOAWAY to both sides)')
  })
})

/** Every proxied connection's `rule` records. */
async function ruleRecords(): Promise<CaptureEvent[][]> {
  const conns = t.engine.capture.connections().filter((c) => c.kind === 'proxy')
  return Promise.all(conns.map(async (c) => (await eventsOf(t.engine, c.id)).filter((e) => e.kind === 'rule')))
}
