// The toxics that reshape time, on real sockets, with figures inside a tolerance: latency
// adds its delay to a round trip, bandwidth holds a transfer near its rate, slicer's pieces
// reach the peer as separate reads, slow_close delays the FIN after the last byte. Each
// leaves its `fault` record on the connection.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Socket } from 'node:net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { randomPayload, waitFor } from '../../helpers/net'
import { captured, closedSummary, SocketReader } from '../../helpers/sessions'
import { addToxic, connected, faultInfos, faultMessages, lastConnId, proxyTo, roundTrip } from './toxic-helpers'

let t: TestEngine
const cleanups: Array<() => unknown> = []
beforeEach(async () => {
  t = await testEngine()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t.dispose()
})

async function echoProxy(): Promise<string> {
  const p = await proxyTo(t.engine)
  cleanups.push(p.close)
  return `${p.proxyId}:${p.port}`
}
const split = (s: string): [string, number] => [s.split(':')[0], Number(s.split(':')[1])]

describe('latency', () => {
  it('adds its delay to a round trip, and records it per delayed chunk', async () => {
    const [proxyId, port] = split(await echoProxy())
    await addToxic(t.engine, proxyId, { type: 'latency', attributes: { latency: 200, jitter: 20 } })
    const client = await connected(port)
    cleanups.push(() => client.destroy())
    const rtt = await roundTrip(client)
    expect(rtt).toBeGreaterThanOrEqual(170)
    expect(rtt).toBeLessThan(2000)
    const id = await lastConnId(t.engine)
    await expect.poll(async () => (await faultMessages(t.engine, id))[0]).toMatch(/^delayed (1[89]\d|2[0-2]\d) ms$/)
    // The same in fields, for a front end to say in its own language.
    const [first] = await faultInfos(t.engine, id)
    expect(first).toMatchObject({ effect: 'delayed', ms: Number(/\d+/.exec(String(first.message))![0]) })
  })

  it('keeps the order of chunks however the jitter falls', async () => {
    const [proxyId, port] = split(await echoProxy())
    await addToxic(t.engine, proxyId, { type: 'latency', stream: 'upstream', attributes: { latency: 30, jitter: 30 } })
    const client = await connected(port)
    cleanups.push(() => client.destroy())
    const reader = new SocketReader(client)
    const sent: Buffer[] = []
    for (let i = 0; i < 40; i++) {
      const b = Buffer.from(`chunk ${i};`)
      sent.push(b)
      client.write(b)
      await new Promise((r) => setTimeout(r, 2))
    }
    const all = Buffer.concat(sent)
    expect((await reader.atLeast(all.length)).equals(all)).toBe(true)
  })
})

describe('bandwidth', () => {
  it('holds a few hundred KB within 15% of its rate, bytes exact', async () => {
    const payload = randomPayload(300_000)
    const p = await proxyTo(t.engine, (s) => s.end(payload))
    cleanups.push(p.close)
    await addToxic(t.engine, p.proxyId, { type: 'bandwidth', attributes: { rate: 300 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const start = performance.now()
    const reader = new SocketReader(client)
    await waitFor(() => reader.ended, 'the whole payload', 20_000)
    const seconds = (performance.now() - start) / 1000
    expect(reader.bytes.equals(payload)).toBe(true)
    const kbPerSecond = payload.length / 1000 / seconds
    expect(kbPerSecond).toBeGreaterThan(300 * 0.85)
    expect(kbPerSecond).toBeLessThan(300 * 1.15)
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toContain('throttled to 300 KB/s')
  })

  it('keeps what it holds bounded: a fast sender is not read on while the link is slow', async () => {
    let serverSide: Socket | undefined
    const p = await proxyTo(t.engine, (s) => {
      serverSide = s
      s.resume()
    })
    cleanups.push(p.close)
    await addToxic(t.engine, p.proxyId, { type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const big = randomPayload(1024 * 1024)
    for (let i = 0; i < 16; i++) client.write(big)
    await waitFor(() => serverSide, 'the server to accept')
    await new Promise((r) => setTimeout(r, 1500))
    // Read from the client so far (recorded before the stage): the stage's bound plus the
    // sockets' buffers, not the 16 MiB the client queued.
    const id = await lastConnId(t.engine)
    const read = t.engine.capture.connections().find((c) => c.id === id)!.bytes.client
    expect(read).toBeLessThan(6 * 1024 * 1024)
    expect(client.writableLength).toBeGreaterThan(8 * 1024 * 1024)
  })
})

describe('slicer', () => {
  it('halves a chunk until each piece is at most average + variation (Toxiproxy: 1000 B by 100 gives 16), read one by one, bytes exact', async () => {
    const reads: number[] = []
    const got: Buffer[] = []
    const p = await proxyTo(t.engine, (s) =>
      s.on('data', (c: Buffer) => {
        reads.push(c.length)
        got.push(c)
      })
    )
    cleanups.push(p.close)
    // 30 ms between pieces (Toxiproxy's delay is in microseconds): each its own read on loopback.
    await addToxic(t.engine, p.proxyId, { type: 'slicer', stream: 'upstream', attributes: { average_size: 100, size_variation: 0, delay: 30_000 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const payload = randomPayload(1000)
    client.write(payload)
    await waitFor(() => Buffer.concat(got).length >= 1000, 'the sliced payload', 10_000)
    expect(Buffer.concat(got).equals(payload)).toBe(true)
    // The pieces went one by one (the record below counts them); a loaded machine may merge
    // several into one read, but not all of them, and some piece arrives alone.
    expect(reads.length).toBeGreaterThanOrEqual(2)
    expect(Math.min(...reads)).toBeLessThanOrEqual(63)
    const id = await lastConnId(t.engine)
    expect(await faultMessages(t.engine, id)).toContain('sliced into 16 pieces')
    // The capture holds what the client sent, as one chunk, before the stage.
    expect((await captured(t.engine, id, 'client')).equals(payload)).toBe(true)
  })
})

describe('slow_close', () => {
  it('delays the FIN, not the bytes before it', async () => {
    const p = await proxyTo(t.engine, (s) => s.end('bye'))
    cleanups.push(p.close)
    await addToxic(t.engine, p.proxyId, { type: 'slow_close', attributes: { delay: 1000 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const start = performance.now()
    const reader = new SocketReader(client)
    await reader.contains('bye')
    const bytesAt = performance.now() - start
    await waitFor(() => reader.ended, 'the FIN')
    const finAt = performance.now() - start
    // The bytes well before the FIN, with room for a loaded machine's stall.
    expect(bytesAt).toBeLessThan(700)
    expect(finAt).toBeGreaterThanOrEqual(950)
    client.end()
    const id = await lastConnId(t.engine)
    await closedSummary(t.engine, id)
    expect(await faultMessages(t.engine, id)).toEqual(['FIN delayed 1000 ms'])
  })
})
