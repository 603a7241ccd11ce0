// proxy.remove: a proxy stopped for good, its connections closed, its rules gone, and gone
// from every list (proxy.list, snapshots, the front ends' batches); what it recorded stays.
// The Toxiproxy API's DELETE and a move to a new listen use it, so no stopped ghost is left.
import { afterEach, describe, expect, it } from 'vitest'
import { ToxiproxyApi } from '../../../src/core/toxiproxy/toxiproxy-api'
import { portOf, proxiedPair, testEngine, type TestEngine } from '../../helpers/engine'
import { freePort, startServer } from '../../helpers/net'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function engine(): Promise<TestEngine> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  return t
}

describe('proxy.remove', () => {
  it('closes the connections, forgets the proxy and its rules, and keeps what it recorded', async () => {
    const t = await engine()
    const pair = await proxiedPair(t.engine)
    cleanups.push(pair.close)
    const [proxy] = await t.engine['proxy.list']()
    await t.engine['toxic.add']({ proxyId: proxy.id, toxic: { type: 'latency', attributes: { latency: 1 } } })
    pair.client.write('hello')
    await expect.poll(() => t.engine.snapshot().captures[0].connections).toBe(1)

    // Closed connections are destroyed, as by proxy.stop with closeConnections: the client may see a reset.
    pair.client.on('error', () => undefined)
    pair.serverSide.on('error', () => undefined)
    const closed = new Promise((resolve) => pair.client.once('close', resolve))
    await t.engine['proxy.remove']({ proxyId: proxy.id })
    await closed
    expect(await t.engine['proxy.list']()).toEqual([])
    expect(t.engine.snapshot().proxies).toEqual([])
    expect(t.engine.snapshot().toxics).toEqual({})
    await expect(t.engine['toxic.list']({ proxyId: proxy.id })).rejects.toThrow(`no proxy "${proxy.id}"`)
    await expect(t.engine['proxy.restart']({ proxyId: proxy.id })).rejects.toThrow(`no proxy "${proxy.id}"`)
    expect(t.events.some((e) => e.type === 'proxy-removed' && e.proxy.id === proxy.id && e.proxy.state === 'removed')).toBe(true)
    // What it recorded stays in the capture.
    const page = await t.engine['conn.page']({ capture: 'live', offset: 0, limit: 10 })
    expect(page.rows.length).toBe(1)
  })

  it('refuses a proxy that does not exist, in one line', async () => {
    const t = await engine()
    await expect(t.engine['proxy.remove']({ proxyId: 'p9' })).rejects.toThrow('no proxy "p9"; list them with proxy.list')
  })
})

describe('the Toxiproxy API leaves no stopped proxy behind', () => {
  it('DELETE /proxies/{name} and a move to a new listen remove the tcpscope proxy they replace', async () => {
    const t = await engine()
    const echo = await startServer((s) => s.pipe(s))
    cleanups.push(echo.close)
    const api = await ToxiproxyApi.start(t.engine, { listen: { kind: 'tcp', host: '127.0.0.1', port: 0 }, version: '0.1.0' })
    cleanups.push(() => api.stop())
    const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`http://127.0.0.1:${api.port}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json' } })

    expect((await call('POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` })).status).toBe(201)
    const [first] = await t.engine['proxy.list']()
    // A new listen is a new tcpscope proxy; the old one goes.
    const moveTo = await freePort()
    expect((await call('POST', '/proxies/redis', { listen: `127.0.0.1:${moveTo}` })).status).toBe(200)
    const afterMove = await t.engine['proxy.list']()
    expect(afterMove.map((p) => [p.id === first.id, p.state])).toEqual([[false, 'listening']])
    expect(portOf(afterMove[0].listen)).toBe(moveTo)

    expect((await call('DELETE', '/proxies/redis')).status).toBe(204)
    expect(await t.engine['proxy.list']()).toEqual([])
  })
})
