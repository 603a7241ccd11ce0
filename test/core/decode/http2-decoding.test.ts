// HTTP/2 through a real proxy, decoded by the engine as the UI and the CLI ask for it: the
// exchange list's rows with their stream (h2c in the clear, h2 when the proxy terminated
// TLS with ALPN h2), http.exchanges in full with the pseudo-headers, http.body decoded
// (gzip), the filter words (method:, path:, status:, proto:h2), and h2.frames with its stream
// filter. Peers: Node's http2 client and server, and curl --http2 --parallel over TLS.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import zlib from 'node:zlib'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { listen, tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
const tmp = tempDir()
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let certs: TestCerts | undefined

beforeAll(() => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (hasProgram('openssl')) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const BODY = JSON.stringify({ stamp: 4100001, items: Array.from({ length: 50 }, (_, i) => `item ${i}`) })

function answer(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
  const path = String(headers[':path'])
  if (path === '/missing') {
    stream.respond({ ':status': 404 })
    stream.end()
    return
  }
  stream.respond({ ':status': 200, 'content-type': 'application/json', 'content-encoding': 'gzip' })
  stream.end(zlib.gzipSync(BODY))
}

async function get(session: http2.ClientHttp2Session, path: string, method = 'GET'): Promise<number> {
  const req = session.request({ ':method': method, ':path': path, 'accept-encoding': 'gzip' })
  req.end()
  req.resume()
  const [headers] = await Promise.all([new Promise<http2.IncomingHttpHeaders>((r) => req.once('response', r)), new Promise((r) => req.once('end', r))])
  return Number(headers[':status'])
}

async function throughProxy(te: TestEngine, session: http2.ClientHttp2Session): Promise<void> {
  cleanups.push(() => session.destroy())
  expect(await Promise.all([get(session, '/a'), get(session, '/missing'), get(session, '/c', 'DELETE')])).toEqual([200, 404, 200])
  await new Promise<void>((r) => session.close(() => r()))
  await expect.poll(async () => (await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })).rows.filter((r) => r.state === 'complete').length).toBe(3)
}

describe('HTTP/2 decoded by the engine', () => {
  it('lists h2c exchanges with their streams, in full, with bodies, filters and frames', async () => {
    t = await testEngine()
    const te = t
    const server = http2.createServer()
    server.on('stream', answer)
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    await throughProxy(te, http2.connect(`http://127.0.0.1:${portOf(proxy.listen)}`))

    const page = await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.map((r) => [r.stream, r.method, r.path, r.status, r.scheme])).toEqual([
      [1, 'GET', '/a', 200, undefined],
      [3, 'GET', '/missing', 404, undefined],
      [5, 'DELETE', '/c', 200, undefined]
    ])
    expect(page.rows[0].host).toBe(`127.0.0.1:${portOf(proxy.listen)}`)
    const connId = page.rows[0].connId
    const conns = await te.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(conns.rows[0].protocol).toMatchObject({ protocol: 'http2', exchanges: 3, first: { method: 'GET', target: '/a', status: 200 } })

    const detail = await te.engine['http.exchanges']({ capture: 'live', connId })
    expect(detail.protocol).toBe('http2')
    expect(detail.exchanges.map((e) => [e.index, e.stream, e.request?.startLine, e.response?.startLine])).toEqual([
      [0, 1, 'GET /a HTTP/2', 'HTTP/2 200'],
      [1, 3, 'GET /missing HTTP/2', 'HTTP/2 404'],
      [2, 5, 'DELETE /c HTTP/2', 'HTTP/2 200']
    ])
    expect(detail.exchanges[0].request!.headers.map((h) => h.name).slice(0, 4)).toEqual([':method', ':path', ':authority', ':scheme'])
    // A later exchange alone is found again from the connection's start (HPACK needs every block before it).
    const third = await te.engine['http.exchanges']({ capture: 'live', connId, from: 2, limit: 1 })
    expect(third.exchanges.map((e) => [e.index, e.stream, e.request?.method])).toEqual([[2, 5, 'DELETE']])

    const body = await te.engine['http.body']({ capture: 'live', connId, exchange: 0, part: 'response', offset: 0, length: 1 << 20 })
    expect(Buffer.from(body.bytes).toString()).toBe(BODY)
    expect(body).toMatchObject({ decoded: ['gzip'], end: true, total: BODY.length })

    const filtered = async (filter: string): Promise<string[]> => (await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10, filter })).rows.map((r) => r.path ?? '')
    expect(await filtered('method:DELETE')).toEqual(['/c'])
    expect(await filtered('status:4xx')).toEqual(['/missing'])
    expect(await filtered('path:/a')).toEqual(['/a'])
    expect(await filtered('proto:h2')).toEqual(['/a', '/missing', '/c'])
    expect(await filtered('proto:http1')).toEqual([])
    expect(await filtered('proto:grpc')).toEqual([])
    await expect(filtered('proto:nope')).rejects.toThrow(/proto:nope/)
    expect((await te.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter: 'proto:h2 method:DELETE' })).rows.map((r) => r.id)).toEqual([connId])

    const frames = await te.engine['h2.frames']({ capture: 'live', connId })
    expect(frames.frames[0]).toMatchObject({ index: 0, dir: 'client', typeName: 'SETTINGS', stream: 0, range: { dir: 'client', offset: 24 } })
    const types = frames.frames.map((f) => `${f.dir} ${f.typeName} ${f.stream}`)
    expect(types).toContain('client HEADERS 1')
    expect(types).toContain('server DATA 3')
    expect(frames.frames.find((f) => f.typeName === 'HEADERS' && f.dir === 'client')?.info).toContain('END_STREAM')
    const stream3 = await te.engine['h2.frames']({ capture: 'live', connId, stream: 3 })
    expect(stream3.total).toBeGreaterThanOrEqual(2)
    expect(stream3.frames.every((f) => f.stream === 3)).toBe(true)
    const paged = await te.engine['h2.frames']({ capture: 'live', connId, from: 2, limit: 2 })
    expect(paged.frames.map((f) => f.index)).toEqual([frames.frames[2].index, frames.frames[3].index])
    expect(paged.total).toBe(frames.total)
  })

  it('lists h2 exchanges of a connection whose TLS the proxy terminated as https, and a plain connection has no frames', async (ctx) => {
    needProgram(ctx, 'openssl (apt-get install openssl)', certs !== undefined)
    t = await testEngine()
    const te = t
    const server = http2.createSecureServer({ cert: certs!.read(certs!.leafCert), key: certs!.read(certs!.leafKey) })
    server.on('stream', answer)
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, tlsUpstream: { ca: certs!.caPath } })
    const caPem = (await te.engine.ca()).info().pem
    await throughProxy(te, http2.connect(`https://localhost:${portOf(proxy.listen)}`, { ca: caPem }))
    const page = await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.map((r) => [r.stream, r.scheme, r.path])).toEqual([
      [1, 'https', '/a'],
      [3, 'https', '/missing'],
      [5, 'https', '/c']
    ])
    const conn = (await te.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })).rows[0]
    expect(conn.tls?.alpn).toBe('h2')
    const body = await te.engine['http.body']({ capture: 'live', connId: conn.id, exchange: 2, part: 'response', offset: 0, length: 1 << 20 })
    expect(Buffer.from(body.bytes).toString()).toBe(BODY)
  })

  it('lists curl --http2 --parallel through a TLS-terminating proxy: several streams multiplexed on one connection', async (ctx) => {
    needProgram(ctx, 'openssl (apt-get install openssl)', certs !== undefined)
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    t = await testEngine()
    const te = t
    const server = http2.createSecureServer({ cert: certs!.read(certs!.leafCert), key: certs!.read(certs!.leafKey) })
    server.on('stream', answer)
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, tlsUpstream: { ca: certs!.caPath } })
    const caFile = `${tmp.dir}/tcpscope-ca.pem`
    writeFileSync(caFile, (await te.engine.ca()).info().pem)
    const urls = [1, 2, 3, 4, 5].map((i) => `https://localhost:${portOf(proxy.listen)}/p${i}`)
    const { stdout } = await promisify(execFile)('curl', ['-sS', '--max-time', '20', '--http2', '--parallel', '--compressed', '--cacert', caFile, ...urls])
    expect(stdout).toBe(BODY.repeat(5))
    await expect.poll(async () => (await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })).rows.filter((r) => r.state === 'complete').length).toBe(5)
    const page = await te.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10, sort: 'path' })
    expect(page.rows.map((r) => [r.path, r.scheme, r.status])).toEqual([1, 2, 3, 4, 5].map((i) => [`/p${i}`, 'https', 200]))
    // Multiplexed: one connection, five streams.
    expect(new Set(page.rows.map((r) => r.connId)).size).toBe(1)
    expect(page.rows.map((r) => r.stream).sort((a, b) => a! - b!)).toEqual([1, 3, 5, 7, 9])
  })
})
