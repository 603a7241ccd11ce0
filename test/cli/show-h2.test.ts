// `tcpscope show` on HTTP/2 recorded through a real proxy: Node's http2 client and curl with
// prior knowledge (h2c), and curl --http2 --parallel through a proxy that terminated TLS with ALPN h2 (h2), against
// Node's http2 server (a gzip JSON body, a 404, a POST echoed back, trailers). The real CLI
// prints each stream's exchange with its stream id and pseudo-headers, the URL from
// :scheme, :authority and :path, bodies decoded, trailers; --filter takes proto:h2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import zlib from 'node:zlib'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { runCli } from '../helpers/cli'
import { portOf, testEngine, type TestEngine } from '../helpers/engine'
import { listen, tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const run = promisify(execFile)
const curl = (args: string[]): Promise<unknown> => run('curl', ['-sS', '--max-time', '20', ...args])

/** Streams one after another on one session of Node's http2 client: GET /data, GET /missing, POST /echo. */
async function nodeClient(proxy: string): Promise<void> {
  const session = http2.connect(`http://${proxy}`)
  try {
    for (const [method, path, body] of [
      ['GET', '/data'],
      ['GET', '/missing'],
      ['POST', '/echo', 'twelve bytes']
    ]) {
      const req = session.request({ ':method': method, ':path': path, ...(body === undefined ? {} : { 'content-type': 'text/plain' }) })
      req.end(body)
      req.resume()
      await new Promise((r) => req.once('close', r))
    }
  } finally {
    await new Promise<void>((r) => session.close(() => r()))
  }
}
const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let certs: TestCerts | undefined

const JSON_BODY = JSON.stringify({ stamp: 4100001, text: 'grüße', items: [1, 2, 3] })

function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = String(headers[':path'])
  if (path === '/missing') {
    stream.respond({ ':status': 404, 'content-type': 'text/plain' })
    stream.end('not here')
    return
  }
  if (path === '/echo') {
    const body: Buffer[] = []
    stream.on('data', (c: Buffer) => body.push(c))
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true })
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(Buffer.concat(body).length) }))
      stream.end(Buffer.concat(body))
    })
    return
  }
  stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-encoding': 'gzip' })
  stream.end(zlib.gzipSync(JSON_BODY))
}

interface Recorded {
  t: TestEngine
  port: number
}

/** A capture of `clients` through a proxy to an HTTP/2 server, closed as a CLI proxy leaves it. */
async function record(tls: boolean, clients: (proxy: string, caFile: string) => Promise<void>, expected: number): Promise<Recorded> {
  const t = await testEngine()
  const server = tls ? http2.createSecureServer({ cert: certs!.read(certs!.leafCert), key: certs!.read(certs!.leafKey) }) : http2.createServer()
  server.on('stream', answer)
  const port = await listen(server)
  try {
    const proxy = await t.engine['proxy.start']({
      listen: '127.0.0.1:0',
      target: `127.0.0.1:${port}`,
      ...(tls ? { tlsListen: {}, tlsUpstream: { ca: certs!.caPath } } : {})
    })
    const caFile = `${tmp.dir}/tcpscope-ca.pem`
    if (tls) writeFileSync(caFile, (await t.engine.ca()).info().pem)
    await clients(proxy.listen, caFile)
    await expect.poll(async () => (await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })).rows.filter((r) => r.state === 'complete').length).toBe(expected)
    await expect.poll(() => t.engine.capture.connections().every((c) => c.end !== 'open')).toBe(true)
    return { t, port: portOf(proxy.listen) }
  } finally {
    await new Promise<void>((r) => server.close(() => r()))
    await t.engine.close()
  }
}

interface Line {
  type: string
  [key: string]: unknown
}
const jsonLines = (stdout: string): Line[] =>
  stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line)

beforeAll(() => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (hasProgram('openssl')) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})

describe('tcpscope show on HTTP/2', () => {
  it('prints h2c exchanges (Node\'s http2 client, curl with prior knowledge) with their streams, pseudo-headers, decoded bodies and trailers', async (ctx) => {
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    // curl 7.88 with prior knowledge breaks off a second request on a connection it reuses (against Node's server too): one request it is.
    const { t, port } = await record(false, async (proxy) => {
      await nodeClient(proxy)
      await curl(['--http2-prior-knowledge', '-o', '/dev/null', `http://${proxy}/data?from=curl`])
    }, 4)
    try {
      const text = await runCli(['show', t.capturePath])
      expect(text).toMatchObject({ code: 0, stderr: '' })
      const out = text.stdout
      expect(out).toMatch(/^#1 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: http2, 3 exchanges\n/)
      // Node's client sends its pseudo-headers in this order; they are printed as sent.
      expect(out).toMatch(/\n#1 exchange 1 h2c stream 1 \d\d:\d\d:\d\d\.\d{3}\nGET \/data HTTP\/2\n:method: GET\n:path: \/data\n:authority: 127\.0\.0\.1:\d+\n:scheme: http\n\nHTTP\/2 200\n:status: 200\ncontent-type: application\/json\ncontent-encoding: gzip\n/)
      expect(out).toContain(`\n\n${JSON_BODY}\n`)
      expect(out).toMatch(/\n#1 exchange 2 h2c stream 3 [\d:.]+\nGET \/missing HTTP\/2\n(?:.+\n)+\nHTTP\/2 404\n(?:.+\n)+\nnot here\n/)
      expect(out).toMatch(/\n#1 exchange 3 h2c stream 5 [\d:.]+\nPOST \/echo HTTP\/2\n(?:.+\n)+\ntwelve bytes\n\nHTTP\/2 200\n(?:.+\n)+\ntwelve bytes\ntrailers:\nx-checksum: 12\n/)
      // curl's connection: the second.
      expect(out).toMatch(/\n\n#2 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+: http2, 1 exchange\n\n#2 exchange 1 h2c stream 1 [\d:.]+\nGET \/data\?from=curl HTTP\/2\n(?:.+\n)*user-agent: curl\/[\d.]+\n/)

      const lines = jsonLines((await runCli(['show', t.capturePath, '--json'])).stdout)
      expect(lines.map((l) => [l.type, l.conn, l.exchange, l.protocol, l.stream, l.method, l.status, l.version])).toEqual([
        ['exchange', 1, 1, 'h2c', 1, 'GET', 200, 'HTTP/2'],
        ['exchange', 1, 2, 'h2c', 3, 'GET', 404, 'HTTP/2'],
        ['exchange', 1, 3, 'h2c', 5, 'POST', 200, 'HTTP/2'],
        ['exchange', 2, 1, 'h2c', 1, 'GET', 200, 'HTTP/2']
      ])
      expect(lines[0].url).toBe(`http://127.0.0.1:${port}/data`)
      expect(lines[3].url).toBe(`http://127.0.0.1:${port}/data?from=curl`)
      expect(lines[0].requestHeaders).toEqual([
        [':method', 'GET'],
        [':path', '/data'],
        [':authority', `127.0.0.1:${port}`],
        [':scheme', 'http']
      ])
      expect(lines[0].responseBody).toEqual({ text: JSON_BODY, size: Buffer.byteLength(JSON_BODY), decoded: ['gzip'] })
      expect(lines[2]).toMatchObject({ requestBody: { text: 'twelve bytes', size: 12 }, responseBody: { text: 'twelve bytes', size: 12 }, responseTrailers: [['x-checksum', '12']] })

      const posts = jsonLines((await runCli(['show', t.capturePath, '--json', '--filter', 'proto:h2 method:POST'])).stdout)
      expect(posts.map((l) => [l.exchange, l.stream])).toEqual([[3, 5]])
      expect(jsonLines((await runCli(['show', t.capturePath, '--json', '--filter', 'proto:http1'])).stdout)).toEqual([])
      const second = jsonLines((await runCli(['show', t.capturePath, '--json', '--conn', '1', '--exchange', '2'])).stdout)
      expect(second.map((l) => [l.stream, l.status])).toEqual([[3, 404]])
    } finally {
      await t.dispose()
    }
  })

  it('names exchanges h2 with https URLs when the proxy terminated TLS (curl --http2 --parallel)', async (ctx) => {
    needProgram(ctx, 'openssl (apt-get install openssl)', certs !== undefined)
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    const paths = ['/p1', '/p2', '/p3']
    const { t, port } = await record(true, (proxy, caFile) => curl(['--http2', '--parallel', '--cacert', caFile, ...paths.flatMap((p) => ['-o', '/dev/null', `https://localhost:${portOf(proxy)}${p}`])]).then(() => undefined), 3)
    try {
      const r = await runCli(['show', t.capturePath, '--json'])
      expect(r).toMatchObject({ code: 0, stderr: '' })
      const lines = jsonLines(r.stdout)
      expect(lines.map((l) => [l.protocol, l.url, l.status]).sort()).toEqual(paths.map((p) => ['h2', `https://localhost:${port}${p}`, 200]))
      expect(new Set(lines.map((l) => l.conn)).size).toBe(1)
      expect(lines.map((l) => l.stream).sort()).toEqual([1, 3, 5])
      for (const l of lines) expect(l.responseBody).toEqual({ text: JSON_BODY, size: Buffer.byteLength(JSON_BODY), decoded: ['gzip'] })
      const text = await runCli(['show', t.capturePath, '--filter', 'path:/p2'])
      expect(text.stdout).toMatch(new RegExp(`^#1 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:\\d+ \\[TLS localhost\\]: http2, 3 exchanges\\n\\n#1 exchange \\d h2 stream \\d `))
      // curl's pseudo-headers, in whatever order this curl sends them.
      for (const line of [':method: GET', ':scheme: https', `:authority: localhost:${port}`, ':path: /p2']) expect(text.stdout).toMatch(new RegExp(`^${line}$`, 'm'))
      expect(text.stdout.match(/^GET \S+ HTTP\/2$/gm)).toEqual(['GET /p2 HTTP/2'])
    } finally {
      await t.dispose()
    }
  })
})
