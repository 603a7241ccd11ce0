// `tcpscope proxy --workers 2`: Ctrl-C under load leaves a complete capture of every
// thread's connections; on a Node without SO_REUSEPORT it says so in one line and runs one thread.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { connectTo, startServer, tempDir } from '../helpers/net'
import { startCliProxy } from '../helpers/cli-proxy'
import { FileCapture } from '../../src/core/capture/file-capture'
import { allEvents, expectDataTiles, expectSeqInOrder } from '../helpers/capture-checks'
import { reusePortSupported } from '../../src/core/proxy/workers/worker-count'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** An echo server whose sockets are closed with the test. */
async function echoServer(): Promise<number> {
  const sockets = new Set<Socket>()
  const server = await startServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.pipe(s)
  })
  cleanups.push(server.close)
  cleanups.push(() => sockets.forEach((s) => s.destroy()))
  return server.port
}

describe('tcpscope proxy --workers', () => {
  it.skipIf(!reusePortSupported())('Ctrl-C under load on two threads leaves a complete capture of every connection', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const capture = join(dir, 'workers.tcap')
    const port = await echoServer()
    const proxy = await startCliProxy({ target: `127.0.0.1:${port}`, capture, extra: ['--workers', '2'] })
    cleanups.push(async () => void (await proxy.stop('SIGKILL')))
    const clients: Socket[] = []
    cleanups.push(() => clients.forEach((c) => c.destroy()))
    let echoed = 0
    const echoedBy = new Array<number>(60).fill(0)
    // Sixty clients keep sending and reading echoes until the proxy stops.
    for (let i = 0; i < 60; i++) {
      const c = await connectTo(proxy.port)
      c.on('error', () => {})
      clients.push(c)
      const chunk = Buffer.alloc(16 * 1024, i)
      c.on('data', (d: Buffer) => {
        echoed += d.length
        echoedBy[i] += d.length
        if (!c.destroyed && !c.writableEnded) c.write(chunk)
      })
      c.write(chunk)
    }
    // Bytes are flowing through both threads' connections, and every client has had an
    // echo: a connection still in a listener's accept queue is not yet the proxy's, and a
    // stop drops it unrecorded (the kernel resets it).
    await expect.poll(() => echoedBy.every((n) => n > 0)).toBe(true)
    await expect.poll(() => echoed).toBeGreaterThan(4 * 1024 * 1024)
    expect(await proxy.stop('SIGINT')).toBe(0)
    expect(proxy.stderr()).toBe('')

    const file = await FileCapture.open(capture)
    cleanups.push(() => file.close())
    expect(file.info().indexProblem).toBeUndefined()
    const conns = await file.listConnections()
    expect(conns).toHaveLength(60)
    expect(new Set(conns.map((c) => c.id)).size).toBe(60)
    for (const c of conns) {
      // Every connection has its ending, none is cut: the workers' last batches came in before the index was stored.
      expect(c.end).toBe('stopped')
      expect(c.bytes.client).toBeGreaterThan(0)
      const events = await allEvents(file, c.id)
      expectSeqInOrder(events)
      expectDataTiles(events, 'client', c.bytes.client)
      expectDataTiles(events, 'server', c.bytes.server)
    }
  })

  it.skipIf(reusePortSupported())('says in one line that it runs one thread on a Node without SO_REUSEPORT', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const port = await echoServer()
    const proxy = await startCliProxy({ target: `127.0.0.1:${port}`, capture: join(dir, 'one.tcap'), extra: ['--workers', 'auto'] })
    cleanups.push(async () => void (await proxy.stop('SIGKILL')))
    await expect.poll(() => proxy.stderr()).toMatch(/^tcpscope: --workers needs Node 22\.12\+ on Linux \(this is Node [\d.]+ on linux\); running one thread\n$/)
    expect(await proxy.stop('SIGINT')).toBe(0)
  })
})
