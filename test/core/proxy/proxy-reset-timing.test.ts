// A reset stays a reset however it arrives: together with the last data (libuv then
// reports an end, see confirmFin in node-internals.ts), while the proxy is paused by
// backpressure, or before the upstream has even connected. The other side gets every byte
// that came before the RST, then the RST; the capture says who reset. The far ends are
// python3 peers, whose plain recv() calls tell a FIN from a reset exactly.
import { resolveSlowNamesLocally } from '../../helpers/local-dns'
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { once } from 'node:events'
import { connectTo, randomPayload, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents, closedConnections, expectSeqInOrder } from '../../helpers/capture-checks'
import { needProgram, programWorks } from '../../helpers/peers'
import { pyClient, pyServer, type PyServer } from '../../helpers/py-peer'

let t: TestEngine
const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'python3', programWorks('python3')))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function proxyTo(server: PyServer, host = '127.0.0.1'): Promise<number> {
  cleanups.push(() => server.close())
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `${host}:${server.port}` })
  return portOf(proxy.listen)
}

async function recorded(n: number, id: number): Promise<{ end: string; client: number; server: number; kinds: string[] }> {
  const conns = await closedConnections(t.engine, n)
  const conn = conns.find((c) => c.id === id)!
  const events = await allEvents(t.engine.capture, id)
  expectSeqInOrder(events)
  return { end: conn.end, client: conn.bytes.client, server: conn.bytes.server, kinds: events.map((e) => (e.dir ? `${e.kind}:${e.dir}` : e.kind)) }
}

describe('proxy: a reset that comes with data, or while paused', () => {
  it('data then RST from the client in one go: the server reads the data, then a reset (20 tries)', async () => {
    t = await testEngine()
    const server = await pyServer({ read: 0 })
    const port = await proxyTo(server)
    for (let i = 1; i <= 20; i++) {
      const client = await connectTo(port)
      client.on('error', () => {})
      client.write(`hello ${i}`)
      client.resetAndDestroy()
      const seen = await server.next()
      expect({ try: i, data: seen.data.toString(), end: seen.end }).toEqual({ try: i, data: `hello ${i}`, end: 'reset' })
      const rec = await recorded(i, i)
      expect(rec.end).toBe('client-reset')
      expect(rec.client).toBe(`hello ${i}`.length)
      expect(rec.kinds.filter((k) => k.startsWith('fin'))).toEqual([])
    }
  })

  it('data then RST from the server in one go: the client reads the data, then a reset (20 tries)', async () => {
    t = await testEngine()
    const server = await pyServer({ reset: Buffer.from('hello') })
    const port = await proxyTo(server)
    for (let i = 1; i <= 20; i++) {
      const seen = await pyClient(port, Buffer.from('!'))
      expect({ try: i, data: seen.data.toString(), end: seen.end }).toEqual({ try: i, data: 'hello', end: 'reset' })
      const rec = await recorded(i, i)
      expect(rec.end).toBe('server-reset')
      expect(rec.server).toBe(5)
      expect(rec.kinds).toContain('reset:server')
    }
  })

  it('a client that resets while the proxy is paused by backpressure: the server reads a prefix of what was recorded, then a reset', async () => {
    t = await testEngine()
    // The server reads nothing until told to (after the reset), so the proxy's buffers fill
    // and it pauses, however slow the machine is to see it.
    const server = await pyServer({ read: 60_000 })
    const port = await proxyTo(server)
    const client = await connectTo(port)
    // More than loopback's socket buffers on both legs take (several MiB each, autotuned),
    // so the proxy surely has to pause.
    const payload = randomPayload(32 * 1024 * 1024)
    client.on('error', () => {})
    client.write(payload)
    // Paused: what the proxy has read of the payload stops growing short of its end (the
    // rest waits in the kernel's buffers, which the proxy no longer reads).
    // Unchanged for 50 ms, longer than the engine takes to count a chunk it read.
    let read = -1
    let since = Date.now()
    await waitFor(() => {
      const now = t.engine.capture.connections()[0]?.bytes.client ?? 0
      if (now !== read) {
        read = now
        since = Date.now()
        return false
      }
      return now > 0 && now < payload.length && Date.now() - since >= 50
    }, 'the proxy to pause reading the client')
    client.resetAndDestroy()
    // Reset while paused: the server reads now, and the proxy meets the reset once it reads the client again.
    server.go()
    const seen = await server.next()
    const [conn] = await closedConnections(t.engine, 1)
    expect(conn.end).toBe('client-reset')
    expect(seen.end).toBe('reset')
    // What the client sent, as far as the proxy read it; the server gets those bytes in
    // order, up to what the kernel still held for it when the RST went out (an RST discards
    // the sender's unsent bytes, as the client's own RST discarded the rest of its 32 MiB).
    expect(conn.bytes.client).toBeGreaterThan(0)
    expect(seen.data.length).toBeGreaterThan(0)
    expect(seen.data.length).toBeLessThanOrEqual(conn.bytes.client)
    expect(seen.data.equals(payload.subarray(0, seen.data.length))).toBe(true)
    const recordedBytes = await t.engine.capture.readBytes(conn.id, 'client', 0, conn.bytes.client)
    expect(recordedBytes.equals(payload.subarray(0, conn.bytes.client))).toBe(true)
  })

  it('a client that resets before the upstream connect completes: the server sees the connection reset, and the capture records it connected', async () => {
    onTestFinished(resolveSlowNamesLocally(300))
    t = await testEngine()
    const server = await pyServer({ read: 0 })
    const port = await proxyTo(server, 'upstream.slow.test')
    const client = await connectTo(port)
    client.on('error', () => {})
    client.write('early')
    // The proxy has started its connect, which waits on the slow name: reset before it lands.
    await waitFor(() => t.engine.capture.connections().length === 1, 'the proxy to accept')
    client.resetAndDestroy()
    const seen = await server.next()
    expect({ data: seen.data.toString(), end: seen.end }).toEqual({ data: 'early', end: 'reset' })
    const rec = await recorded(1, 1)
    expect(rec.end).toBe('client-reset')
    expect(rec.kinds).toContain('connected')
    expect(rec.kinds.filter((k) => k.startsWith('fin'))).toEqual([])
  })

  it('a FIN is still a FIN: data then a clean end reaches the server as data then FIN, 20 times', async () => {
    t = await testEngine()
    const server = await pyServer({ read: 0 })
    const port = await proxyTo(server)
    for (let i = 1; i <= 20; i++) {
      const client = await connectTo(port)
      client.resume()
      client.end(`bye ${i}`)
      const seen = await server.next()
      expect({ data: seen.data.toString(), end: seen.end }).toEqual({ data: `bye ${i}`, end: 'fin' })
      await once(client, 'close')
      expect((await recorded(i, i)).end).toBe('closed')
    }
  })
})

describe('session connections: a reset that comes with data', () => {
  it('a server session records a client that sends data and resets in one go as a client reset, 20 times', async () => {
    t = await testEngine()
    const info = await t.engine['server.start']({ listen: '127.0.0.1:0' })
    for (let i = 1; i <= 20; i++) {
      const client = await connectTo(portOf(info.listen))
      client.on('error', () => {})
      client.write(`hello ${i}`)
      client.resetAndDestroy()
      const rec = await recorded(i, i)
      expect({ try: i, end: rec.end, client: rec.client }).toEqual({ try: i, end: 'client-reset', client: `hello ${i}`.length })
      expect(rec.kinds.filter((k) => k === 'fin:client')).toEqual([])
    }
  })
})
