// A capture file's decoding reads its big windows with O_DIRECT (capture/read/direct-reads.ts)
// and lists every exchange as it would through the page cache: each request's own path,
// status, body size and connection, whatever window its records fell in.
import { afterEach, describe, expect, it } from 'vitest'
import { Agent, createServer, request } from 'node:http'
import { once } from 'node:events'
import { statSync } from 'node:fs'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import { readStats } from '../../../src/core/capture/read/capture-reader'
import { tmpdir } from 'node:os'
import { directReadsIn } from '../../helpers/direct-io'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { needProgram } from '../../helpers/peers'
import { allClosed } from './decode-peers'

const MiB = 1024 * 1024
/** About 9 MiB of file: past decoding's small windows (256 KiB, doubling) into those read with O_DIRECT (1 MiB and up). */
const EXCHANGES = 2000
const CONNECTIONS = 8
const BODY = 4096

const engines: TestEngine[] = []
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  for (const t of engines.splice(0)) await t.dispose()
})

function get(agent: Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let n = 0
      res.on('data', (d: Buffer) => (n += d.length))
      res.on('end', () => resolve(n))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a capture file decoded through windows read with O_DIRECT', () => {
  it(`lists all ${EXCHANGES} exchanges of ${CONNECTIONS} keep-alive connections, each as recorded`, async (ctx) => {
    needProgram(ctx, 'O_DIRECT reads in the temp folder (Linux, a file system that takes them)', await directReadsIn(tmpdir()))
    const server = createServer((req, res) => {
      const n = Number(/\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0)
      res.writeHead(200 + (n % 3), { 'Content-Type': 'application/octet-stream', 'Content-Length': BODY + (n % 7) })
      res.end(Buffer.alloc(BODY + (n % 7), n % 251))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const t = await testEngine()
    engines.push(t)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
    let next = 0
    const client = async (): Promise<void> => {
      while (next < EXCHANGES) {
        const n = next++
        expect(await get(agent, portOf(proxy.listen), `/items/${n}`)).toBe(BODY + (n % 7))
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, client))
    agent.destroy()
    await allClosed(t.engine, CONNECTIONS)
    const path = t.capturePath
    await t.engine.close()
    expect(statSync(path).size).toBeGreaterThan(8 * MiB)

    const second = await testEngine()
    engines.push(second)
    const before = readStats.direct
    const opened = await second.engine['capture.open']({ path })
    let page: ExchangeListPage
    do page = await second.engine['exchange.page']({ capture: opened.id, offset: 0, limit: EXCHANGES, sort: 'path' })
    while (page.scan)
    // The windows of 1 MiB and more: all but the first few hundred KiB of the file.
    expect(readStats.direct - before).toBeGreaterThan(6 * MiB)
    expect(page.total).toBe(EXCHANGES)
    const seen = page.rows.map((r) => {
      const n = Number(/^\/items\/(\d+)$/.exec(r.path ?? '')?.[1] ?? -1)
      return [n, r.status === 200 + (n % 3), r.responseSize === BODY + (n % 7), r.state, r.method]
    })
    expect(seen.filter(([, status, size, state, method]) => !status || !size || state !== 'complete' || method !== 'GET')).toEqual([])
    expect(new Set(seen.map(([n]) => n)).size).toBe(EXCHANGES)
    expect(new Set(page.rows.map((r) => r.connId)).size).toBe(CONNECTIONS)
  }, 60_000)
})
