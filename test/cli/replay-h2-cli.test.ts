// HTTP/2 end to end with the real CLI and real peers: curl through `tcpscope proxy` to a
// node:http2 server, in cleartext (--http2-prior-knowledge; and node:http2's client for three
// requests on one connection: curl 7.88 cannot reuse an h2c connection, it fails the second
// request with "Error in the HTTP2 framing layer") and over TLS (--http2 through --tls-listen/--tls-upstream, certificates made at test time),
// then the capture exported as HAR (valid, HTTP/2.0) and as curl (run again against the
// server), and replayed: one exchange (`body $.stamp: 4100001 → …`, exit 5), a sequence on
// ONE connection, and --count 20 --concurrency 5 on one connection.
import { execFile } from 'node:child_process'
import { connect } from 'node:http2'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { har as validateHar } from 'har-validator'
import { CliProcess, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { pairs, startH2Server, type H2TestServer } from '../helpers/h2-server'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir()
const have = hasProgram('curl') && hasProgram('openssl') && hasProgram('bash')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let certs: TestCerts
let caFile: string

beforeAll(async () => {
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  expect((await runCli(['ca', '--export', caFile])).code).toBe(0)
})
afterAll(() => {
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

async function server(tls?: { cert: string; key: string }): Promise<H2TestServer> {
  const s = await startH2Server(tls)
  cleanups.push(s.close)
  return s
}

async function recordThrough(name: string, target: string, flags: string[], client: (port: number) => Promise<void>): Promise<string> {
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', target, '--capture', capture, ...flags])
  cleanups.push(() => cli.stop())
  const line = await cli.waitLine((l) => l.startsWith('tcpscope: listening on'))
  await client(Number(/listening on 127\.0\.0\.1:(\d+) /.exec(line)![1]))
  expect(await cli.stop()).toBe(0)
  return capture
}

interface HarEntry {
  request: { url: string; httpVersion: string; headers: Array<{ name: string }>; headersSize: number }
  response: { status: number; httpVersion: string; content: { text?: string } }
}

/** Three GETs on one node:http2 session, one after the other. */
async function threeOnOneSession(base: string): Promise<void> {
  const session = connect(base)
  try {
    for (const path of ['/a', '/b', '/c']) {
      await new Promise<void>((resolve, reject) => {
        const req = session.request({ ':method': 'GET', ':path': path, 'x-test': 'one' })
        req.on('error', reject)
        req.resume()
        req.on('end', resolve)
      })
    }
  } finally {
    await new Promise<void>((resolve) => session.close(resolve))
  }
}

const pathsOf = (s: H2TestServer, from = 0): string[] => s.received.slice(from).map((r) => pairs(r.raw).find(([n]) => n === ':path')![1])

describe('HTTP/2 through the CLI: capture, export, replay', () => {
  it('h2c: curl --http2-prior-knowledge and node:http2, HAR and curl exports, a replay, a sequence and a repeat on one connection', async (ctx) => {
    needProgram(ctx, 'curl, openssl and bash', have)
    const s = await server()
    let base = ''
    const capture = await recordThrough('h2c', `127.0.0.1:${s.port}`, [], async (port) => {
      base = `http://127.0.0.1:${port}`
      const r = await run('curl', ['-sS', '--http2-prior-knowledge', '-H', 'x-test: curl', '--data-binary', 'hello', `${base}/curl`])
      expect(r.stderr).toBe('')
      await threeOnOneSession(base)
    })
    expect(s.connections).toBe(2)
    expect(pathsOf(s)).toEqual(['/curl', '/a', '/b', '/c'])

    const har = JSON.parse((await runCli(['export', capture, '--format', 'har', '--output', '-'])).stdout) as { log: { entries: HarEntry[] } }
    await expect(validateHar(har)).resolves.toBeDefined()
    expect(har.log.entries.map((e) => e.request.url)).toEqual([`${base}/curl`, `${base}/a`, `${base}/b`, `${base}/c`])
    const [first] = har.log.entries
    expect([first.request.httpVersion, first.response.httpVersion, first.request.headersSize]).toEqual(['HTTP/2.0', 'HTTP/2.0', -1])
    expect(first.request.headers.slice(0, 4).map((h) => h.name).sort()).toEqual([':authority', ':method', ':path', ':scheme'])
    expect(JSON.parse(first.response.content.text!)).toEqual({ stamp: 4100001, got: 5 })

    const command = (await runCli(['export', capture, '--format', 'curl', '--conn', '1', '--exchange', '1', '--output', '-'])).stdout
    expect(command).toContain('--http2-prior-knowledge')
    const before = s.received.length
    expect((await run('bash', ['-c', command])).code).toBe(0)
    expect(pathsOf(s, before)).toEqual(['/curl'])
    expect(pairs(s.received[before].raw)).toContainEqual(['x-test', 'curl'])
    expect(s.received[before].body.toString()).toBe('hello')

    const one = await runCli(['replay', capture, '--conn', '1', '--exchange', '1'])
    expect(one.stderr).toBe('')
    expect(one.code).toBe(5)
    expect(one.stdout).toContain('HTTP/2 200\n')
    expect(one.stdout).toContain(`body $.stamp: 4100001 → ${4100000 + s.received.length}`)
    expect(s.received.at(-1)!.body.toString()).toBe('hello')

    const connections = s.connections
    const seq = await runCli(['replay', capture, '--conn', '2', '--exchange', '1-3'])
    expect(seq.code).toBe(5)
    expect(seq.stdout.trimEnd().split('\n').at(-1)).toBe('0 of 3 responses matched the recording')
    expect(s.connections).toBe(connections + 1)
    expect(pathsOf(s, s.received.length - 3)).toEqual(['/a', '/b', '/c'])

    const many = await runCli(['replay', capture, '--conn', '2', '--exchange', '3', '--count', '20', '--concurrency', '5'])
    expect(many.stdout).toMatch(/^200: 20; p50 /)
    expect(s.connections).toBe(connections + 2)
    expect(pathsOf(s, s.received.length - 20)).toEqual(Array(20).fill('/c'))
  })

  it('TLS: curl --http2 through --tls-listen/--tls-upstream; the curl export runs with --http2 and replay speaks h2 over TLS', async (ctx) => {
    needProgram(ctx, 'curl, openssl and bash', have)
    const s = await server({ cert: certs.read(certs.leafCert).toString(), key: certs.read(certs.leafKey).toString() })
    const capture = await recordThrough('h2-tls', `localhost:${s.port}`, ['--tls-listen', '--tls-upstream', '--upstream-ca', certs.caPath], async (port) => {
      const r = await run('curl', ['-sS', '--http2', '--cacert', caFile, '--resolve', `upstream.test:${port}:127.0.0.1`, '-d', 'hello', `https://upstream.test:${port}/tls`])
      expect(r.stderr).toBe('')
      expect(JSON.parse(r.stdout)).toEqual({ stamp: 4100001, got: 5 })
    })
    const har = JSON.parse((await runCli(['export', capture, '--format', 'har', '--output', '-'])).stdout) as { log: { entries: HarEntry[] } }
    await expect(validateHar(har)).resolves.toBeDefined()
    expect(har.log.entries[0].request.url).toMatch(/^https:\/\/upstream\.test:\d+\/tls$/)

    const command = (await runCli(['export', capture, '--format', 'curl', '--conn', '1', '--exchange', '1', '--output', '-'])).stdout
    expect(command).toContain('--http2 ')
    const before = s.received.length
    expect((await run('bash', ['-c', command], { CURL_CA_BUNDLE: certs.caPath })).code).toBe(0)
    expect(pathsOf(s, before)).toEqual(['/tls'])
    expect(s.received[before].body.toString()).toBe('hello')

    const r = await runCli(['replay', capture, '--conn', '1', '--exchange', '1', '--upstream-ca', certs.caPath])
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain(`body $.stamp: 4100001 → ${4100000 + s.received.length}`)
    expect(pairs(s.received.at(-1)!.raw)).toContainEqual([':scheme', 'https'])
    expect(s.received.at(-1)!.body.toString()).toBe('hello')
  })
})
