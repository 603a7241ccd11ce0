// A big Content-Length download is decoded without its body being read: the decoder says
// where it wants bytes from, and the feed never reads below that (readStats counts reads).
import { afterEach, describe, expect, it } from 'vitest'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { readStats } from '../../../src/core/capture/read/capture-reader'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { needPeer } from '../../helpers/peers'
import { allClosed, curl } from './decode-peers'

const MiB = 1024 * 1024
/** Big enough that reading it would show; small enough for two shared cores and the disk. */
const SIZE = 256 * MiB

let t: TestEngine | undefined
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

describe('decoding skips what it does not need', () => {
  it(`decodes a ${SIZE / MiB} MiB Content-Length download reading only its head, and serves a window at its end`, async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const piece = Buffer.alloc(MiB)
    for (let i = 0; i < piece.length; i++) piece[i] = i % 251
    const server = createServer(async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE })
      for (let sent = 0; sent < SIZE; sent += MiB) if (!res.write(piece)) await once(res, 'drain')
      res.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    // readStats counts the whole process's reads: this test's are those from here on.
    const readBefore = readStats.bytes
    t = await testEngine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${(server.address() as { port: number }).port}` })
    await curl(['-o', '/dev/null', `http://127.0.0.1:${portOf(proxy.listen)}/big.bin`])
    await allClosed(t.engine, 1)
    const connId = t.engine.capture.connections()[0].id
    // Live: decoded in the background while it was recorded.
    let list = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })
    while (list.scan) list = await t.engine['exchange.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(list.rows.map((r) => [r.path, r.status, r.responseSize, r.state])).toEqual([['/big.bin', 200, SIZE, 'complete']])
    expect(readStats.bytes - readBefore).toBeLessThan(4 * MiB)

    // From the file, asked cold: the exchange in full, and the body's last bytes.
    const path = t.capturePath
    await t.engine.close()
    const second = await testEngine()
    cleanups.push(second.dispose)
    const opened = await second.engine['capture.open']({ path })
    const before = readStats.bytes
    const page = await second.engine['http.exchanges']({ capture: opened.id, connId })
    const response = page.exchanges[0].response!
    expect([response.status, response.body.framing, response.body.size, response.body.complete]).toEqual([200, 'length', SIZE, true])
    const tail = await second.engine['http.body']({ capture: opened.id, connId, exchange: 0, part: 'response', offset: SIZE - 100, length: 1000 })
    expect([tail.bytes.length, tail.end, tail.total]).toEqual([100, true, SIZE])
    expect(Buffer.from(tail.bytes).equals(piece.subarray(MiB - 100))).toBe(true)
    expect(readStats.bytes - before).toBeLessThan(2 * MiB)
  })
})
