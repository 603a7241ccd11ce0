// A capture file of many short connections (one exchange each, Node's http client without
// keep-alive through the proxy) is decoded whole: its connections are decoded many at once
// and window by window, and every exchange is listed once, each with its own connection.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, request } from 'node:http'
import { once } from 'node:events'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allClosed } from './decode-peers'

/** Enough that the file (about 1 MiB) spans several of decoding's windows (the first is 256 KiB). */
const CONNECTIONS = 3000
const PARALLEL = 32

const engines: TestEngine[] = []
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  for (const t of engines.splice(0)) await t.dispose()
})

function get(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { Connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', resolve)
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a capture file of many short connections', () => {
  it(`lists every exchange of ${CONNECTIONS} one-exchange connections once, each on its own connection`, async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ path: req.url }))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const t = await testEngine()
    engines.push(t)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
    let next = 0
    const client = async (): Promise<void> => {
      while (next < CONNECTIONS) await get(portOf(proxy.listen), `/items/${next++}`)
    }
    await Promise.all(Array.from({ length: PARALLEL }, client))
    await allClosed(t.engine, CONNECTIONS)
    const path = t.capturePath
    await t.engine.close()

    const second = await testEngine()
    engines.push(second)
    const opened = await second.engine['capture.open']({ path })
    let page: ExchangeListPage
    do page = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: CONNECTIONS, sort: 'path' })
    while (page.scan)
    expect(page.total).toBe(CONNECTIONS)
    const paths = page.rows.map((r) => r.path)
    expect(new Set(paths).size).toBe(CONNECTIONS)
    expect(paths.filter((p) => !/^\/items\/\d+$/.test(p ?? ''))).toEqual([])
    expect(new Set(page.rows.map((r) => r.connId)).size).toBe(CONNECTIONS)
    expect(page.rows.every((r) => r.index === 0 && r.status === 200 && r.state === 'complete' && r.method === 'GET')).toBe(true)
  }, 60_000)
})
