// A request a traffic rule answered in the target's place, read back from the capture of a
// real forward proxy (`tcpscope proxy --forward --rules FILE`, TLS intercepted with its CA)
// that curl went through over HTTP/1.1 and HTTP/2: `tcpscope show` prints the answer the
// client got (which tcpscope sent in the server's stead), its start line marked as the
// rule's, in text and in --json (`answeredBy` and the response), as the HAR export as sent
// has it; the HTTP/2 exchange is whole (http.exchanges: complete, with the answer's status in
// `answeredBy.got`, and the exchange list's row says 503); a request a rule reset says so;
// and `tcpscope ls` says how each connection really ended: curl closed it once answered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createSecureServer } from 'node:http2'
import type { AddressInfo, Server } from 'node:net'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { testEngine } from '../helpers/engine'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir('tcpscope-show-answered-')
const have = hasProgram('openssl') && hasProgram('curl')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let certs: TestCerts
let caFile: string
let rulesFile: string
let origin: Server
let originPort: number
const seen: string[] = []

const ANSWER = '{"ok":false,"mocked":true}'
const MARK = '(mock: rule "mock status", the target never got the request)'

beforeAll(async () => {
  // The CLIs this file starts make and share their CA here, never in the real home folder.
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  origin = createSecureServer({ key: certs.read(certs.leafKey), cert: certs.read(certs.leafCert), allowHTTP1: true }, (req, res) => {
    seen.push(`${req.httpVersion} ${req.url}`)
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`origin ${req.url}`)
  })
  origin.listen(0, '127.0.0.1')
  await once(origin, 'listening')
  originPort = (origin.address() as AddressInfo).port
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  expect((await runCli(['ca', '--export', caFile])).code).toBe(0)
  rulesFile = join(tmp.dir, 'rules.json')
  writeFileSync(
    rulesFile,
    JSON.stringify({
      rules: [
        { name: 'mock status', match: { http: { path: '/api/status' } }, steps: [{ respond: { status: 503, json: { ok: false, mocked: true } } }] },
        { name: 'fail once', match: { http: { path: '/flaky' } }, steps: [{ reset: true }] }
      ]
    })
  )
})
afterAll(async () => {
  if (origin !== undefined) await new Promise<void>((r) => origin.close(() => r()))
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** curl through the proxy: its exit code and the body it got, then the protocol it spoke on the last line. */
function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_version} %{http_code}', ...args], (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }))
  })
}

/** `show FILE ARGS`, which must succeed. */
async function show(...args: string[]): Promise<string> {
  const r = await runCli(['show', ...args])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}

interface ExchangeJson {
  conn: number
  protocol: string
  url: string
  status?: number
  state: string
  answeredBy?: { rule: string; label: string; action: string }
  changed?: { notes: string[]; response?: boolean }
  responseHeaders: Array<[string, string]>
  responseBody?: { text: string; size?: number }
}

interface HarEntry {
  connection: string
  request: { url: string }
  response: { status: number; headers: Array<{ name: string; value: string }>; content: { text?: string } }
  comment?: string
}

describe('tcpscope show of a request a rule answered', () => {
  it('prints the answer the client got over HTTP/1.1 and HTTP/2, marked as the rule’s, as the HAR has it; the HTTP/2 exchange is whole and each connection closed as curl closed it', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const capture = join(tmp.dir, 'answered.tcap')
    const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--forward', '--rules', rulesFile, '--upstream-ca', certs.caPath, '--capture', capture])
    cleanups.push(() => cli.stop())
    const proxy = /listening on (\S+) /.exec(await cli.waitLine((l) => l.startsWith('tcpscope: listening on')))![1]
    const via = ['--cacert', caFile, '-x', `http://${proxy}`]
    const base = `https://localhost:${originPort}`
    // One connection each, in this order: conn 1 HTTP/1.1, conn 2 HTTP/2, conn 3 HTTP/2 passed on, conn 4 HTTP/2 reset.
    expect(await curl(['--http1.1', ...via, `${base}/api/status`])).toEqual({ code: 0, stdout: `${ANSWER}\n1.1 503` })
    expect(await curl(['--http2', ...via, `${base}/api/status`])).toEqual({ code: 0, stdout: `${ANSWER}\n2 503` })
    expect(await curl(['--http2', ...via, `${base}/other`])).toEqual({ code: 0, stdout: 'origin /other\n2 200' })
    expect((await curl(['--http2', ...via, `${base}/flaky`])).code).not.toBe(0)
    expect(seen).toEqual(['2.0 /other'])
    // Each connection's end as the proxy saw it, before it is stopped (curl may exit before its close reached the proxy).
    for (const id of [1, 2, 3, 4]) await cli.waitLine((l) => l.includes(`#${id} closed`))
    expect(await cli.stop()).toBe(0)

    // curl closes once it has its answer: each connection ended with its FIN, none with a reset.
    const ls = await runCli(['ls', capture, '--json'])
    expect(ls.code).toBe(0)
    const conns = ls.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; end: string })
    expect(conns.map((c) => [c.id, c.end])).toEqual([
      [1, 'closed'],
      [2, 'closed'],
      [3, 'closed'],
      [4, 'closed']
    ])

    const text = await show(capture)
    const block = (conn: number): string => text.slice(text.indexOf(`\n#${conn} exchange 1 `), text.indexOf(`\n#${conn + 1} `) < 0 ? undefined : text.indexOf(`\n#${conn + 1} `))
    expect(block(1)).toMatch(new RegExp(`\\nGET /api/status HTTP/1\\.1\\n[^]*\\n\\nHTTP/1\\.1 503 Service Unavailable   ${esc(MARK)}\\ncontent-type: application/json\\n[^]*\\n\\n${esc(ANSWER)}\\n$`))
    expect(block(2)).toMatch(new RegExp(`\\nGET /api/status HTTP/2\\n[^]*\\n\\nHTTP/2 503   ${esc(MARK)}\\n:status: 503\\ncontent-type: application/json\\n[^]*\\n\\n${esc(ANSWER)}\\n$`))
    // Whole: no line says the HTTP/2 exchange was cut short.
    expect(block(2)).not.toContain('(incomplete')
    for (const conn of [1, 2]) expect(block(conn)).toContain("(changed: the response tcpscope gave the client in the target's place (the target never got the request): rule \"mock status\": ")
    // A request a rule reset on HTTP/2: no response, and the line says who.
    expect(block(4)).toMatch(/\nGET \/flaky HTTP\/2\n[^]*\n\(reset by rule "fail once": the target never got the request\)\n$/)
    // As delivered the answer is the same, as the client got it.
    const delivered = await show(capture, '--as', 'delivered', '--conn', '2')
    expect(delivered).toContain(`\nHTTP/2 503   ${MARK}\n:status: 503\n`)

    const json = (await show(capture, '--json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExchangeJson)
    for (const [conn, protocol] of [
      [1, 'http1'],
      [2, 'h2']
    ] as const) {
      const ex = json.find((e) => e.conn === conn)!
      expect(ex).toMatchObject({ protocol, status: 503, state: 'complete', answeredBy: { label: 'mock status', action: 'respond' }, changed: { response: true }, responseBody: { text: ANSWER, size: ANSWER.length } })
      expect(ex.responseHeaders).toContainEqual(['content-type', 'application/json'])
    }
    expect(json.find((e) => e.conn === 4)).toMatchObject({ state: 'incomplete', answeredBy: { label: 'fail once', action: 'reset' } })
    expect(json.find((e) => e.conn === 4)!.status).toBeUndefined()

    // The HAR export as sent says the same of each: the answer, and the rule in its comment.
    const har = JSON.parse((await runCli(['export', capture, '--format', 'har'])).stdout) as { log: { entries: HarEntry[] } }
    for (const conn of [1, 2]) {
      const entry = har.log.entries.find((e) => e.connection === String(conn))!
      const ex = json.find((e) => e.conn === conn)!
      expect([entry.response.status, entry.response.content.text, entry.comment]).toEqual([ex.status, ex.responseBody!.text, ex.changed!.notes.join('; ')])
    }

    // The engine: the HTTP/2 exchange is complete, with the answer in short; the exchange list says 503.
    const t = await testEngine()
    try {
      const file = await t.engine['capture.open']({ path: capture })
      const h2 = (await t.engine['http.exchanges']({ capture: file.id, connId: 2, from: 0, limit: 10 })).exchanges
      expect(h2).toHaveLength(1)
      expect(h2[0]).toMatchObject({ state: 'complete', answeredBy: { label: 'mock status', action: 'respond', got: { status: 503, contentType: 'application/json', size: ANSWER.length } } })
      expect(h2[0].response).toBeUndefined()
      const reset = (await t.engine['http.exchanges']({ capture: file.id, connId: 4, from: 0, limit: 10 })).exchanges[0]
      expect(reset).toMatchObject({ state: 'incomplete', answeredBy: { label: 'fail once', action: 'reset' } })
      let rows = await t.engine['exchange.page']({ capture: file.id, offset: 0, limit: 10, sort: 'conn' })
      while (rows.scan !== undefined) rows = await t.engine['exchange.page']({ capture: file.id, offset: 0, limit: 10, sort: 'conn' })
      expect(rows.rows.map((r) => [r.connId, r.status, r.state])).toEqual([
        [1, 503, 'complete'],
        [2, 503, 'complete'],
        [3, 200, 'complete'],
        [4, undefined, 'incomplete']
      ])
    } finally {
      await t.dispose()
    }
  })
})

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
