// intercept.*: browsers started through a forward proxy in fresh profiles, and everything
// they leave behind gone when they close. Scripts stand in for the browsers
// (helpers/fake-browser.ts); the real browsers are in browser-intercept.test.ts.
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Interceptions, type InterceptDeps } from '../../../src/core/intercept/interceptions'
import type { ProxyInfo } from '../../../src/shared/events'
import type { InterceptedBrowser } from '../../../src/shared/intercept-types'
import type { CaInfo } from '../../../src/shared/tls-types'
import { fakeBrowsers, type FakeBrowsers } from '../../helpers/fake-browser'
import { tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'


const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Setup {
  intercept: Interceptions
  launched: FakeBrowsers['launched']
  updates: InterceptedBrowser[]
  warnings: string[]
  proxies: ProxyInfo[]
  stopped: string[]
}

const proxyInfo = (id: string, over: Partial<ProxyInfo> = {}): ProxyInfo => ({ id, listen: '127.0.0.1:4000', target: 'forward', mode: 'forward', state: 'listening', accepted: 0, active: 0, ...over })

function setup(opts: { mode?: 'run' | 'exit' | 'fail'; browsers?: string[]; proxies?: ProxyInfo[]; caPem?: string } = {}): Setup {
  const { dir, cleanup } = tempDir('tcpscope-intercept-')
  cleanups.push(cleanup)
  const fake = fakeBrowsers(dir, opts.browsers ?? ['chromium'], opts.mode)
  const s: Setup = { intercept: undefined as unknown as Interceptions, launched: fake.launched, updates: [], warnings: [], proxies: opts.proxies ?? [], stopped: [] }
  let started = 0
  const deps: InterceptDeps = {
    host: fake.host,
    profileParent: dir,
    browserEnv: fake.env,
    proxies: () => s.proxies,
    startProxy: async () => {
      const p = proxyInfo(`auto${++started}`, { listen: '127.0.0.1:4444' })
      s.proxies.push(p)
      return p
    },
    removeProxy: async (id) => {
      s.stopped.push(id)
      s.proxies = s.proxies.filter((p) => p.id !== id)
    },
    caInfo: async () => ({ spki: 'c3BraS1oYXNo', pem: opts.caPem ?? '' }) as CaInfo,
    updated: (b) => s.updates.push(b),
    warn: (m) => s.warnings.push(m),
    checkOpen: () => {}
  }
  s.intercept = new Interceptions(deps)
  cleanups.push(() => s.intercept.close())
  return s
}


describe('intercepting browsers', () => {
  it('lists the browsers it knows, with where each is or why it is not there', async () => {
    const s = setup()
    const list = await s.intercept.commands['intercept.browsers']()
    expect(list.map((b) => [b.name, b.path !== undefined])).toEqual([
      ['chromium', true],
      ['chrome', false],
      ['edge', false],
      ['firefox', false]
    ])
  })

  it('starts a forward proxy when none runs, and the browser through it in a fresh profile trusting the CA key', async () => {
    const s = setup()
    const b = await s.intercept.commands['intercept.browser']({ browser: 'chromium', url: 'https://example.test/' })
    expect(b).toMatchObject({ browserId: 'b1', name: 'chromium', proxyId: 'auto1', proxy: '127.0.0.1:4444', state: 'running' })
    expect(s.updates).toEqual([b])
    const { args } = await s.launched()
    expect(args).toContain(`--user-data-dir=${b.profileDir}`)
    expect(args).toContain('--proxy-server=http://127.0.0.1:4444')
    expect(args).toContain('--ignore-certificate-errors-spki-list=c3BraS1oYXNo')
    expect(args.at(-1)).toBe('https://example.test/')
    expect(existsSync(b.profileDir)).toBe(true)
    expect(s.intercept.list()).toEqual([b])

    await s.intercept.commands['intercept.stop']({ browserId: b.browserId })
    // Gone: its profile, the proxy started for it, and front ends are told.
    expect(existsSync(b.profileDir)).toBe(false)
    expect(s.stopped).toEqual(['auto1'])
    expect(s.updates.at(-1)).toMatchObject({ browserId: 'b1', state: 'closed' })
    expect(s.intercept.list()).toEqual([])
    expect(s.warnings).toEqual([])
  })

  it('uses the running forward proxy and leaves it running after', async () => {
    const s = setup({ proxies: [proxyInfo('p1', { mode: 'target', target: '127.0.0.1:1' }), proxyInfo('p2', { listen: '0.0.0.0:5000' })] })
    const b = await s.intercept.commands['intercept.browser']({ browser: 'chromium' })
    expect(b.proxyId).toBe('p2')
    expect((await s.launched()).args).toContain('--proxy-server=http://127.0.0.1:5000')
    await s.intercept.commands['intercept.stop']({ browserId: b.browserId })
    expect(s.stopped).toEqual([])
  })

  it('refuses a proxy that is not a forward proxy, or not there', async () => {
    const s = setup({ proxies: [proxyInfo('p1', { mode: 'target' }), proxyInfo('p2', { state: 'stopped' })] })
    await expect(s.intercept.commands['intercept.browser']({ browser: 'chromium', proxyId: 'p1' })).rejects.toThrow('proxy p1 is not a listening forward proxy')
    await expect(s.intercept.commands['intercept.browser']({ browser: 'chromium', proxyId: 'p2' })).rejects.toThrow('proxy p2 is not a listening forward proxy')
    await expect(s.intercept.commands['intercept.browser']({ browser: 'chromium', proxyId: 'p9' })).rejects.toThrow('no proxy "p9"')
  })

  it('opens only http(s) pages: nothing on its command line can pass for a flag', async () => {
    const s = setup()
    for (const url of ['--renderer-cmd-prefix=/bin/sh', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url'])
      await expect(s.intercept.commands['intercept.browser']({ browser: 'chromium', url })).rejects.toThrow(`bad URL "${url}": give an http:// or https:// address`)
    expect(s.proxies).toEqual([])
  })

  it('refuses a browser that is not installed, and starts no proxy for it', async () => {
    const s = setup()
    await expect(s.intercept.commands['intercept.browser']({ browser: 'edge' })).rejects.toThrow(/^edge is not installed/)
    expect(s.proxies).toEqual([])
  })

  it('cleans up when the user closes the browser', async () => {
    const s = setup({ mode: 'exit' })
    const b = await s.intercept.commands['intercept.browser']({ browser: 'chromium' })
    await s.launched()
    for (let i = 0; s.updates.length < 2; i++) {
      if (i > 1000) throw new Error('no closed update')
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(s.updates[1]).toEqual({ ...b, state: 'closed', exit: 'exit code 0' })
    expect(existsSync(b.profileDir)).toBe(false)
    expect(s.stopped).toEqual(['auto1'])
    expect(s.warnings).toEqual([])
    await expect(s.intercept.commands['intercept.stop']({ browserId: b.browserId })).rejects.toThrow('no running browser "b1"')
  })

  it('says why a browser that failed exited', async () => {
    const s = setup({ mode: 'fail' })
    await s.intercept.commands['intercept.browser']({ browser: 'chromium' })
    for (let i = 0; s.updates.length < 2; i++) {
      if (i > 1000) throw new Error('no closed update')
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(s.warnings).toEqual(['chromium exited (exit code 1): [1:1:ERROR] Missing X server or $DISPLAY'])
  })

  it('keeps a proxy it started while another browser still uses it', async () => {
    const s = setup({ browsers: ['chromium', 'google-chrome'] })
    const a = await s.intercept.commands['intercept.browser']({ browser: 'chromium' })
    const b = await s.intercept.commands['intercept.browser']({ browser: 'chrome' })
    expect(b.proxyId).toBe(a.proxyId)
    await s.intercept.commands['intercept.stop']({ browserId: a.browserId })
    expect(s.stopped).toEqual([])
    await s.intercept.commands['intercept.stop']({ browserId: b.browserId })
    expect(s.stopped).toEqual([a.proxyId])
  })

  it('closes every browser it started (the engine closing)', async () => {
    const s = setup({ browsers: ['chromium', 'google-chrome'] })
    const a = await s.intercept.commands['intercept.browser']({ browser: 'chromium' })
    const b = await s.intercept.commands['intercept.browser']({ browser: 'chrome' })
    await s.intercept.close()
    expect(s.intercept.list()).toEqual([])
    expect(existsSync(a.profileDir) || existsSync(b.profileDir)).toBe(false)
    expect(s.updates.filter((u) => u.state === 'closed').map((u) => u.browserId).sort()).toEqual(['b1', 'b2'])
  })

  it('starts Firefox in a profile it prepared: proxy prefs and the CA in its NSS database', async (ctx) => {
    needProgram(ctx, 'certutil (libnss3-tools) and openssl', hasProgram('certutil') && hasProgram('openssl'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=test CA', '-days', '2'], { stdio: 'ignore' })
    const s = setup({ browsers: ['firefox'], caPem: readFileSync(join(dir, 'c.pem'), 'utf8') })
    const b = await s.intercept.commands['intercept.browser']({ browser: 'firefox', url: 'https://example.test/' })
    const { args, profile } = await s.launched()
    expect(args).toEqual(['-profile', b.profileDir, '-no-remote', '-new-instance', 'https://example.test/'])
    expect(profile).toEqual(expect.arrayContaining(['user.js', 'cert9.db']))
    expect(args.some((a) => a.includes('spki'))).toBe(false)
  })
})
