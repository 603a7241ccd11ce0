// Issue 44's rules through a forward proxy, from a real client: `tcpscope proxy --forward
// --rules FILE` run as the real CLI, curl as the client, a local origin (node:http2 with
// HTTP/1.1 allowed, a certificate the test CA signed) behind it. Inside intercepted CONNECT
// tunnels, over HTTP/1.1 and HTTP/2: a mocked path is answered by the rule and never reaches
// the origin; a gzip JSON response is rewritten by JSON path and still reaches curl
// --compressed as valid gzip. The same for a plain http:// URL (absolute-form) and through
// SOCKS5 (--socks5-hostname). Then the capture file, opened in an engine, holds each rule
// record on its tunnel.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { AddressInfo, Server } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { CliProcess, runCli } from '../helpers/cli'
import { testEngine } from '../helpers/engine'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'
import type { CaptureEvent } from '../../src/shared/capture-types'

const tmp = tempDir('tcpscope-rules-forward-')
const have = hasProgram('openssl') && hasProgram('curl')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let certs: TestCerts
let caFile: string
let rulesFile: string
let secure: Origin
let plain: Origin

const USER = '{"name":"from-rule"}'
const PRICE = '{"item":"book","price":10}'

const RULES = {
  rules: [
    {
      name: 'mock the user',
      match: { http: { method: 'GET', host: 'localhost', path: '/api/user' } },
      steps: [{ respond: { status: 200, headers: { 'content-type': 'application/json' }, body: USER } }]
    },
    {
      name: 'free things',
      match: { http: { path: '/api/price' } },
      steps: [{ rewrite: { response: { headers: { 'x-rewritten': 'yes' }, json: { '$.price': 0 } } } }]
    }
  ]
}

interface Origin {
  port: number
  /** `VERSION METHOD PATH` of each request it got. */
  seen: string[]
  close(): Promise<void>
}

/** Answers /api/price with gzip JSON, anything else with its own words. */
function answer(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse, seen: string[]): void {
  seen.push(`${req.httpVersion} ${req.method} ${req.url}`)
  if (req.url === '/api/price') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    res.end(gzipSync(PRICE))
    return
  }
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end(`origin ${req.url}`)
}

async function startOrigin(tls: boolean): Promise<Origin> {
  const seen: string[] = []
  const server: Server = tls
    ? createSecureServer({ key: certs.read(certs.leafKey), cert: certs.read(certs.leafCert), allowHTTP1: true }, (req, res) => answer(req, res, seen))
    : createServer((req, res) => answer(req, res, seen))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r()))
  }
}

beforeAll(async () => {
  // The CLIs this file starts make and share their CA here, never in the real home folder.
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  secure = await startOrigin(true)
  plain = await startOrigin(false)
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  expect((await runCli(['ca', '--export', caFile])).code).toBe(0)
  rulesFile = join(tmp.dir, 'rules.json')
  writeFileSync(rulesFile, JSON.stringify(RULES))
})
afterAll(async () => {
  for (const o of [secure, plain]) await o?.close()
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  secure?.seen.splice(0)
  plain?.seen.splice(0)
})

interface CurlResult {
  code: number
  stdout: string
  stderr: string
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** curl's body, then the protocol it spoke (`1.1`, `2`) on the last line. */
async function fetched(args: string[]): Promise<{ body: string; version: string }> {
  const r = await curl([...args, '-w', '\n%{http_version}'])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  const cut = r.stdout.lastIndexOf('\n')
  return { body: r.stdout.slice(0, cut), version: r.stdout.slice(cut + 1) }
}

/** The headers (lower-cased names) and body curl --compressed got, with the protocol it spoke. */
async function fetchedWithHeaders(args: string[]): Promise<{ headers: Record<string, string>; body: string; version: string }> {
  const headersFile = join(tmp.dir, `headers-${Math.random().toString(36).slice(2)}.txt`)
  const { body, version } = await fetched(['--compressed', '-D', headersFile, ...args])
  // The last head is the origin's (a CONNECT's own `200 Connection established` comes first).
  const heads = readFileSync(headersFile, 'latin1').trim().split(/\r\n\r\n/)
  const headers = Object.fromEntries(
    heads
      .at(-1)!
      .split('\r\n')
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])
  )
  return { headers, body, version }
}

async function startForward(name: string, trust: string[]): Promise<{ proxy: string; capture: string; cli: CliProcess }> {
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--forward', '--rules', rulesFile, ...trust, '--capture', capture])
  cleanups.push(() => cli.stop())
  const line = await cli.waitLine((l) => l.startsWith('tcpscope: listening on'))
  return { proxy: /listening on (\S+) /.exec(line)![1], capture, cli }
}

interface RuleRecord {
  target: string
  via: string | undefined
  dir: string | undefined
  label: string
  action: string
  message: string
  delivered: string
}

/** Every `rule` record of a capture file, with its connection's destination and how it came. */
async function ruleRecords(capture: string): Promise<RuleRecord[]> {
  const t = await testEngine()
  try {
    const file = await t.engine['capture.open']({ path: capture })
    const conns = (await t.engine['conn.page']({ capture: file.id, offset: 0, limit: 100 })).rows
    const out: RuleRecord[] = []
    for (const c of conns) {
      const events: CaptureEvent[] = (await t.engine['conn.events']({ capture: file.id, connId: c.id, from: 0, limit: 10_000 })).events
      for (const e of events.filter((x) => x.kind === 'rule')) {
        const info = e.info as { label: string; action: string; message: string; delivered?: string }
        out.push({ target: c.target, via: c.via, dir: e.dir, label: info.label, action: info.action, message: info.message, delivered: Buffer.from(info.delivered ?? '', 'base64').toString('latin1') })
      }
    }
    return out
  } finally {
    await t.dispose()
  }
}

describe('traffic rules through tcpscope proxy --forward (curl)', () => {
  it('HTTPS in a CONNECT tunnel, HTTP/1.1 and HTTP/2: a mocked path never reaches the origin, a gzip JSON response is rewritten; the capture holds each rule record', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const { proxy, capture, cli } = await startForward('connect', ['--upstream-ca', certs.caPath])
    const base = `https://localhost:${secure.port}`
    const via = ['--cacert', caFile, '-x', `http://${proxy}`]
    for (const [flag, version] of [
      ['--http1.1', '1.1'],
      ['--http2', '2']
    ]) {
      expect(await fetched([flag, ...via, `${base}/api/user`])).toEqual({ body: USER, version })
      const price = await fetchedWithHeaders([flag, ...via, `${base}/api/price`])
      expect(price.version).toBe(version)
      expect(JSON.parse(price.body)).toEqual({ item: 'book', price: 0 })
      // Still gzip on the wire (curl --compressed decoded it), with the rule's header.
      expect(price.headers).toMatchObject({ 'content-encoding': 'gzip', 'x-rewritten': 'yes' })
      expect(await fetched([flag, ...via, `${base}/other`])).toEqual({ body: 'origin /other', version })
    }
    expect(secure.seen).toEqual(['1.1 GET /api/price', '1.1 GET /other', '2.0 GET /api/price', '2.0 GET /other'])
    // The proxy says so as it happens.
    await cli.waitLine((l) => / client -> rule mock the user: answered GET \/api\/user with 200 \(not sent to the target\)$/.test(l))
    await cli.waitLine((l) => / client -> rule mock the user: answered GET \/api\/user with 200 on stream 1 \(not sent to the target\)$/.test(l))
    expect(await cli.stop()).toBe(0)

    const records = await ruleRecords(capture)
    const target = `localhost:${secure.port}`
    expect(records.map((r) => [r.target, r.via, r.dir, r.label, r.action, r.message])).toEqual([
      [target, 'CONNECT', 'client', 'mock the user', 'respond', 'answered GET /api/user with 200 (not sent to the target)'],
      [target, 'CONNECT', 'server', 'free things', 'rewrite', 'rewrote the response 200 OK to GET /api/price'],
      [target, 'CONNECT', 'client', 'mock the user', 'respond', 'answered GET /api/user with 200 on stream 1 (not sent to the target)'],
      [target, 'CONNECT', 'server', 'free things', 'rewrite', 'rewrote the response 200 to GET /api/price']
    ])
    // What curl got instead is kept beside what was sent: the rule's answer, in clear.
    expect(records[0].delivered).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{"name":"from-rule"\}$/)
    expect(records[2].delivered).toContain(USER)
  })

  it('a plain http:// URL (absolute-form) is mocked and rewritten too', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const { proxy, capture, cli } = await startForward('absolute', ['--upstream-ca', certs.caPath])
    const base = `http://localhost:${plain.port}`
    expect(await fetched(['-x', `http://${proxy}`, `${base}/api/user`])).toEqual({ body: USER, version: '1.1' })
    const price = await fetchedWithHeaders(['-x', `http://${proxy}`, `${base}/api/price`])
    expect(JSON.parse(price.body)).toEqual({ item: 'book', price: 0 })
    expect(price.headers).toMatchObject({ 'content-encoding': 'gzip', 'x-rewritten': 'yes' })
    expect(plain.seen).toEqual(['1.1 GET /api/price'])
    expect(await cli.stop()).toBe(0)
    const records = await ruleRecords(capture)
    expect(records.map((r) => [r.target, r.via, r.label, r.action])).toEqual([
      [`localhost:${plain.port}`, 'HTTP', 'mock the user', 'respond'],
      [`localhost:${plain.port}`, 'HTTP', 'free things', 'rewrite']
    ])
  })

  it('SOCKS5 (--socks5-hostname), with --insecure instead of --upstream-ca: the same rules over HTTP/1.1 and HTTP/2', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const { proxy, capture, cli } = await startForward('socks', ['--insecure'])
    const base = `https://localhost:${secure.port}`
    const via = ['--cacert', caFile, '--socks5-hostname', proxy]
    expect(await fetched(['--http1.1', ...via, `${base}/api/user`])).toEqual({ body: USER, version: '1.1' })
    expect(await fetched(['--http2', ...via, `${base}/api/user`])).toEqual({ body: USER, version: '2' })
    const price = await fetchedWithHeaders(['--http2', ...via, `${base}/api/price`])
    expect([price.version, JSON.parse(price.body), price.headers['x-rewritten']]).toEqual(['2', { item: 'book', price: 0 }, 'yes'])
    expect(secure.seen).toEqual(['2.0 GET /api/price'])
    expect(await cli.stop()).toBe(0)
    const records = await ruleRecords(capture)
    expect(records.map((r) => [r.via, r.label, r.action])).toEqual([
      ['SOCKS5', 'mock the user', 'respond'],
      ['SOCKS5', 'mock the user', 'respond'],
      ['SOCKS5', 'free things', 'rewrite']
    ])
  })
})
