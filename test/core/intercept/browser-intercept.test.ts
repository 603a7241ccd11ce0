// Real browsers through tcpscope's forward proxy to an HTTPS nginx (its certificate from a
// test CA the proxy is told to trust upstream): the browser trusts tcpscope's CA by its key
// (Chromium's SPKI flag, as intercept.browser starts it), or through an NSS database in
// its HOME (no flag), or through its profile's NSS database (Firefox); either way the
// capture holds the request and the answer decrypted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/core/engine'
import { chromiumArgs } from '../../../src/core/intercept/browser-args'
import { makeProfileDir, removeProfileDir } from '../../../src/core/intercept/browser-profile'
import { ChildGroup } from '../../../src/core/intercept/child-group'
import type { EngineEvent, ProxyInfo } from '../../../src/shared/events'
import { portOf } from '../../helpers/engine'
import { tempDir } from '../../helpers/net'
import { startNginx, type Nginx } from '../../helpers/nginx'
import { hasProgram, needProgram } from '../../helpers/peers'
import { captured, eventsOf } from '../../helpers/sessions'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'
import { CHROMIUM } from '../../helpers/browser'

/** Headless, and quiet: no background traffic of the browser's own in the capture. */
const HEADLESS = ['--headless=new', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']

const chromiumThere = (): boolean => hasProgram(CHROMIUM) && hasProgram('nginx') && hasProgram('openssl')

let dir: string
let cleanup: () => void
let certs: TestCerts
let nginx: Nginx | undefined
let engine: Engine
let proxy: ProxyInfo
const events: EngineEvent[] = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(async () => {
  ;({ dir, cleanup } = tempDir('tcpscope-intercept-'))
  // A CA of this test's own, never the user's.
  process.env.TCPSCOPE_DATA_DIR = join(dir, 'data')
  engine = await Engine.create({ capturePath: join(dir, 'live.tcap'), intercept: { browserArgs: { chromium: HEADLESS, firefox: ['-headless'] } } })
  engine.subscribe((e) => events.push(e))
  if (!chromiumThere() || !hasProgram('certutil')) return
  const certDir = join(dir, 'certs')
  mkdirSync(certDir)
  certs = makeTestCerts(certDir)
  nginx = await startNginx(join(dir, 'nginx'), {}, { tls: { cert: certs.leafCert, key: certs.leafKey } })
  // nginx's certificate is the test CA's: the proxy verifies the upstream against it.
  proxy = await engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, tlsUpstream: { ca: certs.caPath } })
})

afterAll(async () => {
  await engine?.close()
  await nginx?.stop()
  cleanup?.()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})

const helloUrl = (): string => `https://localhost:${nginx!.port}/hello`

/** The connection to nginx whose request matches `request` and whose answer came, read from the capture. */
async function decryptedExchange(request: RegExp): Promise<{ request: string; response: string }> {
  const target = `localhost:${nginx!.port}`
  for (let tries = 0; tries < 600; tries++) {
    for (const c of engine.capture.connections().filter((c) => c.target === target)) {
      const sent = (await captured(engine, c.id, 'client')).toString('latin1')
      const answer = (await captured(engine, c.id, 'server')).toString('latin1')
      if (request.test(sent) && answer.includes('hello from nginx')) return { request: sent, response: answer }
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  const seen = engine.capture.connections().map((c) => `${c.target} ${c.end} ${JSON.stringify(c.tls ?? {})}`)
  throw new Error(`no decrypted request to ${target} matching ${String(request)}; connections: ${seen.join('; ')}`)
}

/** The first failed TLS handshake recorded on a connection not in `before`. */
async function tlsFailureAfter(before: Set<number>): Promise<Record<string, unknown>> {
  for (let tries = 0; tries < 600; tries++) {
    for (const c of engine.capture.connections().filter((c) => !before.has(c.id))) {
      const tls = (await eventsOf(engine, c.id)).find((e) => e.kind === 'tls' && (e.info as { ok?: boolean } | undefined)?.ok === false)
      if (tls) return tls.info as Record<string, unknown>
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('no failed TLS handshake was recorded')
}

describe('intercepting real browsers', () => {
  it('Chromium, trusting the CA by the SPKI flag: the request and the answer are decrypted in the capture', async (ctx) => {
    needProgram(ctx, 'chromium, nginx, openssl and certutil', chromiumThere() && hasProgram('certutil'))
    const browser = await engine['intercept.browser']({ browser: 'chromium', proxyId: proxy.id, url: helloUrl() })
    const { request, response } = await decryptedExchange(/Chrome\//)
    expect(request).toMatch(/^GET \/hello HTTP\/1\.1\r\n/)
    expect(request).toContain(`Host: localhost:${nginx!.port}\r\n`)
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    const conn = engine.capture.connections().find((c) => c.target === `localhost:${nginx!.port}`)!
    expect(conn.via).toBe('CONNECT')

    await engine['intercept.stop']({ browserId: browser.browserId })
    expect(existsSync(browser.profileDir)).toBe(false)
    expect(events).toContainEqual({ type: 'browser-updated', browser: expect.objectContaining({ browserId: browser.browserId, state: 'closed' }) })
    // The proxy was the test's own: it keeps listening.
    expect((await engine['proxy.list']()).find((p) => p.id === proxy.id)?.state).toBe('listening')
  })

  it('Chromium, trusting the CA through an NSS database in its HOME (no SPKI flag)', async (ctx) => {
    needProgram(ctx, 'chromium, nginx, openssl and certutil', chromiumThere() && hasProgram('certutil'))
    const home = join(dir, 'home')
    const nssdb = join(home, '.pki', 'nssdb')
    mkdirSync(nssdb, { recursive: true })
    const caPem = join(dir, 'tcpscope-ca.pem')
    writeFileSync(caPem, (await engine['ca.info']()).pem)
    execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password'])
    execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-t', 'C,,', '-n', 'tcpscope', '-i', caPem])
    const profileDir = await makeProfileDir(dir)
    // A user agent of its own, to tell its request from the first test's.
    const args = chromiumArgs({ proxy: { host: '127.0.0.1', port: portOf(proxy.listen) }, profileDir, root: process.getuid?.() === 0, extra: [...HEADLESS, '--user-agent=nss-db-test'], url: helloUrl() })
    const browser = await ChildGroup.start(CHROMIUM, args, { env: { ...process.env, HOME: home } })
    try {
      const { request } = await decryptedExchange(/User-Agent: nss-db-test\r\n/)
      expect(request).toMatch(/^GET \/hello HTTP\/1\.1\r\n/)
    } finally {
      await browser.stop()
      await removeProfileDir(profileDir)
    }
  })

  it('Chromium trusting neither (no flag, an empty HOME) refuses the leaf: nothing is decrypted', async (ctx) => {
    needProgram(ctx, 'chromium, nginx, openssl and certutil', chromiumThere() && hasProgram('certutil'))
    const home = join(dir, 'empty-home')
    mkdirSync(home)
    const profileDir = await makeProfileDir(dir)
    const before = new Set(engine.capture.connections().map((c) => c.id))
    const args = chromiumArgs({ proxy: { host: '127.0.0.1', port: portOf(proxy.listen) }, profileDir, root: process.getuid?.() === 0, extra: HEADLESS, url: helloUrl() })
    const browser = await ChildGroup.start(CHROMIUM, args, { env: { ...process.env, HOME: home } })
    try {
      // The tunnel's handshake toward the browser fails with the browser's alert, recorded.
      const failure = await tlsFailureAfter(before)
      expect(failure).toMatchObject({ ok: false, side: 'client' })
      for (const c of engine.capture.connections().filter((c) => !before.has(c.id))) expect((await captured(engine, c.id, 'client')).length).toBe(0)
    } finally {
      await browser.stop()
      await removeProfileDir(profileDir)
    }
  })

  it("Firefox, trusting the CA through its profile's NSS database", async (ctx) => {
    needProgram(ctx, 'firefox, nginx, openssl and certutil', (hasProgram('firefox') || hasProgram('firefox-esr')) && chromiumThere() && hasProgram('certutil'))
    const browser = await engine['intercept.browser']({ browser: 'firefox', proxyId: proxy.id, url: helloUrl() })
    const { request } = await decryptedExchange(/Firefox\//)
    expect(request).toMatch(/^GET \/hello HTTP\/1\.1\r\n/)
    await engine['intercept.stop']({ browserId: browser.browserId })
    expect(existsSync(browser.profileDir)).toBe(false)
  })
})
