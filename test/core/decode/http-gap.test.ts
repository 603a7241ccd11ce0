// An HTTP exchange whose body crosses a gap (bytes forwarded but not kept: the capture's
// disk was slower than the traffic) is incomplete, never decoded from wrong offsets, and
// never complete, even when its body is delimited by the connection's close.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, request } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import { listen, randomPayload, tempDir } from '../../helpers/net'
import { portOf } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const BODY = randomPayload(4 * 1024 * 1024)

/** GET `path` through `port`; resolves with the status and the body's size, once the response ends. */
function get(port: number, path: string): Promise<{ status: number; size: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let size = 0
      res.on('data', (d: Buffer) => (size += d.length))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, size }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

describe('HTTP decoding across a gap', () => {
  it('marks a Content-Length body and a body delimited by close incomplete when the capture has a gap in them', async () => {
    const server = createServer((req, res) => {
      // /close: no length, so the body is whatever comes before the server closes.
      if (req.url === '/close') res.writeHead(200, { connection: 'close' })
      else res.writeHead(200, { 'content-length': BODY.length })
      res.end(BODY)
    })
    const port = await listen(server)
    cleanups.push(() => new Promise((r) => server.close(r)))
    for (const path of ['/length', '/close']) {
      const { dir, cleanup } = tempDir()
      cleanups.push(cleanup)
      // A writer that writes nothing until asked, past a small bound: the body is dropped after its first piece.
      const engine = await Engine.create({ capturePath: join(dir, 'http.tcap'), liveDecoding: false, writeMode: 'buffered', whenDiskIsSlow: 'drop', highWater: 16 * 1024, lowWater: 4 * 1024, batchBytes: 1 << 30, maxDelayMs: 600_000 })
      cleanups.push(() => engine.close())
      const proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
      expect(await get(portOf(proxy.listen), path)).toEqual({ status: 200, size: BODY.length })
      const [conn] = await closedConnections(engine, 1)
      expect(conn.notKept?.server ?? 0).toBeGreaterThan(0)
      const page = await engine['http.exchanges']({ capture: 'live', connId: conn.id, from: 0, limit: 10 })
      expect(page.exchanges).toHaveLength(1)
      const [ex] = page.exchanges
      expect(ex.response?.status).toBe(200)
      expect(ex.state).toBe('incomplete')
      // The body is what came before the gap, said to be incomplete: nothing after it is read as its bytes.
      const body = ex.response!.body!
      expect(body.complete).toBe(false)
      expect(body.range.offset + body.range.length).toBeLessThanOrEqual(conn.bytes.server - conn.notKept!.server)
      const piece = await engine['http.body']({ capture: 'live', connId: conn.id, exchange: 0, part: 'response', offset: 0, length: BODY.length })
      expect(piece.bytes.length).toBeLessThan(BODY.length)
      expect(Buffer.from(piece.bytes).equals(BODY.subarray(0, piece.bytes.length))).toBe(true)
      // HAR has the exchange, its body what was kept before the gap, and says why it is incomplete.
      const har = join(dir, 'gap.har')
      await engine['capture.export']({ capture: 'live', format: 'har', path: har })
      const [entry] = JSON.parse(readFileSync(har, 'utf8')).log.entries
      expect(entry.response.status).toBe(200)
      expect(entry.comment).toBe('exchange incomplete; the capture did not keep all of its bytes (the disk was slower than the traffic)')
      expect(Buffer.from(entry.response.content.text, 'base64').equals(BODY.subarray(0, piece.bytes.length))).toBe(true)
    }
  })
})
