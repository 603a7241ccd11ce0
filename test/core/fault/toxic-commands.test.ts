// The toxic.* commands as the Toxiproxy API and the CLI call them: names unique per proxy
// (default `<type>_<stream>`), changes that keep what they do not name, and one clear line
// for each mistake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { proxyTo, type ToxicProxy } from './toxic-helpers'

let t: TestEngine
let p: ToxicProxy
beforeEach(async () => {
  t = await testEngine()
  p = await proxyTo(t.engine)
})
afterEach(async () => {
  await t.dispose()
  await p.close()
})

describe('toxic.* commands', () => {
  it('adds toxics in order, with Toxiproxy defaults, and lists them', async () => {
    const e = t.engine
    const added = await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency', attributes: { latency: 200 } } })
    expect(added).toEqual({ name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 200, jitter: 0 }, enabled: true, affected: 0 })
    await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'bandwidth', stream: 'upstream', toxicity: 0.5, attributes: { rate: 10 } } })
    expect((await e['toxic.list']({ proxyId: p.proxyId })).map((x) => x.name)).toEqual(['latency_downstream', 'bandwidth_upstream'])
  })

  it('refuses a name already there, in one line naming it', async () => {
    const e = t.engine
    await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency' } })
    await expect(e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency', attributes: { latency: 5 } } })).rejects.toMatchObject({
      code: 'EEXIST',
      message: expect.stringMatching(/^proxy p1 already has a toxic named "latency_downstream"[^\n]*$/)
    })
    // Another stream makes another default name.
    await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency', stream: 'upstream' } })
    expect(await e['toxic.list']({ proxyId: p.proxyId })).toHaveLength(2)
  })

  it('updates only the fields given, and removes by name', async () => {
    const e = t.engine
    await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency', name: 'slow', attributes: { latency: 100, jitter: 10 } } })
    const changed = await e['toxic.update']({ proxyId: p.proxyId, name: 'slow', attributes: { latency: 300 }, enabled: false })
    expect(changed).toMatchObject({ name: 'slow', attributes: { latency: 300, jitter: 10 }, enabled: false, toxicity: 1, stream: 'downstream' })
    await e['toxic.remove']({ proxyId: p.proxyId, name: 'slow' })
    expect(await e['toxic.list']({ proxyId: p.proxyId })).toEqual([])
  })

  it('says what is wrong with an unknown proxy, toxic or attribute', async () => {
    const e = t.engine
    await expect(e['toxic.list']({ proxyId: 'p9' })).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('no proxy "p9"') })
    await expect(e['toxic.remove']({ proxyId: p.proxyId, name: 'nope' })).rejects.toMatchObject({ code: 'ENOENT', message: 'proxy p1 has no toxic named "nope" (it has none)' })
    await expect(e['toxic.update']({ proxyId: p.proxyId, name: 'nope', enabled: true })).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'latency', attributes: { rate: 1 } } })).rejects.toMatchObject({
      code: 'EINVAL',
      message: 'toxic latency has no attribute "rate": it takes latency, jitter'
    })
    await expect(e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'corrupt', attributes: { probability: 2 } } })).rejects.toMatchObject({ code: 'EINVAL' })
    expect(await e['toxic.list']({ proxyId: p.proxyId })).toEqual([])
  })

  it('keeps a proxy\'s toxics across a stop and restart', async () => {
    const e = t.engine
    await e['toxic.add']({ proxyId: p.proxyId, toxic: { type: 'slow_close', attributes: { delay: 10 } } })
    await e['proxy.stop']({ proxyId: p.proxyId })
    await e['proxy.restart']({ proxyId: p.proxyId })
    expect((await e['toxic.list']({ proxyId: p.proxyId })).map((x) => x.name)).toEqual(['slow_close_downstream'])
  })
})
