// The HTTP/1 decoder on bytes from real clients and servers, recorded by a loopback relay as
// the proxy records them: curl against nginx and against Node's http server, keep-alive and
// pipelining, chunked bodies with trailers, gzip and br, HEAD and 304, and
// `Expect: 100-continue` with a body. Bodies are read back through the decoder's ranges
// (and decodeContent for their coding) and compared with what the server sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import { decodeContent } from '../../../../src/core/http/body/content-coding'
import { headerValues } from '../../../../src/core/protocols/http1/head-parser'
import { connectTo, listen, tempDir } from '../../../helpers/net'
import { startNginx, type Nginx } from '../../../helpers/nginx'
import { needPeer } from '../../../helpers/peers'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../helpers/recording-relay'
import { decode, type Decoded } from '../feed'

const run = promisify(execFile)
const curl = (...args: string[]): Promise<{ stdout: string }> => run('curl', ['-sS', '--max-time', '20', ...args])

const JSON_BODY = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) })

/** A message's content: its chunks' data joined, or its body range. */
function contentOf(d: Decoded, m: HttpMessage): Buffer {
  const s = Buffer.from(d.streams[m.dir])
  const ranges = m.body.framing === 'chunked' ? m.body.chunks! : [m.body.range]
  return Buffer.concat(ranges.map((r) => s.subarray(r.offset, r.offset + r.length)))
}

/** The content with its Content-Encoding undone, as http.body does it. */
async function decodedContentOf(d: Decoded, m: HttpMessage): Promise<string> {
  const codings = headerValues(m.headers, 'content-encoding').flatMap((v) => v.split(','))
  async function* source(): AsyncGenerator<Uint8Array> {
    yield contentOf(d, m)
  }
  const out = await decodeContent(codings, source(), { offset: 0, length: 1 << 30 })
  expect(out.problem).toBeUndefined()
  return Buffer.from(out.bytes).toString()
}

function decodeConnection(conn: RecordedConnection): Decoded {
  const d = decode(conn.pieces, { takeEvery: true })
  expect(d.problems).toEqual([])
  expect(d.decoder.protocol).toBe('http1')
  return d
}

const summary = (ex: HttpExchange): [string | undefined, string | undefined, number | undefined, string] => [ex.request?.method, ex.request?.target, ex.response?.status, ex.state]

describe('HTTP/1 decoder on real traffic: Node http server', () => {
  let server: http.Server
  let relay: RecordingRelay
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const url = req.url ?? '/'
        if (url === '/trailers') {
          res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' })
          res.write('first part, ')
          res.write('second part')
          res.addTrailers({ 'X-Checksum': 'abc123' })
          res.end()
        } else if (url === '/gzip') {
          const body = zlib.gzipSync(JSON_BODY)
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length })
          res.end(body)
        } else if (url === '/br') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })
          const br = zlib.createBrotliCompress()
          br.pipe(res)
          br.end(JSON_BODY)
        } else if (url === '/etag') {
          if (req.headers['if-none-match'] === '"v1"') {
            res.writeHead(304, { ETag: '"v1"' })
            res.end()
          } else {
            res.writeHead(200, { ETag: '"v1"', 'Content-Type': 'text/plain' })
            res.end('versioned\n')
          }
        } else {
          res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Received': String(Buffer.concat(chunks).length) })
          res.end(`you sent ${req.method} ${url}\n`)
        }
      })
    })
    const port = await listen(server)
    relay = await startRecordingRelay(port)
  })
  afterAll(async () => {
    await relay?.close()
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
  })

  it('curl, keep-alive: chunked with trailers, gzip, br, HEAD and 304 on one connection', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const before = relay.connections.length
    const base = `http://127.0.0.1:${relay.port}`
    await curl('-o', '/dev/null', `${base}/trailers`, '-o', '/dev/null', `${base}/gzip`, '-o', '/dev/null', `${base}/br`, '-o', '/dev/null', '-H', 'If-None-Match: "v1"', `${base}/etag`)
    await curl('-I', '-o', '/dev/null', `${base}/etag`)
    const conns = (await relay.settled(before + 2)).slice(before)
    const d = decodeConnection(conns[0])
    expect(d.exchanges.map(summary)).toEqual([
      ['GET', '/trailers', 200, 'complete'],
      ['GET', '/gzip', 200, 'complete'],
      ['GET', '/br', 200, 'complete'],
      ['GET', '/etag', 304, 'complete']
    ])
    const [trailers, gzip, br, notModified] = d.exchanges
    expect(trailers.response!.body).toMatchObject({ framing: 'chunked', size: 23 })
    expect(trailers.response!.body.trailers!.map((h) => [h.name, h.value])).toEqual([['X-Checksum', 'abc123']])
    expect(contentOf(d, trailers.response!).toString()).toBe('first part, second part')
    expect(gzip.response!.body.framing).toBe('length')
    expect(await decodedContentOf(d, gzip.response!)).toBe(JSON_BODY)
    expect(br.response!.body.framing).toBe('chunked')
    expect(await decodedContentOf(d, br.response!)).toBe(JSON_BODY)
    expect(notModified.response!.body).toMatchObject({ framing: 'none', size: 0 })
    expect(notModified.request!.headers.find((h) => h.name === 'If-None-Match')!.value).toBe('"v1"')

    const head = decodeConnection(conns[1])
    expect(head.exchanges.map(summary)).toEqual([['HEAD', '/etag', 200, 'complete']])
    expect(head.exchanges[0].response!.body.framing).toBe('none')
  })

  it("curl with 'Expect: 100-continue' and a body: the 100 kept apart, the body after it", async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const before = relay.connections.length
    await curl('-o', '/dev/null', '-H', 'Expect: 100-continue', '--data-binary', 'a body of some length', `http://127.0.0.1:${relay.port}/upload`)
    const [conn] = (await relay.settled(before + 1)).slice(before)
    const d = decodeConnection(conn)
    const [ex] = d.exchanges
    expect(summary(ex)).toEqual(['POST', '/upload', 200, 'complete'])
    expect(ex.informational.map((m) => m.status)).toEqual([100])
    expect(contentOf(d, ex.request!).toString()).toBe('a body of some length')
    expect(headerValues(ex.response!.headers, 'x-received')).toEqual(['21'])
    // The body went after the 100 arrived: the request ends after the interim response began.
    expect(ex.request!.endedAt!).toBeGreaterThanOrEqual(ex.informational[0].startedAt)
  })

  it('pipelined requests in one segment are paired with their responses in order', async () => {
    const before = relay.connections.length
    const socket = await connectTo(relay.port)
    const got: Buffer[] = []
    socket.on('data', (c: Buffer) => got.push(c))
    socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /trailers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await once(socket, 'end')
    socket.end()
    const [conn] = (await relay.settled(before + 1)).slice(before)
    const d = decodeConnection(conn)
    expect(d.exchanges.map(summary)).toEqual([
      ['GET', '/1', 200, 'complete'],
      ['POST', '/2', 200, 'complete'],
      ['GET', '/trailers', 200, 'complete']
    ])
    expect(contentOf(d, d.exchanges[1].response!).toString()).toBe('you sent POST /2\n')
  })
})

describe('HTTP/1 decoder on real traffic: nginx', () => {
  let nginx: Nginx | undefined
  let relay: RecordingRelay
  let cleanup: () => void = () => {}
  beforeAll(async () => {
    if (!needPeer('nginx', 'curl')) return
    const tmp = tempDir('tcpscope-nginx-')
    cleanup = tmp.cleanup
    nginx = await startNginx(tmp.dir, { 'file.txt': 'a static file\n' })
    relay = await startRecordingRelay(nginx.port)
  })
  afterAll(async () => {
    await relay?.close()
    await nginx?.stop()
    cleanup()
  })

  it('curl: keep-alive, HEAD, and a 304 for the ETag nginx gave', async (ctx) => {
    if (!nginx) return ctx.skip()
    const base = `http://127.0.0.1:${relay.port}`
    await curl('-o', '/dev/null', `${base}/hello`, '-o', '/dev/null', `${base}/file.txt`)
    const [first] = await relay.settled(1)
    const d = decodeConnection(first)
    expect(d.exchanges.map(summary)).toEqual([
      ['GET', '/hello', 200, 'complete'],
      ['GET', '/file.txt', 200, 'complete']
    ])
    expect(contentOf(d, d.exchanges[0].response!).toString()).toBe('hello from nginx\n')
    expect(contentOf(d, d.exchanges[1].response!).toString()).toBe('a static file\n')
    expect(headerValues(d.exchanges[1].response!.headers, 'server')[0]).toMatch(/^nginx/)
    const etag = headerValues(d.exchanges[1].response!.headers, 'etag')[0]

    await curl('-o', '/dev/null', '-H', `If-None-Match: ${etag}`, `${base}/file.txt`)
    await curl('-I', '-o', '/dev/null', `${base}/file.txt`)
    const [, conditional, head] = await relay.settled(3)
    expect(decodeConnection(conditional).exchanges.map(summary)).toEqual([['GET', '/file.txt', 304, 'complete']])
    const h = decodeConnection(head)
    expect(h.exchanges.map(summary)).toEqual([['HEAD', '/file.txt', 200, 'complete']])
    expect(headerValues(h.exchanges[0].response!.headers, 'content-length')).toEqual(['14'])
  })

  it('pipelined requests, and a 404 among them', async (ctx) => {
    if (!nginx) return ctx.skip()
    const before = relay.connections.length
    const socket = await connectTo(relay.port)
    socket.resume()
    socket.write('GET /file.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\nHEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    await once(socket, 'end')
    socket.end()
    const [conn] = (await relay.settled(before + 1)).slice(before)
    const d = decodeConnection(conn)
    expect(d.exchanges.map(summary)).toEqual([
      ['GET', '/file.txt', 200, 'complete'],
      ['GET', '/missing', 404, 'complete'],
      ['HEAD', '/hello', 200, 'complete']
    ])
  })
})
