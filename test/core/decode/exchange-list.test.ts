// The exchange list across a capture (exchange.page) and the connection list's protocol
// words, over real curl traffic through the proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import type { ConnectionPage } from '../../../src/shared/capture-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import type { Socket } from 'node:net'
import { connectTo } from '../../helpers/net'
import { infoWords } from '../../../src/shared/info-words'
import { hasProgram, needPeer } from '../../helpers/peers'
import { userRefusal } from '../../helpers/errors'
import { allClosed, curl, startHttpServer } from './decode-peers'

let t: TestEngine
let close: () => Promise<void>
/** The connections: curl's items session, curl's api session, a raw one. */
let ids: number[]

beforeAll(async () => {
  if (!hasProgram('curl')) return
  t = await testEngine()
  const server = await startHttpServer()
  close = server.close
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const base = `http://127.0.0.1:${portOf(proxy.listen)}`
  await curl(Array.from({ length: 10 }, (_, i) => `${base}/items/${i}`))
  await curl(['-H', 'Host: api.example', `${base}/missing`, '--next', '-H', 'Host: api.example', `${base}/json`, '--next', '-H', 'Host: api.example', '--data-binary', 'x=1', `${base}/upload`])
  const raw = await connectTo(portOf(proxy.listen))
  raw.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]))
  await allClosed(t.engine, 3)
  ids = t.engine.capture.connections().map((c) => c.id)
})
afterAll(async () => {
  await close?.()
  await t?.dispose()
})

async function exchanges(filter?: string, more: { sort?: 'start' | 'path' | 'status' | 'conn' | 'method'; descending?: boolean; offset?: number; limit?: number } = {}): Promise<ExchangeListPage> {
  for (;;) {
    const page = await t.engine['exchange.page']({ capture: 'live', offset: more.offset ?? 0, limit: more.limit ?? 100, filter, sort: more.sort, descending: more.descending })
    if (!page.scan) return page
  }
}

async function conns(filter: string): Promise<number[]> {
  let page: ConnectionPage
  do page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 100, filter })
  while (page.scan)
  return page.rows.map((r) => r.id)
}

describe('exchange.page', () => {
  it('lists every exchange of the capture, filtered, sorted and paged', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const all = await exchanges()
    expect([all.total, all.of]).toEqual([13, 13])
    expect(all.rows.slice(0, 2).map((r) => [r.connId, r.index, r.method, r.path, r.status])).toEqual([
      [ids[0], 0, 'GET', '/items/0', 200],
      [ids[0], 1, 'GET', '/items/1', 200]
    ])
    expect(all.rows.every((r, i) => i === 0 || r.startedAt >= all.rows[i - 1].startedAt)).toBe(true)
    const post = await exchanges('method:post')
    expect(post.rows.map((r) => [r.connId, r.host, r.path, r.status, r.requestSize])).toEqual([[ids[1], 'api.example', '/upload', 201, 3]])
    expect((await exchanges('status:4xx')).rows.map((r) => r.path)).toEqual(['/missing'])
    expect((await exchanges('status:404')).total).toBe(1)
    expect((await exchanges('status:200-299')).total).toBe(12)
    expect((await exchanges('type:json')).total).toBe(11)
    expect((await exchanges('host:api.example')).total).toBe(3)
    expect((await exchanges('path:/items')).total).toBe(10)
    expect((await exchanges('items')).total).toBe(10)
    expect((await exchanges('api.example -method:get')).total).toBe(1)
    expect((await exchanges(`conn:${ids[1]}`)).rows.map((r) => r.index)).toEqual([0, 1, 2])
    const byPath = await exchanges(undefined, { sort: 'path', descending: true, limit: 3 })
    expect(byPath.rows.map((r) => r.path)).toEqual(['/upload', '/missing', '/json'])
    expect(byPath.total).toBe(13)
    const byStatus = await exchanges(undefined, { sort: 'status', descending: true, limit: 2 })
    expect(byStatus.rows.map((r) => r.status)).toEqual([404, 201])
    const second = await exchanges('path:/items', { sort: 'path', offset: 4, limit: 3 })
    expect(second.rows.map((r) => r.path)).toEqual(['/items/4', '/items/5', '/items/6'])
    expect(second.offset).toBe(4)
  })

  it('refuses a bad word in one line', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    expect((await userRefusal(exchanges('status:abc'))).message).toMatch(/status:abc/)
    expect((await userRefusal(exchanges('colour:red'))).message).toMatch(/unknown filter word "colour:"/)
    expect((await userRefusal(exchanges('conn:x'))).message).toMatch(/conn:x/)
  })
})

describe('the connection list’s protocol words', () => {
  it('filters connections by protocol, method, host, path, status and content type', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    expect(await conns('proto:http')).toEqual([ids[0], ids[1]])
    expect(await conns('proto:tls')).toEqual([ids[2]])
    expect(await conns('-proto:http')).toEqual([ids[2]])
    expect(await conns('method:POST')).toEqual([ids[1]])
    expect(await conns('status:404')).toEqual([ids[1]])
    expect(await conns('status:2xx')).toEqual([ids[0], ids[1]])
    expect(await conns('type:json')).toEqual([ids[0], ids[1]])
    expect(await conns('host:api.example')).toEqual([ids[1]])
    expect(await conns('path:/items/3')).toEqual([ids[0]])
    expect(await conns('proto:ws')).toEqual([])
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.map((r) => r.protocol?.protocol)).toEqual(['http1', 'http1', 'tls'])
    expect(page.rows[0].protocol?.exchanges).toBe(10)
  })

  it('finds a plain word in the Info column (the first exchange in short), case ignored, as well as in the endpoints', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.map((r) => r.protocol && infoWords(r.protocol))).toEqual([expect.stringMatching(/^GET \/items\/0 → 200 /), expect.stringMatching(/^GET \/missing → 404/), ''])
    expect(await conns('/items/0')).toEqual([ids[0]])
    expect(await conns('MISSING')).toEqual([ids[1]])
    expect(await conns('"get /missing → 404"')).toEqual([ids[1]])
    expect(await conns('-missing')).toEqual([ids[0], ids[2]])
    // The Info column shows a connection's first exchange: a later one's path is for path:.
    expect(await conns('upload')).toEqual([])
    expect(await conns('path:/upload')).toEqual([ids[1]])
    expect(await conns('127.0.0.1')).toEqual(ids)
  })

  it('refuses an unknown protocol or status in one line', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    expect((await userRefusal(conns('proto:quic'))).message).toMatch(/proto:quic/)
    expect((await userRefusal(conns('status:6'))).message).toMatch(/status:6/)
  })
})

describe('a plain word over a live connection', () => {
  it('finds what its Info column says now: the request alone, then the answer that came later', async () => {
    // The Info text a plain word reads is kept per connection (built for every row, it was most
    // of a new word's time over 100,000): an answer that comes later must make it again.
    const live = await testEngine()
    let answer!: (bytes: string) => void
    const { createServer } = await import('node:net')
    const accepted: Socket[] = []
    const server = createServer((s) => {
      accepted.push(s)
      s.once('data', () => (answer = (bytes) => s.end(bytes)))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    let client: Socket | undefined
    // A live capture is decoded a moment after its bytes come; a loaded machine can stretch that past a second.
    const patiently = { timeout: 20_000 }
    try {
      const proxy = await live.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
      client = await connectTo(portOf(proxy.listen))
      client.resume()
      client.write('GET /slow HTTP/1.1\r\nHost: teapot.test\r\n\r\n')
      const words = async (filter: string): Promise<number> => (await live.engine['conn.page']({ capture: 'live', offset: 0, limit: 10, filter })).total
      await expect.poll(() => words('/slow'), patiently).toBe(1)
      expect(await words('418')).toBe(0)
      await expect.poll(() => answer, patiently).toBeDefined()
      answer("HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\ntea")
      await expect.poll(() => words('418'), patiently).toBe(1)
      expect(await words('"→ 418 text/plain"')).toBe(1)
    } finally {
      // Ended whatever happened: the server's close waits for its connections (a failed
      // assertion left them open, and the test hung to its 60 s instead of saying what failed).
      client?.destroy()
      for (const s of accepted) s.destroy()
      await new Promise((r) => server.close(r))
      await live.dispose()
    }
  })
})
