// The Toxiproxy API driven by Toxiproxy's published Node client, as a resilience test
// would: proxies to a real echo server, a latency toxic seen in a round trip, update,
// populate, reset and delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from 'node:net'
import { Toxiproxy } from 'toxiproxy-node-client'
import { ToxiproxyApi } from '../../../src/core/toxiproxy/toxiproxy-api'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, freePort, startServer } from '../../helpers/net'

let t: TestEngine
let api: ToxiproxyApi
let echo: Awaited<ReturnType<typeof startServer>>
let client: Toxiproxy

/** Sends a line through `port` and waits for its echo; resolves the milliseconds it took. */
async function roundTrip(port: number): Promise<number> {
  const s = await connectTo(port)
  const started = performance.now()
  s.write('ping\n')
  let got = ''
  for await (const chunk of s) {
    got += String(chunk)
    if (got === 'ping\n') break
  }
  const took = performance.now() - started
  s.destroy()
  expect(got).toBe('ping\n')
  return took
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.once('connect', () => {
      s.destroy()
      resolve(false)
    })
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
  })
}

beforeAll(async () => {
  t = await testEngine()
  echo = await startServer((s) => s.pipe(s))
  api = await ToxiproxyApi.start(t.engine, { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, version: '0.1.0' })
  client = new Toxiproxy(`http://127.0.0.1:${api.port}`)
})

afterAll(async () => {
  await api.stop()
  await echo.close()
  await t.dispose()
})

describe('the Toxiproxy API through toxiproxy-node-client', () => {
  it('says its version', async () => {
    expect(JSON.parse(await client.getVersion())).toMatchObject({ version: expect.stringMatching(/^2\./), tcpscope: '0.1.0' })
  })

  it('creates a recording proxy to a real server, lists, disables, enables and deletes it', async () => {
    const proxy = await client.createProxy({ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` })
    expect(proxy).toMatchObject({ name: 'echo', upstream: `127.0.0.1:${echo.port}`, enabled: true })
    const port = portOf(proxy.listen)
    expect(port).toBeGreaterThan(0)
    await roundTrip(port)
    // It is a tcpscope proxy: the engine lists it and records its connection.
    const engineProxies = await t.engine['proxy.list']()
    expect(engineProxies.some((p) => p.listen === proxy.listen && p.state === 'listening')).toBe(true)
    expect(t.engine.capture.connections().length).toBeGreaterThan(0)

    const all = await client.getAll()
    expect(Object.keys(all)).toContain('echo')
    expect(all.echo.listen).toBe(proxy.listen)

    const off = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })
    expect(off.enabled).toBe(false)
    expect(await refused(port)).toBe(true)
    const on = await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream })
    expect(on.enabled).toBe(true)
    expect(on.listen).toBe(proxy.listen)
    await roundTrip(port)

    await proxy.remove()
    expect(Object.keys(await client.getAll())).not.toContain('echo')
    expect(await refused(port)).toBe(true)
  })

  it('moves a proxy to a new listen address', async () => {
    const proxy = await client.createProxy({ name: 'mover', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` })
    const to = await freePort()
    const moved = await proxy.update({ enabled: true, listen: `127.0.0.1:${to}`, upstream: proxy.upstream })
    expect(moved.listen).toBe(`127.0.0.1:${to}`)
    await roundTrip(to)
    expect(await refused(portOf(proxy.listen))).toBe(true)
    await moved.remove()
  })

  it('populates: adds new proxies, keeps unchanged ones, and answers 409 for a taken name on create', async () => {
    const upstream = `127.0.0.1:${echo.port}`
    const first = await client.populate([
      { name: 'pop-a', listen: '127.0.0.1:0', upstream },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream, enabled: false }
    ])
    expect(first['pop-a'].enabled).toBe(true)
    expect(first['pop-b'].enabled).toBe(false)
    await roundTrip(portOf(first['pop-a'].listen))
    // The same list again changes nothing: the same listeners stay.
    const again = await client.populate([{ name: 'pop-a', listen: first['pop-a'].listen, upstream }])
    expect(again['pop-a'].listen).toBe(first['pop-a'].listen)
    await expect(client.createProxy({ name: 'pop-a', listen: '127.0.0.1:0', upstream })).rejects.toThrow(/409/)

    // Reset enables every proxy.
    await client.reset()
    expect((await client.get('pop-b')).enabled).toBe(true)
    await roundTrip(portOf((await client.get('pop-b')).listen))
    await (await client.get('pop-a')).remove()
    await (await client.get('pop-b')).remove()
  })

  it('adds a latency toxic seen in a round trip, lists, updates, removes it; reset clears toxics', async () => {
    const proxy = await client.createProxy({ name: 'slow', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` })
    const port = portOf(proxy.listen)
    const toxic = await proxy.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } })
    expect(toxic).toMatchObject({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1 })
    expect(toxic.attributes).toMatchObject({ latency: 300 })
    // A tolerance, not a timing: the delay is at least most of what was asked.
    expect(await roundTrip(port)).toBeGreaterThanOrEqual(250)

    expect((await proxy.getToxic('lag')).attributes).toMatchObject({ latency: 300 })
    expect(await (await fetch(`http://127.0.0.1:${api.port}/proxies/slow/toxics`)).json()).toEqual([toxic.toJson()])
    expect(await (await fetch(`http://127.0.0.1:${api.port}/proxies/slow`)).json()).toMatchObject({ name: 'slow', toxics: [{ name: 'lag', type: 'latency' }] })

    const updated = await toxic.update({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 0, jitter: 0 } })
    expect(updated.attributes).toMatchObject({ latency: 0 })

    await toxic.remove()
    await expect(proxy.getToxic('lag')).rejects.toThrow(/404/)

    await proxy.addToxic({ name: 'lag2', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } })
    await client.reset()
    expect((await (await fetch(`http://127.0.0.1:${api.port}/proxies/slow/toxics`)).json())).toEqual([])
    await proxy.remove()
  })
})
