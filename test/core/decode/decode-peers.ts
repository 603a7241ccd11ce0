// Real peers for the decoding tests: a Node http server with the cases issue 16 names
// (gzip and br bodies, chunked with trailers, HEAD, 304, 100-continue, an error status),
// curl run through a proxy, and waiting until the live capture's connections are closed.
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import type { Engine } from '../../../src/core/engine'
import type { Decoding } from '../../../src/core/decode/decoding'
import type { CaptureView } from '../../../src/core/capture/query/capture-queries'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import { waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'

export const JSON_BODY = JSON.stringify({ items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}` })) })
export const BR_TEXT = 'brotli text '.repeat(400)
export const CHUNKS = ['first chunk;', 'second, a little longer;', 'third']
export const MANY_CHUNKS = 6000

/** Node's http server with the routes the tests ask for; the port it listens on (loopback, port 0). */
export async function startHttpServer(): Promise<{ port: number; server: Server; close: () => Promise<void> }> {
  const gz = gzipSync(JSON_BODY)
  const br = brotliCompressSync(Buffer.from(BR_TEXT))
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url === '/json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': gz.length, ETag: '"v1"' })
      res.end(req.method === 'HEAD' ? undefined : gz)
    } else if (url === '/br') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'br', 'Content-Length': br.length })
      res.end(br)
    } else if (url === '/etag') {
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { ETag: '"v1"' })
        res.end()
      } else res.end('fresh')
    } else if (url === '/chunked') {
      res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' })
      for (const c of CHUNKS) res.write(c)
      res.addTrailers({ 'X-Checksum': 'abc123' })
      res.end()
    } else if (url === '/many-chunks') {
      // More chunks than a message lists (MAX_CHUNK_RANGES): http.body reads the rest's framing itself.
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      for (let i = 0; i < MANY_CHUNKS; i++) res.write(`${i},`)
      res.end()
    } else if (url === '/large-chunked') {
      // 2 MiB in 64 KiB chunks: decoding it takes several batches.
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      for (let i = 0; i < 32; i++) res.write(Buffer.alloc(64 * 1024, i))
      res.end()
    } else if (url === '/upload') {
      const parts: Buffer[] = []
      req.on('data', (c: Buffer) => parts.push(c))
      req.on('end', () => {
        res.writeHead(201, { 'Content-Type': 'text/plain' })
        res.end(`got ${Buffer.concat(parts).length}`)
      })
    } else if (url.startsWith('/items/')) {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ id: url.slice(7) }))
    } else {
      res.writeHead(404, { 'Content-Type': 'text/html' })
      res.end('<h1>not here</h1>')
    }
  })
  // Expect: 100-continue: answer 100 first, as a server that wants the body does.
  server.on('checkContinue', (req, res) => {
    res.writeContinue()
    server.emit('request', req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

const run = promisify(execFile)

/** curl with these arguments; its stdout. */
export async function curl(args: string[]): Promise<string> {
  const { stdout } = await run('curl', ['-s', '--max-time', '30', ...args], { maxBuffer: 16 * 1024 * 1024 })
  return stdout
}

/** Waits until the live capture has `n` connections and all of them are closed. */
export async function allClosed(engine: Engine, n: number): Promise<void> {
  await waitFor(() => {
    const conns = engine.capture.connections()
    return conns.length >= n && conns.every((c) => c.end !== 'open')
  }, `${n} connections to close`, 30_000)
}

/**
 * A capture of `conns` curl connections through the proxy, each a large chunked body, then
 * `items` small GETs, /json and /chunked: for decoding the same file two ways. The engine
 * is closed; the caller disposes of it once done with the file.
 */
export async function recordCurlConnections(conns: number, items: number, extra: string[] = []): Promise<TestEngine> {
  const t = await testEngine()
  const server = await startHttpServer()
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const base = `http://127.0.0.1:${portOf(proxy.listen)}`
  for (let k = 0; k < conns; k++) await curl(['-o', '/dev/null', `${base}/large-chunked`, ...Array.from({ length: items }, (_, i) => `${base}/items/${k}-${i}`), ...extra.map((p) => `${base}${p}`), `${base}/json`, `${base}/chunked`])
  await allClosed(t.engine, conns)
  await server.close()
  await t.engine.close()
  return t
}

/** Every exchange of `file` through `d`'s list, once its decoding has looked at every connection. */
export async function everyExchange(d: Decoding, file: CaptureView): Promise<ExchangeListPage> {
  let page = await d.exchangePage(file, { offset: 0, limit: 1000, sort: 'conn' })
  while (page.scan) page = await d.exchangePage(file, { offset: 0, limit: 1000, sort: 'conn' })
  return page
}
