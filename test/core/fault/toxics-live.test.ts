// Toxics change while connections run: toxicity picks connections (0 never, 1 always), a
// change or removal reaches the open connections (those accepted while the proxy had no
// toxic too: they leave the fast path then), a paused toxic does nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { addToxic, connected, faultMessages, lastConnId, proxyTo, roundTrip, type ToxicProxy } from './toxic-helpers'

let t: TestEngine
let p: ToxicProxy
const cleanups: Array<() => unknown> = []
beforeEach(async () => {
  t = await testEngine()
  p = await proxyTo(t.engine)
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await p.close()
  await t.dispose()
})

async function client(): Promise<Awaited<ReturnType<typeof connected>>> {
  const c = await connected(p.port)
  cleanups.push(() => c.destroy())
  return c
}

// A round trip slowed by the toxic against one that is not: a stall of a loaded machine must
// not read as the toxic (a fast one is under half of it).
const slow = 800
const isSlow = (rtt: number): boolean => rtt >= slow * 0.9
const isFast = (rtt: number): boolean => rtt < slow / 2

describe('toxicity', () => {
  it('0 never applies, 1 always does, and each toxic counts the connections it applied to', async () => {
    await addToxic(t.engine, p.proxyId, { name: 'never', type: 'latency', toxicity: 0, attributes: { latency: slow } })
    for (let i = 0; i < 3; i++) expect(isFast(await roundTrip(await client()))).toBe(true)
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toEqual([])
    await t.engine['toxic.update']({ proxyId: p.proxyId, name: 'never', toxicity: 1 })
    for (let i = 0; i < 2; i++) expect(isSlow(await roundTrip(await client()))).toBe(true)
    const [toxic] = await t.engine['toxic.list']({ proxyId: p.proxyId })
    expect(toxic.affected).toBeGreaterThanOrEqual(2)
  })

  it('between 0 and 1 picks some connections and not others', async () => {
    await addToxic(t.engine, p.proxyId, { type: 'limit_data', stream: 'upstream', toxicity: 0.5, attributes: { bytes: 0 } })
    for (let i = 0; i < 40; i++) {
      const c = await client()
      c.write('x')
    }
    await expect.poll(async () => (await t.engine['toxic.list']({ proxyId: p.proxyId }))[0].affected).toBeGreaterThan(5)
    expect((await t.engine['toxic.list']({ proxyId: p.proxyId }))[0].affected).toBeLessThan(35)
  })
})

describe('a live change', () => {
  it('reaches an open connection: enabled, changed, paused and removed', async () => {
    await addToxic(t.engine, p.proxyId, { name: 'lag', type: 'latency', enabled: false, attributes: { latency: 10 } })
    const c = await client()
    expect(isFast(await roundTrip(c))).toBe(true)
    await t.engine['toxic.update']({ proxyId: p.proxyId, name: 'lag', enabled: true, attributes: { latency: slow } })
    expect(isSlow(await roundTrip(c))).toBe(true)
    await t.engine['toxic.update']({ proxyId: p.proxyId, name: 'lag', enabled: false })
    expect(isFast(await roundTrip(c))).toBe(true)
    await t.engine['toxic.update']({ proxyId: p.proxyId, name: 'lag', enabled: true })
    expect(isSlow(await roundTrip(c))).toBe(true)
    await t.engine['toxic.remove']({ proxyId: p.proxyId, name: 'lag' })
    expect(isFast(await roundTrip(c))).toBe(true)
    expect(await faultMessages(t.engine, await lastConnId(t.engine))).toHaveLength(2)
  })

  it('starts a timeout on an idle open connection at once, and a reset_peer at its next chunk', async () => {
    await addToxic(t.engine, p.proxyId, { name: 'idle', type: 'latency', enabled: false })
    const c = await client()
    const closed = new Promise<boolean>((resolve) => c.once('end', () => resolve(true)))
    await addToxic(t.engine, p.proxyId, { type: 'timeout', attributes: { timeout: 50 } })
    expect(await closed).toBe(true)
    await t.engine['toxic.remove']({ proxyId: p.proxyId, name: 'timeout_downstream' })
    const d = await client()
    const reset = new Promise<string | undefined>((resolve) => d.once('error', (err: NodeJS.ErrnoException) => resolve(err.code)))
    await addToxic(t.engine, p.proxyId, { type: 'reset_peer', attributes: { timeout: 50 } })
    d.write('ping')
    expect(await reset).toBe('ECONNRESET')
  })

  it('reaches a connection accepted while the proxy had no toxic (it leaves its fast path)', async () => {
    const c = await client()
    expect(isFast(await roundTrip(c))).toBe(true)
    await addToxic(t.engine, p.proxyId, { type: 'latency', attributes: { latency: slow } })
    expect(isSlow(await roundTrip(c))).toBe(true)
    expect(isSlow(await roundTrip(await client()))).toBe(true)
  })
})
