// A toxic's match: connection words pick the connections it applies to (an id, a client
// address), `text:` words the chunks it acts on; words that cannot be known in flight are
// refused in one line.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { addToxic, connected, lastConnId, proxyTo, roundTrip, type ToxicProxy } from './toxic-helpers'

let t: TestEngine
let p: ToxicProxy
beforeEach(async () => {
  t = await testEngine()
  p = await proxyTo(t.engine)
})
afterEach(async () => {
  await p.close()
  await t.dispose()
})

// A round trip slowed by the toxic against one that is not: a stall of a loaded machine must
// not read as the toxic (a fast one is under half of it).
const slow = 800

describe('a toxic with a match', () => {
  it('applies only to the connections its words pick', async () => {
    const first = await connected(p.port)
    await roundTrip(first)
    const firstId = await lastConnId(t.engine)
    await addToxic(t.engine, p.proxyId, { type: 'latency', attributes: { latency: slow }, match: `id:${firstId + 1}` })
    expect(await roundTrip(first)).toBeLessThan(slow / 2)
    const second = await connected(p.port)
    expect(await roundTrip(second)).toBeGreaterThanOrEqual(slow * 0.9)
    const [toxic] = await t.engine['toxic.list']({ proxyId: p.proxyId })
    expect(toxic).toMatchObject({ match: `id:${firstId + 1}`, affected: 1 })
    // A client address: the loopback one picks both.
    await t.engine['toxic.update']({ proxyId: p.proxyId, name: toxic.name, match: 'client:127.0.0.1' })
    expect(await roundTrip(first)).toBeGreaterThanOrEqual(slow * 0.9)
    first.destroy()
    second.destroy()
  })

  it('acts only on the chunks its text: words pick', async () => {
    await addToxic(t.engine, p.proxyId, { type: 'latency', stream: 'upstream', attributes: { latency: slow }, match: 'text:SLOW' })
    const c = await connected(p.port)
    expect(await roundTrip(c, Buffer.from('fast'))).toBeLessThan(slow / 2)
    expect(await roundTrip(c, Buffer.from('SLOW'))).toBeGreaterThanOrEqual(slow * 0.9)
    expect(await roundTrip(c, Buffer.from('fast'))).toBeLessThan(slow / 2)
    c.destroy()
  })

  it('refuses what cannot be known in flight, in one line', async () => {
    await expect(addToxic(t.engine, p.proxyId, { type: 'latency', match: 'method:GET' })).rejects.toThrow(/^toxic match: method: needs the connection decoded, which is not known while its bytes pass/)
    await expect(addToxic(t.engine, p.proxyId, { type: 'reset_peer', match: 'text:x' })).rejects.toThrow(/acts on whole connections/)
    await expect(addToxic(t.engine, p.proxyId, { type: 'latency', match: 'colour:red' })).rejects.toThrow(/unknown filter word "colour:"/)
  })
})
