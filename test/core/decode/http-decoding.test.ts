// HTTP/1 decoding of what the proxy recorded from real peers: curl against Node's http
// server and nginx, keep-alive and pipelining, and the bodies read back through http.body.
import { afterEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Engine } from '../../../src/core/engine'
import { MAX_CHUNK_RANGES, type HttpExchange } from '../../../src/shared/protocol-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { collect, connectTo, startServer, waitFor } from '../../helpers/net'
import { needPeer } from '../../helpers/peers'
import { startNginx } from '../../helpers/nginx'
import { BR_TEXT, CHUNKS, JSON_BODY, MANY_CHUNKS, allClosed, curl, startHttpServer } from './decode-peers'

let t: TestEngine
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

async function body(engine: Engine, capture: string, connId: number, exchange: number, part: 'request' | 'response', decode = true): Promise<{ text: string; decoded: string[]; end: boolean }> {
  const piece = await engine['http.body']({ capture, connId, exchange, part, decode, offset: 0, length: 1024 * 1024 })
  return { text: Buffer.from(piece.bytes).toString(), decoded: piece.decoded, end: piece.end }
}

const header = (ex: HttpExchange | undefined, part: 'request' | 'response', name: string): string | undefined =>
  ex?.[part]?.headers.find((h) => h.name.toLowerCase() === name)?.value

/** Runs curl's keep-alive session of every case against Node's server; returns the proxy's capture id and the connection. */
async function curlSession(engine: Engine, dir: string): Promise<number> {
  const server = await startHttpServer()
  cleanups.push(server.close)
  const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const base = `http://127.0.0.1:${portOf(proxy.listen)}`
  const upload = join(dir, 'upload.bin')
  writeFileSync(upload, Buffer.alloc(3000, 'u'))
  const o = ['-o', '/dev/null']
  await curl([...o, `${base}/json`, '--next', ...o, '-I', `${base}/json`, '--next', ...o, '-H', 'If-None-Match: "v1"', `${base}/etag`, '--next', ...o, `${base}/chunked`, '--next', ...o, `${base}/br`, '--next', ...o, '-H', 'Expect: 100-continue', '--data-binary', `@${upload}`, `${base}/upload`, '--next', ...o, `${base}/missing`])
  await allClosed(engine, 1)
  return engine.capture.connections()[0].id
}

describe('HTTP/1 decoding of real traffic through the proxy', () => {
  it('decodes curl keep-alive against Node: gzip, HEAD, 304, chunked with trailers, br, 100-continue, 404', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await curlSession(t.engine, t.dir)
    const page = await t.engine['http.exchanges']({ capture: 'live', connId })
    expect(page.protocol).toBe('http1')
    expect(page.total).toBe(7)
    const ex = page.exchanges
    expect(ex.map((e) => `${e.request?.method} ${e.request?.target} ${e.response?.status}`)).toEqual([
      'GET /json 200',
      'HEAD /json 200',
      'GET /etag 304',
      'GET /chunked 200',
      'GET /br 200',
      'POST /upload 201',
      'GET /missing 404'
    ])
    expect(ex.every((e) => e.state === 'complete')).toBe(true)
    // HEAD and 304 have no body though they name a length or an entity.
    expect(ex[1].response?.body.framing).toBe('none')
    expect(ex[2].response?.body.framing).toBe('none')
    // gzip and br come back decoded; undecoded, gzip is its bytes on the wire.
    expect(await body(t.engine, 'live', connId, 0, 'response')).toEqual({ text: JSON_BODY, decoded: ['gzip'], end: true })
    const raw = await t.engine['http.body']({ capture: 'live', connId, exchange: 0, part: 'response', decode: false, offset: 0, length: 1 << 20 })
    expect(raw.decoded).toEqual([])
    expect(raw.bytes.length).toBe(Number(header(ex[0], 'response', 'content-length')))
    expect(Buffer.from(raw.bytes.subarray(0, 2)).toString('hex')).toBe('1f8b')
    expect(await body(t.engine, 'live', connId, 4, 'response')).toEqual({ text: BR_TEXT, decoded: ['br'], end: true })
    // Chunked: the content without its framing, and the trailer.
    expect(ex[3].response?.body.framing).toBe('chunked')
    expect((await body(t.engine, 'live', connId, 3, 'response')).text).toBe(CHUNKS.join(''))
    expect(ex[3].response?.body.trailers?.map((h) => [h.name, h.value])).toEqual([['X-Checksum', 'abc123']])
    // 100 Continue before the final answer, and the request's body whole.
    expect(ex[5].informational.map((m) => m.status)).toEqual([100])
    expect((await body(t.engine, 'live', connId, 5, 'request')).text).toBe('u'.repeat(3000))
    expect((await body(t.engine, 'live', connId, 5, 'response')).text).toBe('got 3000')
    // A window of a body: from an offset, a length.
    const piece = await t.engine['http.body']({ capture: 'live', connId, exchange: 0, part: 'response', offset: 10, length: 20 })
    expect(Buffer.from(piece.bytes).toString()).toBe(JSON_BODY.slice(10, 30))
    expect(piece.end).toBe(false)
    // Byte ranges point at the bytes they describe.
    const ct = ex[0].response?.headers.find((h) => h.name === 'Content-Type')
    const line = await t.engine['conn.read']({ capture: 'live', connId, dir: 'server', offset: ct!.range.offset, length: ct!.range.length })
    expect(Buffer.from(line).toString()).toBe('Content-Type: application/json\r\n')
    // The connection list shows what it carries.
    const [summary] = await t.engine['conn.get']({ capture: 'live', ids: [connId] })
    expect(summary.protocol).toMatchObject({ protocol: 'http1', exchanges: 7, first: { method: 'GET', target: '/json', status: 200 } })
  })

  it('reads a chunked body of more chunks than a message lists', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const server = await startHttpServer()
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const expected = Array.from({ length: MANY_CHUNKS }, (_, i) => `${i},`).join('')
    expect(await curl([`http://127.0.0.1:${portOf(proxy.listen)}/many-chunks`])).toBe(expected)
    await allClosed(t.engine, 1)
    const connId = t.engine.capture.connections()[0].id
    const [ex] = (await t.engine['http.exchanges']({ capture: 'live', connId })).exchanges
    expect(ex.response?.body.chunks?.length).toBe(MAX_CHUNK_RANGES)
    expect(ex.response?.body.chunksOmitted).toBe(MANY_CHUNKS - MAX_CHUNK_RANGES)
    expect(await body(t.engine, 'live', connId, 0, 'response')).toEqual({ text: expected, decoded: [], end: true })
    const tail = await t.engine['http.body']({ capture: 'live', connId, exchange: 0, part: 'response', offset: expected.length - 10, length: 100 })
    expect(Buffer.from(tail.bytes).toString()).toBe(expected.slice(-10))
  })

  it('pairs pipelined requests with their responses in order', async () => {
    t = await testEngine()
    const server = await startHttpServer()
    cleanups.push(server.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const s = await connectTo(portOf(proxy.listen))
    const got = collect(s)
    // Three requests in one write: the server answers them one after another.
    s.write('GET /items/1 HTTP/1.1\r\nHost: shop\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: shop\r\n\r\nGET /nothing HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n')
    const answer = (await got).toString()
    expect(answer.match(/HTTP\/1\.1 /g)?.length).toBe(3)
    s.end()
    await allClosed(t.engine, 1)
    const connId = t.engine.capture.connections()[0].id
    const page = await t.engine['http.exchanges']({ capture: 'live', connId })
    expect(page.exchanges.map((e) => [e.request?.target, e.response?.status, e.state])).toEqual([
      ['/items/1', 200, 'complete'],
      ['/items/2', 200, 'complete'],
      ['/nothing', 404, 'complete']
    ])
    expect((await body(t.engine, 'live', connId, 1, 'response')).text).toBe('{"id":"2"}')
    // A page from the middle decodes the same exchanges again.
    const middle = await t.engine['http.exchanges']({ capture: 'live', connId, from: 1, limit: 1 })
    expect(middle.exchanges).toEqual([page.exchanges[1]])
  })

  it('shows a request with no answer yet as pending, and a connection that is not HTTP as raw', async () => {
    t = await testEngine()
    const silent = await startServer((sock) => sock.on('data', () => {}))
    cleanups.push(silent.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${silent.port}` })
    const request = 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n'
    const a = await connectTo(portOf(proxy.listen))
    a.write(request)
    const b = await connectTo(portOf(proxy.listen))
    b.write(Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xa0, 0xb0]))
    const sent = (): number[] => t.engine.capture.connections().map((c) => c.bytes.client)
    await waitFor(() => sent().join() === `${request.length},16`, 'both clients\' bytes to be recorded')
    const ids = t.engine.capture.connections().map((c) => c.id)
    const pending = await t.engine['http.exchanges']({ capture: 'live', connId: ids[0] })
    expect(pending.exchanges.map((e) => e.state)).toEqual(['pending'])
    const raw = await t.engine['http.exchanges']({ capture: 'live', connId: ids[1] })
    expect(raw.protocol).toBe('raw')
    expect(raw.total).toBe(0)
    a.destroy()
    b.destroy()
  })

  it('decodes curl against nginx', async (ctx) => {
    if (!needPeer('curl', 'nginx')) return ctx.skip()
    t = await testEngine()
    const nginx = await startNginx(join(t.dir, 'nginx'), { 'page.html': '<p>hi</p>\n' })
    cleanups.push(nginx.stop)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${nginx.port}` })
    const base = `http://127.0.0.1:${portOf(proxy.listen)}`
    const out = await curl([`${base}/hello`, '--next', '-o', '/dev/null', `${base}/page.html`, '--next', '-o', '/dev/null', `${base}/absent`])
    expect(out).toBe('hello from nginx\n')
    await allClosed(t.engine, 1)
    const connId = t.engine.capture.connections()[0].id
    const page = await t.engine['http.exchanges']({ capture: 'live', connId })
    expect(page.exchanges.map((e) => [e.request?.target, e.response?.status, header(e, 'response', 'server')?.startsWith('nginx')])).toEqual([
      ['/hello', 200, true],
      ['/page.html', 200, true],
      ['/absent', 404, true]
    ])
    expect((await body(t.engine, 'live', connId, 0, 'response')).text).toBe('hello from nginx\n')
    expect((await body(t.engine, 'live', connId, 1, 'response')).text).toBe('<p>hi</p>\n')
  })

  it('gives the same answers from the closed capture opened as a file', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    t = await testEngine()
    const connId = await curlSession(t.engine, t.dir)
    const live = await t.engine['http.exchanges']({ capture: 'live', connId })
    const liveList = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 100 })
    const liveBody = await body(t.engine, 'live', connId, 0, 'response')
    const path = t.capturePath
    await t.engine.close()
    const second = await testEngine()
    cleanups.push(second.dispose)
    const opened = await second.engine['capture.open']({ path })
    const again = await second.engine['http.exchanges']({ capture: opened.id, connId })
    expect(again).toEqual(live)
    let list = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: 100 })
    while (list.scan) list = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: 100 })
    expect(list).toEqual(liveList)
    expect(await body(second.engine, opened.id, connId, 0, 'response')).toEqual(liveBody)
  })
})
