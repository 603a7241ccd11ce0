// intercept.* through the engine: a browser without a proxy gets a forward proxy started for
// it on a free loopback port, front ends see it in the snapshot and in browser-updated, and
// the engine's close kills it, removes its profile and stops that proxy. A script stands in
// for the browser (helpers/fake-browser.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import type { EngineEvent } from '../../../src/shared/events'
import { fakeBrowsers } from '../../helpers/fake-browser'
import { tempDir } from '../../helpers/net'

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('interception in the engine', () => {
  it('starts a forward proxy for the browser, and its close ends browser, profile and proxy', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A CA of this test's own.
    const saved = process.env.TCPSCOPE_DATA_DIR
    process.env.TCPSCOPE_DATA_DIR = join(dir, 'data')
    cleanups.push(() => {
      if (saved === undefined) delete process.env.TCPSCOPE_DATA_DIR
      else process.env.TCPSCOPE_DATA_DIR = saved
    })
    const fake = fakeBrowsers(join(dir, 'fake'), ['chromium'])
    const engine = await Engine.create({ capturePath: join(dir, 'live.tcap'), intercept: { host: fake.host, browserEnv: fake.env, profileParent: dir } })
    const events: EngineEvent[] = []
    engine.subscribe((e) => events.push(e))
    let closed = false
    cleanups.push(async () => {
      if (!closed) await engine.close()
    })
    const browser = await engine['intercept.browser']({ browser: 'chromium' })
    const [proxy] = await engine['proxy.list']()
    expect(proxy).toMatchObject({ id: browser.proxyId, mode: 'forward', state: 'listening', listen: browser.proxy })
    expect(browser.proxy).toMatch(/^127\.0\.0\.1:\d+$/)
    const { args } = await fake.launched()
    expect(args).toContain(`--proxy-server=http://${browser.proxy}`)
    expect(args.find((a) => a.startsWith('--ignore-certificate-errors-spki-list='))).toBe(`--ignore-certificate-errors-spki-list=${(await engine['ca.info']()).spki}`)
    expect(engine.snapshot().browsers).toEqual([browser])

    await engine.close()
    closed = true
    expect(existsSync(browser.profileDir)).toBe(false)
    expect(events).toContainEqual({ type: 'browser-updated', browser: { ...browser, state: 'closed', exit: 'signal SIGTERM' } })
    expect(events).toContainEqual({ type: 'proxy-removed', proxy: expect.objectContaining({ id: proxy.id, state: 'removed' }) })
    expect(() => process.kill(browser.pid, 0)).toThrow()
  })
})
