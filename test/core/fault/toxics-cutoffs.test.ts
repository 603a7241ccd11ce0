// The toxics that cut a connection short or spoil it, on real sockets: reset_peer drops the
// first chunk and resets both sides after its timeout, limit_data passes exactly its bytes
// and closes, timeout drops the data and closes (at 0 only when removed), down refuses new
// connections, corrupt flips bits in what the peer gets while the capture keeps what was sent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, outcomeOf, randomPayload, waitFor } from '../../helpers/net'
import { captured, closedSummary, settle, SocketReader } from '../../helpers/sessions'
import { addToxic, connected, faultInfos, faultMessages, lastConnId, proxyTo, roundTrip, type ToxicProxy } from './toxic-helpers'

let t: TestEngine
const cleanups: Array<() => unknown> = []
beforeEach(async () => {
  t = await testEngine()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t.dispose()
})

async function proxy(handle?: (s: Socket) => void): Promise<ToxicProxy> {
  const p = await proxyTo(t.engine, handle)
  cleanups.push(p.close)
  return p
}

describe('reset_peer', () => {
  it('waits its timeout after the first chunk, drops it and resets both sides: the client sees ECONNRESET', async () => {
    const p = await proxy()
    await addToxic(t.engine, p.proxyId, { type: 'reset_peer', attributes: { timeout: 150 } })
    const client = await connectTo(p.port)
    const reader = new SocketReader(client)
    const outcome = outcomeOf(client)
    const server = outcomeOf(await waitFor(() => p.accepted[0], 'the server to accept'))
    // Nothing happens to an idle connection: the timeout starts with the first chunk.
    await settle(300)
    expect(reader.closed).toBe(false)
    client.write('echo me')
    expect((await outcome).error).toBe('ECONNRESET')
    expect(reader.bytes.length).toBe(0)
    expect((await server).error).toBe('ECONNRESET')
    const id = await lastConnId(t.engine)
    // tcpscope's own reset, told apart from a proxy stopping, with what made it and to whom.
    expect(await closedSummary(t.engine, id)).toMatchObject({ end: 'tcpscope-reset', changed: { reset: { by: 'toxic', rst: { client: true, server: true } } } })
    expect(await faultMessages(t.engine, id)).toEqual(['reset by toxic reset_peer_downstream'])
    expect((await faultInfos(t.engine, id))[0]).toMatchObject({ toxic: 'reset_peer_downstream', type: 'reset_peer', effect: 'reset' })
  })
})

describe('limit_data', () => {
  it('passes exactly its bytes, then closes both sides', async () => {
    const payload = randomPayload(5000)
    const p = await proxy((s) => s.write(payload))
    await addToxic(t.engine, p.proxyId, { type: 'limit_data', attributes: { bytes: 1000 } })
    const client = await connected(p.port)
    const reader = new SocketReader(client)
    // The client's socket is half-open (allowHalfOpen): the FIN is what it sees.
    await waitFor(() => reader.ended, 'the client to get its FIN')
    cleanups.push(() => client.destroy())
    expect(reader.bytes.equals(payload.subarray(0, 1000))).toBe(true)
    const id = await lastConnId(t.engine)
    await closedSummary(t.engine, id)
    expect(await faultMessages(t.engine, id)).toEqual(['limited at 1000 B, closed'])
    expect((await faultInfos(t.engine, id))[0]).toMatchObject({ effect: 'limited', bytes: 1000 })
  })

  it('counts across chunks', async () => {
    const p = await proxy((s) => s.resume())
    await addToxic(t.engine, p.proxyId, { type: 'limit_data', stream: 'upstream', attributes: { bytes: 10 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const server = new SocketReader(await waitFor(() => p.accepted[0], 'the server to accept'))
    client.write('abcdef')
    await server.atLeast(6)
    client.write('ghijklmnop')
    await waitFor(() => server.ended, 'the server to get its FIN')
    expect(server.text).toBe('abcdefghij')
  })
})

describe('timeout', () => {
  it('stops the data and closes both sides after its timeout', async () => {
    const p = await proxy()
    await addToxic(t.engine, p.proxyId, { type: 'timeout', stream: 'upstream', attributes: { timeout: 300 } })
    const client = await connected(p.port)
    const reader = new SocketReader(client)
    const start = performance.now()
    client.write('never echoed')
    await waitFor(() => reader.ended, 'the client to get its FIN')
    cleanups.push(() => client.destroy())
    expect(performance.now() - start).toBeGreaterThanOrEqual(250)
    expect(reader.bytes.length).toBe(0)
    const id = await lastConnId(t.engine)
    await closedSummary(t.engine, id)
    const messages = await faultMessages(t.engine, id)
    expect(messages).toContain('data dropped, closing 300 ms after the last chunk')
    expect(messages).toContain('closed by toxic timeout_upstream after 300 ms')
  })

  it('at 0 drops the data without closing, until it is removed: then it closes both sides', async () => {
    const p = await proxy()
    await addToxic(t.engine, p.proxyId, { type: 'timeout', attributes: { timeout: 0 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const reader = new SocketReader(client)
    client.write('lost')
    await settle(400)
    expect(reader.bytes.length).toBe(0)
    expect(reader.closed).toBe(false)
    await t.engine['toxic.remove']({ proxyId: p.proxyId, name: 'timeout_downstream' })
    await waitFor(() => reader.ended, 'the client to get its FIN')
    expect(reader.bytes.length).toBe(0)
    const id = await lastConnId(t.engine)
    await closedSummary(t.engine, id)
    expect(await faultMessages(t.engine, id)).toContain('closed by toxic timeout_downstream: it was removed')
  })
})

describe('down', () => {
  it('refuses new connections while on, recorded, and accepts again once removed', async () => {
    const p = await proxy()
    await addToxic(t.engine, p.proxyId, { type: 'down' })
    // Reset at accept: the client may see it as its connect failing, or just after.
    const refused = outcomeOf(connect({ port: p.port, host: '127.0.0.1' }))
    expect((await refused).error).toBe('ECONNRESET')
    const id = await lastConnId(t.engine)
    expect(await faultMessages(t.engine, id)).toEqual(['refused by toxic down_downstream'])
    expect((await faultInfos(t.engine, id))[0]).toMatchObject({ effect: 'refused' })
    expect(p.accepted).toHaveLength(0)
    await t.engine['toxic.remove']({ proxyId: p.proxyId, name: 'down_downstream' })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    expect(await roundTrip(client)).toBeLessThan(5000)
  })
})

describe('corrupt', () => {
  it('flips bits in what the peer gets; the capture keeps what was sent', async () => {
    const p = await proxy((s) => s.resume())
    await addToxic(t.engine, p.proxyId, { type: 'corrupt', stream: 'upstream', attributes: { probability: 1 } })
    const client = await connected(p.port)
    cleanups.push(() => client.destroy())
    const server = new SocketReader(await waitFor(() => p.accepted[0], 'the server to accept'))
    const payload = randomPayload(2000)
    client.write(payload)
    const got = await server.atLeast(2000)
    for (let i = 0; i < payload.length; i++) {
      const diff = got[i] ^ payload[i]
      // Exactly one bit per byte at probability 1.
      expect(diff !== 0 && (diff & (diff - 1)) === 0).toBe(true)
    }
    const id = await lastConnId(t.engine)
    expect((await captured(t.engine, id, 'client')).equals(payload)).toBe(true)
    expect((await faultMessages(t.engine, id))[0]).toMatch(/^corrupted \d+ bits in \d+ B$/)
  })
})
