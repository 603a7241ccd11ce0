// Each toxic as Toxiproxy's own Go code (toxics/*.go) defines it, driven through Toxiproxy's
// published Node client as a team's resilience test would, on real sockets: each test's
// name states what Toxiproxy does. No timing is asserted beyond "not before" and "well
// before" bounds wide enough for a loaded machine; what counts is order, bytes, and a reset
// versus a clean close.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client'
import { ToxiproxyApi } from '../../../src/core/toxiproxy/toxiproxy-api'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, outcomeOf, randomPayload, startServer, waitFor } from '../../helpers/net'
import { captured, settle, SocketReader } from '../../helpers/sessions'
import { faultMessages, lastConnId } from '../fault/toxic-helpers'

let t: TestEngine
let api: ToxiproxyApi
let client: Toxiproxy
const cleanups: Array<() => unknown> = []

beforeAll(async () => {
  t = await testEngine()
  api = await ToxiproxyApi.start(t.engine, { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, version: '0.1.0' })
  client = new Toxiproxy(`http://127.0.0.1:${api.port}`)
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(async () => {
  await api.stop()
  await t.dispose()
})

let named = 0
/** A Toxiproxy proxy to a server that hands each accepted socket to `handle` (default: echo). */
async function proxyTo(handle: (s: Socket) => void = (s) => s.pipe(s)): Promise<{ proxy: Proxy; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = []
  const server = await startServer((s) => {
    s.on('error', () => {})
    accepted.push(s)
    handle(s)
  })
  const proxy = await client.createProxy({ name: `p${named++}`, listen: '127.0.0.1:0', upstream: `127.0.0.1:${server.port}` })
  cleanups.push(server.close, () => proxy.remove())
  return { proxy, port: portOf(proxy.listen), accepted }
}

async function open(port: number): Promise<Socket> {
  const s = await connectTo(port)
  s.on('error', () => {})
  cleanups.push(() => s.destroy())
  return s
}

describe('reset_peer', () => {
  it('reset_peer: waits timeout after the first chunk (not after the connection opens), drops it and resets', async () => {
    const answer = randomPayload(300_000)
    const { proxy, port, accepted } = await proxyTo((s) => s.once('data', () => s.write(answer)))
    await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    const outcome = outcomeOf(c)
    // Idle for longer than the timeout: Toxiproxy's timer has not started, the connection stays open.
    await settle(400)
    expect(reader.closed).toBe(false)
    const asked = performance.now()
    c.write('GET /big\r\n')
    const server = outcomeOf(await waitFor(() => accepted[0], 'the server to accept'))
    expect((await outcome).error).toBe('ECONNRESET')
    expect(performance.now() - asked).toBeGreaterThanOrEqual(150)
    // The 300 KB answer is dropped: not a byte of it reaches the client, and no clean end either.
    expect(reader.bytes.length).toBe(0)
    expect((await outcome).ended).toBe(false)
    expect((await server).error).toBe('ECONNRESET')
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toEqual(['reset by toxic rst'])
  })

  it('reset_peer: an end of input counts as its first chunk: the connection is reset, not closed cleanly', async () => {
    const { proxy, port } = await proxyTo((s) => s.end())
    await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } })
    const outcome = await outcomeOf(await open(port))
    expect(outcome.error).toBe('ECONNRESET')
    expect(outcome.ended).toBe(false)
  })

  it('reset_peer: once it has its first chunk, removing the toxic (or another one) neither stops the reset nor brings it forward', async () => {
    const { proxy, port } = await proxyTo()
    const lag = await proxy.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } })
    const rst = await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 500 } })
    const c = await open(port)
    const outcome = outcomeOf(c)
    c.write('echo me')
    // The capture records a chunk before the toxics see it: once it holds the echo, reset_peer has it.
    const id = await lastConnId(t.engine)
    await expect.poll(async () => (await captured(t.engine, id, 'server')).length, { timeout: 10_000 }).toBeGreaterThan(0)
    const seen = performance.now()
    await rst.remove()
    await lag.remove()
    expect((await outcome).error).toBe('ECONNRESET')
    // Not before its time (100 ms of latency, then 500): the latency's removal lets data go early, not the reset.
    expect(performance.now() - seen).toBeGreaterThanOrEqual(300)
  })
})

describe('timeout', () => {
  it('timeout: drops data on the ground and closes (FIN) timeout after the last chunk it dropped', async () => {
    const { proxy, port, accepted } = await proxyTo()
    await proxy.addToxic({ name: 'to', type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 1000 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    const server = new SocketReader(await waitFor(() => accepted[0], 'the server to accept'))
    // Toxiproxy makes its timer anew for every chunk: writes 200 ms apart keep the connection open past its timeout.
    let lastWrite = 0
    for (let i = 0; i < 7; i++) {
      c.write(`chunk ${i}\n`)
      lastWrite = performance.now()
      await settle(200)
    }
    await waitFor(() => reader.ended, 'the client to get its FIN', 20_000)
    expect(performance.now() - lastWrite).toBeGreaterThanOrEqual(900)
    await waitFor(() => server.ended || server.closed, 'the server side to close')
    // Dropped, not held: nothing reached the server, and nothing came back.
    expect(server.bytes.length).toBe(0)
    expect(reader.bytes.length).toBe(0)
    const messages = await faultMessages(t.engine, await lastConnId(t.engine))
    expect(messages).toContain('closed by toxic to after 1000 ms')
  })

  it('timeout: at 0 drops the data until it is removed, and removing it closes the connection', async () => {
    const { proxy, port } = await proxyTo()
    const toxic = await proxy.addToxic({ name: 'hang', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    c.write('lost')
    await settle(300)
    expect(reader.closed || reader.ended).toBe(false)
    await toxic.remove()
    await waitFor(() => reader.ended, 'the client to get its FIN')
    // What came while it was in force was dropped, so it does not come out after the removal.
    expect(reader.bytes.length).toBe(0)
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toContain('closed by toxic hang: it was removed')
  })
})

describe('limit_data', () => {
  it('limit_data: passes exactly its bytes, counted across chunks, then closes', async () => {
    const { proxy, port, accepted } = await proxyTo((s) => s.resume())
    await proxy.addToxic({ name: 'cap', type: 'limit_data', stream: 'upstream', toxicity: 1, attributes: { bytes: 10 } })
    const c = await open(port)
    const server = new SocketReader(await waitFor(() => accepted[0], 'the server to accept'))
    c.write('abcdef')
    await server.atLeast(6)
    c.write('ghijklmnop')
    await waitFor(() => server.ended, 'the server to get its FIN')
    expect(server.text).toBe('abcdefghij')
  })
})

describe('slow_close', () => {
  it('slow_close: passes the bytes at once, and the FIN delay after them', async () => {
    const { proxy, port } = await proxyTo((s) => s.end('bye'))
    await proxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 500 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    await reader.contains('bye')
    const bytesAt = performance.now()
    await waitFor(() => reader.ended, 'the FIN')
    expect(performance.now() - bytesAt).toBeGreaterThanOrEqual(400)
    expect(reader.text).toBe('bye')
  })

  it('slow_close: removed while it holds the FIN, closes at once', async () => {
    const { proxy, port } = await proxyTo((s) => s.end('bye'))
    const slow = await proxy.addToxic({ name: 'slow', type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 30_000 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    await reader.contains('bye')
    await settle(200)
    expect(reader.ended).toBe(false)
    await slow.remove()
    // Well before the 30 s it was held for (waitFor gives up after 10 s).
    await waitFor(() => reader.ended, 'the FIN once the toxic is removed')
  })
})

describe('slicer', () => {
  it('slicer: halves a chunk until its pieces are at most average + variation (1000 B by 100: 16 pieces), bytes exact', async () => {
    const got: Buffer[] = []
    const { proxy, port } = await proxyTo((s) => s.on('data', (b: Buffer) => got.push(b)))
    await proxy.addToxic({ name: 'cut', type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 100, size_variation: 0, delay: 10_000 } })
    const c = await open(port)
    const payload = randomPayload(1000)
    c.write(payload)
    await waitFor(() => Buffer.concat(got).length >= 1000, 'the sliced payload')
    expect(Buffer.concat(got).equals(payload)).toBe(true)
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toContain('sliced into 16 pieces')
  })
})

describe('bandwidth', () => {
  it('bandwidth: sends rate*100 bytes (100 ms worth) at a time, in order and bytes exact, not faster than its rate', async () => {
    const body = randomPayload(50_000)
    const { proxy, port } = await proxyTo((s) => s.once('data', () => s.write(body)))
    // 100 KB/s: pieces of 10,000 bytes, 100 ms apart; 50 KB takes 500 ms.
    await proxy.addToxic({ name: 'bw', type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 100 } })
    const c = await open(port)
    const got: Buffer[] = []
    c.on('data', (b: Buffer) => got.push(b))
    const asked = performance.now()
    c.write('go')
    await waitFor(() => Buffer.concat(got).length >= body.length, 'the throttled body')
    expect(performance.now() - asked).toBeGreaterThanOrEqual(400)
    expect(Buffer.concat(got).equals(body)).toBe(true)
  })
})

describe('latency', () => {
  it('latency: delays each chunk from when it was read, keeps the order, and passes what it holds at once when removed', async () => {
    const { proxy, port } = await proxyTo()
    const lag = await proxy.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 100 } })
    const c = await open(port)
    const reader = new SocketReader(c)
    const sent = performance.now()
    for (let i = 0; i < 20; i++) c.write(`${String(i).padStart(2, '0')};`)
    await reader.atLeast(60)
    expect(performance.now() - sent).toBeGreaterThanOrEqual(150)
    expect(reader.text).toBe(Array.from({ length: 20 }, (_, i) => `${String(i).padStart(2, '0')};`).join(''))
    // A long latency, removed while it holds a chunk: the chunk comes out at once, as Toxiproxy's interrupted latency sends it.
    await lag.update({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 30_000, jitter: 0 } })
    c.write('held')
    await settle(200)
    expect(reader.text.endsWith('held')).toBe(false)
    await lag.remove()
    // Well before the 30 s it was held for (contains gives up after 10 s).
    await reader.contains('held')
  })
})

describe('a toxic added to an open connection', () => {
  it('reset_peer added live acts on the next chunk of the open connection', async () => {
    const { proxy, port } = await proxyTo()
    const c = await open(port)
    const reader = new SocketReader(c)
    c.write('before')
    await reader.contains('before')
    const outcome = outcomeOf(c)
    await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } })
    c.write('after')
    expect((await outcome).error).toBe('ECONNRESET')
    expect(reader.text).toBe('before')
  })
})
