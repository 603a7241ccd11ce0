// Traffic rules on HTTP/1 with curl as the client and a real HTTP server behind the proxy:
// the issue's rules file as written (mock, rewrite a gzip JSON response, delay then reset,
// forward to another server), counts, chains, order with keep-alive and pipelining, and
// what the capture records beside what was sent.
import { execFile } from 'node:child_process'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync, gunzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { hasProgram, needProgram } from '../../helpers/peers'
import { connectTo, waitFor } from '../../helpers/net'
import { eventsOf } from '../../helpers/sessions'
import { runCli } from '../../helpers/cli'
import type { RuleSpec } from '../../../src/shared/rules/rule-types'

const run = promisify(execFile)
const haveCurl = hasProgram('curl')

let t: TestEngine
let servers: Server[]
let proxyId: string
let proxyPort: number
let seen: Array<{ method: string; url: string; host: string | undefined; headers: IncomingMessage['headers']; body: string }>

function backend(name: string, seenBy: typeof seen): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', (): void => {
      seenBy.push({ method: req.method!, url: req.url!, host: req.headers.host, headers: req.headers, body: Buffer.concat(parts).toString() })
      if (req.url === '/api/price') {
        const body = gzipSync(JSON.stringify({ item: 'tea', price: 42 }))
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length })
        res.end(body)
        return
      }
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.write('hello ')
        res.end('world')
        return
      }
      res.end(`${name} ${req.method} ${req.url}`)
    })
  })
  servers.push(server)
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({ server, port: (server.address() as { port: number }).port })))
}

beforeEach(async () => {
  t = await testEngine()
  servers = []
  seen = []
  const { port } = await backend('backend', seen)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
})
afterEach(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
  await t.dispose()
})

const curl = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run('curl', ['-sS', '--max-time', '10', ...args])
const url = (path: string): string => `http://127.0.0.1:${proxyPort}${path}`
/** Polls an async check until it holds (waitFor takes sync checks only). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
const setRules = (rules: RuleSpec[]): Promise<unknown> => t.engine['rules.set']({ proxyId, rules })

async function ruleRecords(): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = []
  for (const c of t.engine.capture.connections()) for (const e of await eventsOf(t.engine, c.id)) if (e.kind === 'rule') out.push({ ...e.info, dir: e.dir, connId: c.id })
  return out
}

/** The issue's rules file, as written there (the gRPC and redis rules do not match HTTP/1). */
function issueRules(buildPort: number): string {
  return JSON.stringify({
    rules: [
      { name: 'mock the user', match: { http: { method: 'GET', path: '/api/user' } }, steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"from-rule"}' } }] },
      { name: 'free things', match: { http: { path: '/api/price' } }, steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' }, json: { '$.price': 0 } } } }] },
      { name: 'slow then reset', match: { http: { path: '/api/slow' } }, steps: [{ delay: 300 }, { reset: true }] },
      { name: 'to my build', match: { http: { host: 'api.example.test' } }, steps: [{ forward: { to: `http://127.0.0.1:${buildPort}` } }] },
      { name: 'flaky greeter', match: { grpc: { method: '/demo.Greeter/SayHello' } }, times: 2, steps: [{ respond: { grpc: { status: 14, message: 'try again' } } }] },
      { name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] }
    ]
  })
}

describe('the issue rules file on HTTP/1', () => {
  it('mocks, rewrites a gzip JSON response, delays then resets, and forwards to another server', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const built: typeof seen = []
    const { port: buildPort } = await backend('my-build', built)
    const file = join(t.dir, 'rules.json')
    writeFileSync(file, issueRules(buildPort))
    const state = await t.engine['rules.load']({ proxyId, path: file })
    expect(state.rules.map((r) => r.label)).toEqual(['mock the user', 'free things', 'slow then reset', 'to my build', 'flaky greeter', 'flag on'])

    // mock: the backend never sees it
    const user = await curl('-i', url('/api/user'))
    expect(user.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(user.stdout).toMatch(/content-type: application\/json\r\n/)
    expect(user.stdout.endsWith('\r\n\r\n{"name":"from-rule"}')).toBe(true)
    expect(seen.map((s) => s.url)).toEqual([])

    // rewrite: valid gzip JSON with price 0, as curl --compressed reads it
    const raw = await run('curl', ['-sS', '-D', '-', '-o', join(t.dir, 'price.gz'), '-H', 'accept-encoding: gzip', url('/api/price')])
    expect(raw.stdout).toMatch(/content-encoding: gzip/i)
    expect(raw.stdout).toMatch(/x-rewritten: yes/i)
    const { readFileSync } = await import('node:fs')
    expect(JSON.parse(gunzipSync(readFileSync(join(t.dir, 'price.gz'))).toString())).toEqual({ item: 'tea', price: 0 })
    expect((await curl('--compressed', url('/api/price'))).stdout).toBe('{"item":"tea","price":0}')

    // delay then reset: curl says the peer reset the connection, no sooner than 300 ms
    const t0 = Date.now()
    const slow = await curl(url('/api/slow')).then(
      () => 'answered',
      (err: { code?: number; stderr?: string }) => `${err.code}: ${err.stderr ?? ''}`
    )
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290)
    expect(slow).toMatch(/^56: .*(Connection reset by peer|Recv failure)/)

    // forward: to the other server, Host kept
    expect((await curl('-H', 'Host: api.example.test', url('/x'))).stdout).toBe('my-build GET /x')
    expect(built.map((s) => [s.url, s.host])).toEqual([['/x', 'api.example.test']])

    // a request no rule matches reaches the backend as sent
    expect((await curl(url('/plain'))).stdout).toBe('backend GET /plain')

    const after = await t.engine['rules.list']({ proxyId })
    expect(after.rules.map((r) => r.hits)).toEqual([1, 2, 1, 1, 0, 0])
    const records = await ruleRecords()
    expect(records.map((r) => r.action)).toEqual(['respond', 'rewrite', 'rewrite', 'delay', 'reset', 'forward'])
    const mocked = records[0]
    expect(mocked).toMatchObject({ label: 'mock the user', dir: 'client', summary: 'GET /api/user' })
    expect(Buffer.from(String(mocked.delivered), 'base64').toString()).toMatch(/\{"name":"from-rule"\}$/)
    // The rewritten response is recorded as the target sent it, and what curl got beside it.
    const rewrite = records[1]
    expect(rewrite.dir).toBe('server')
    // Where the response it rewrote starts in the target's stream: the connection's first.
    expect(rewrite.offset).toBe(0)
    const delivered = Buffer.from(String(rewrite.delivered), 'base64')
    const body = delivered.subarray(delivered.indexOf('\r\n\r\n') + 4)
    expect(JSON.parse(gunzipSync(body).toString())).toEqual({ item: 'tea', price: 0 })
  })
})

describe('HTTP/1 rules', () => {
  it('keeps answers in request order on one keep-alive connection, mocks between real ones', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await setRules([{ match: { http: { path: '/mock/*' } }, steps: [{ respond: { status: 201, body: 'mocked' } }] }])
    const out = await curl(url('/a'), url('/mock/1'), url('/b'), url('/mock/2'), url('/c'))
    expect(out.stdout).toBe('backend GET /amockedbackend GET /bmockedbackend GET /c')
    expect(t.engine.capture.connections()).toHaveLength(1)

    // The decoding pairs each real request with its own response; the mocked ones have none, and say who answered.
    const connId = t.engine.capture.connections()[0].id
    type Paired = [string | undefined, string | undefined, string | undefined, string]
    const paired = async (engine: TestEngine['engine'], capture: string): Promise<Paired[]> => {
      const page = await engine['http.exchanges']({ capture, connId, from: 0, limit: 10 })
      return page.exchanges.map((ex) => [ex.request?.target, ex.response?.status === undefined ? undefined : String(ex.response.status), ex.answeredBy?.action, ex.state])
    }
    const want: Paired[] = [
      ['/a', '200', undefined, 'complete'],
      ['/mock/1', undefined, 'respond', 'complete'],
      ['/b', '200', undefined, 'complete'],
      ['/mock/2', undefined, 'respond', 'complete'],
      ['/c', '200', undefined, 'complete']
    ]
    await until(async () => JSON.stringify(await paired(t.engine, 'live')) === JSON.stringify(want), 'the five exchanges paired')
    // One exchange at a time too (each decoded again from its own request), the mocked one first.
    const second = await t.engine['http.exchanges']({ capture: 'live', connId, from: 1, limit: 2 })
    expect(second.exchanges.map((ex) => [ex.request?.target, ex.response?.status])).toEqual([
      ['/mock/1', undefined],
      ['/b', 200]
    ])
    // The capture file opened again reads the same.
    const reader = await testEngine()
    try {
      const file = await reader.engine['capture.open']({ path: t.capturePath })
      await until(async () => JSON.stringify(await paired(reader.engine, file.id)) === JSON.stringify(want), 'the reopened file paired')
    } finally {
      await reader.dispose()
    }
    // `tcpscope show`: each request with its own response, the mocked ones with the answer the client got, saying whose it is.
    const shown = await runCli(['show', t.capturePath, '--conn', String(connId), '--body-limit', '1KiB'])
    expect(shown.code).toBe(0)
    const blocks = shown.stdout.split(/\n(?=#\d+ exchange )/).slice(1)
    expect(blocks.map((b) => [/^GET (\S+)/m.exec(b)?.[1], /^HTTP\/1\.1 (\d+)/m.exec(b)?.[1], /^HTTP\/1\.1 201 Created {3}\(mock: rule "[^"]*", the target never got the request\)$/m.test(b)])).toEqual([
      ['/a', '200', false],
      ['/mock/1', '201', true],
      ['/b', '200', false],
      ['/mock/2', '201', true],
      ['/c', '200', false]
    ])
  })

  it('answers pipelined requests in order when a mock sits between two real ones', async () => {
    await setRules([{ match: { http: { path: '/mock' } }, steps: [{ respond: { body: 'M' } }] }])
    const client = await connectTo(proxyPort)
    const got: Buffer[] = []
    client.on('data', (c: Buffer) => got.push(c))
    client.write('GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /mock HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n')
    await waitFor(() => (Buffer.concat(got).toString().match(/HTTP\/1\.1 200/g) ?? []).length === 3, 'three answers')
    const text = Buffer.concat(got).toString()
    const bodies = text.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4))
    expect(bodies).toEqual(['backend GET /one', 'M', 'backend GET /two'])
    client.destroy()
  })

  it("answers a client that half-closes right after a forwarded request: the other server's answer, then the FIN", async () => {
    // The other server answers after a while; the target, told of the client's FIN with no
    // request of its own, ends at once.
    const slow = createServer((_req, res) => void setTimeout(() => res.end('from the build'), 300))
    servers.push(slow)
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    await setRules([{ match: { http: { path: '/fwd' } }, steps: [{ forward: { to: `http://127.0.0.1:${(slow.address() as { port: number }).port}` } }] }])
    const client = await connectTo(proxyPort)
    let got = ''
    client.on('data', (c: Buffer) => (got += c.toString()))
    const ended = new Promise((resolve) => client.once('end', resolve))
    client.end('GET /fwd HTTP/1.1\r\nHost: x\r\n\r\n')
    await ended
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nfrom the build$/)
    expect(seen).toEqual([])
  })

  it('acts only `times` times, then lets requests through; once is times 1', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await setRules([
      { name: 'twice', match: { http: { path: '/t' } }, times: 2, steps: [{ respond: { status: 503, body: 'busy' } }] },
      { name: 'once', match: { http: { path: '/o' } }, once: true, steps: [{ respond: { body: 'first' } }] }
    ])
    const status = async (p: string): Promise<string> => (await curl('-o', '/dev/null', '-w', '%{http_code}', url(p))).stdout
    expect([await status('/t'), await status('/t'), await status('/t')]).toEqual(['503', '503', '200'])
    expect((await curl(url('/o'))).stdout).toBe('first')
    expect((await curl(url('/o'))).stdout).toBe('backend GET /o')
    const list = await t.engine['rules.list']({ proxyId })
    expect(list.rules.map((r) => [r.hits, r.left])).toEqual([
      [2, 0],
      [1, 0]
    ])
  })

  it('rewrites a request: headers set and removed, a JSON body changed and its length fitted', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await setRules([
      {
        match: { all: [{ http: { method: 'POST', path: '/login', headers: { 'content-type': { contains: 'json' } } } }, { http: { body: { json: { '$.user': 'bob' } } } }] },
        steps: [{ rewrite: { request: { headers: { 'x-seen': 'rule', 'x-drop-me': null }, json: { '$.role': 'admin' } } } }]
      }
    ])
    await curl('-H', 'content-type: application/json', '-H', 'x-drop-me: 1', '-d', '{"user":"bob"}', url('/login'))
    await curl('-H', 'content-type: application/json', '-d', '{"user":"eve"}', url('/login'))
    expect(seen.map((s) => s.body)).toEqual(['{"user":"bob","role":"admin"}', '{"user":"eve"}'])
    expect(seen[0].headers['x-seen']).toBe('rule')
    expect(seen[0].headers['x-drop-me']).toBeUndefined()
    expect(seen[0].headers['content-length']).toBe(String('{"user":"bob","role":"admin"}'.length))
    expect(seen[1].headers['x-seen']).toBeUndefined()
    const [rec] = await ruleRecords()
    expect(rec).toMatchObject({ action: 'rewrite', dir: 'client', summary: 'POST /login' })
  })

  it('matches query parameters and regex paths, and replaces text in a chunked response', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await setRules([
      { match: { http: { path: { regex: '^/q$' }, query: { debug: '1' } } }, steps: [{ respond: { body: 'debug on' } }] },
      { match: { http: { path: '/chunked' } }, steps: [{ rewrite: { response: { replace: [{ find: 'w(or)ld', with: 'W$1LD', regex: true }] } } }] }
    ])
    expect((await curl(url('/q?debug=1'))).stdout).toBe('debug on')
    expect((await curl(url('/q?debug=0'))).stdout).toBe('backend GET /q?debug=0')
    const chunked = await curl('-i', url('/chunked'))
    expect(chunked.stdout).toMatch(/content-length: 11\r\n/i)
    expect(chunked.stdout).not.toMatch(/transfer-encoding/i)
    expect(chunked.stdout.endsWith('hello WorLD')).toBe(true)
  })

  it('close ends the connection with a FIN, timeout never answers', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    await setRules([
      { match: { http: { path: '/close' } }, steps: [{ close: true }] },
      { match: { http: { path: '/never' } }, steps: [{ timeout: true }] }
    ])
    const closed = await curl(url('/close')).catch((e: { code: number }) => e.code)
    expect(closed).toBe(52) // empty reply from server
    const never = await run('curl', ['-sS', '--max-time', '1', url('/never')]).catch((e: { code: number }) => e.code)
    expect(never).toBe(28) // timed out
    expect(seen).toEqual([])
  })

  it('responds from a file beside the rules file, read per request', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    writeFileSync(join(t.dir, 'user.json'), '{"from":"file"}')
    const file = join(t.dir, 'rules.yaml')
    writeFileSync(file, 'rules:\n  - match: { http: { path: /u } }\n    steps:\n      - respond: { file: user.json, headers: { content-type: application/json } }\n')
    await t.engine['rules.load']({ proxyId, path: file })
    expect((await curl(url('/u'))).stdout).toBe('{"from":"file"}')
    writeFileSync(join(t.dir, 'user.json'), '{"from":"file","v":2}')
    expect((await curl(url('/u'))).stdout).toBe('{"from":"file","v":2}')
  })

  it('reloads the file on save; a bad edit keeps the last good rules and says why in one line', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const file = join(t.dir, 'rules.json')
    writeFileSync(file, JSON.stringify({ rules: [{ match: { http: { path: '/v' } }, steps: [{ respond: { body: 'v1' } }] }] }))
    await t.engine['rules.load']({ proxyId, path: file })
    expect((await curl(url('/v'))).stdout).toBe('v1')
    writeFileSync(file, JSON.stringify({ rules: [{ match: { http: { path: '/v' } }, steps: [{ respond: { body: 'v2' } }] }] }))
    await until(async () => (await curl(url('/v'))).stdout === 'v2', 'the edit taken')
    writeFileSync(file, JSON.stringify({ rules: [{ name: 'broken', match: { http: { path: '/v' } }, steps: [{ respond: { status: 'x' } }] }] }))
    await until(async () => (await t.engine['rules.list']({ proxyId })).error !== undefined, 'the error reported')
    const state = await t.engine['rules.list']({ proxyId })
    expect(state.error).toBe(`${file}: rule 1 ("broken").steps[0].respond.status: expected a whole number from 100 to 999, got "x"; the rules before this edit stay`)
    expect((await curl(url('/v'))).stdout).toBe('v2')
    const warnings = t.events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)
    expect(warnings).toContain(state.error)
  })

  it('mocks while the backend is down: the client stays connected, what no rule answers gets a 502 saying why', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    // A port nothing listens on: a server that is started and closed again.
    const gone = await backend('gone', [])
    const port = gone.port
    gone.server.close()
    servers.splice(servers.indexOf(gone.server), 1)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    await t.engine['rules.set']({ proxyId: proxy.id, rules: [{ match: { http: { path: '/api/user' } }, steps: [{ respond: { json: { name: 'mock' } } }] }] })
    const base = `http://127.0.0.1:${portOf(proxy.listen)}`
    const out = await curl('-w', ' %{http_code}\n', `${base}/api/user`, `${base}/other`, `${base}/api/user`)
    expect(out.stdout.split('\n')).toEqual([
      '{"name":"mock"} 200',
      `tcpscope could not forward the request: connection refused by 127.0.0.1:${port}: nothing is listening there; is the server running?`,
      ' 502',
      '{"name":"mock"} 200',
      ''
    ])
    expect(t.engine.capture.connections().filter((c) => c.target === `127.0.0.1:${port}`)).toHaveLength(1)
    // No target ends it: once curl has sent its FIN, the last answer made here does.
    const c = await waitFor(() => t.engine.capture.connections().find((x) => x.target === `127.0.0.1:${port}` && x.end !== 'open'), 'the connection to close')
    expect(c.end).toBe('closed')
  })

  it('turns a rule off and on, live', async (ctx) => {
    needProgram(ctx, 'curl', haveCurl)
    const state = await t.engine['rules.set']({ proxyId, rules: [{ match: { http: { path: '/x' } }, steps: [{ respond: { body: 'mock' } }] }] })
    const id = state.rules[0].id
    expect((await curl(url('/x'))).stdout).toBe('mock')
    await t.engine['rules.enable']({ proxyId, id, enabled: false })
    expect((await curl(url('/x'))).stdout).toBe('backend GET /x')
    await expect(t.engine['rules.enable']({ proxyId, id: 'r99', enabled: true })).rejects.toThrow(`proxy ${proxyId} has no rule "r99" (it has ${id})`)
  })
})
