// Issue 44's rules from a real browser: Chromium goes through tcpscope's forward proxy, which
// intercepts TLS, to a local HTTPS origin (a certificate the test CA signed), with the
// command line tcpscope's own interception gives it (the proxy, loopback through it too, the
// CA trusted by its key). The page fetches /api/user with JS; a rule loaded from a rules file
// mocks it. Over HTTP/2 (the origin offers h2) and HTTP/1.1 (it offers only http/1.1):
// - the page shows the mocked JSON (read from the DOM), and the fetch went as that protocol;
// - the origin served the page but never saw /api/user;
// - the tunnel's connection in the capture holds the rule record, and so does the capture
//   saved to a file and opened again.
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Server, Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { testEngine, type TestEngine } from '../helpers/engine'
import { tempDir } from '../helpers/net'
import { CHROMIUM, chromiumAvailable } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'
import { browserProxyAddress, chromiumArgs } from '../../src/core/intercept/browser-args'
import type { CaptureEvent } from '../../src/shared/capture-types'

const USER = { name: 'from-rule', plan: 'mocked' }
const PAGE = `<!doctype html><title>loading</title><pre id="user" role="status" aria-label="user">waiting</pre><script>
fetch('/api/user').then((r) => r.text()).then(
  (t) => { document.getElementById('user').textContent = t; document.title = 'done' },
  (e) => { document.title = 'failed: ' + e })
</script>`

const RULES = {
  rules: [
    {
      name: 'mock the user',
      match: { http: { method: 'GET', host: 'localhost', path: '/api/user' } },
      steps: [{ respond: { status: 200, headers: { 'cache-control': 'no-store' }, json: USER } }]
    }
  ]
}

const have = (): boolean => chromiumAvailable() && hasProgram('openssl')
const dir = tempDir('tcpscope-rules-browser-')
let certs: TestCerts
let t: TestEngine
let proxyId: string
let browser: Browser
const servers: Array<{ server: Server; sockets: Set<Socket> }> = []

interface Origin {
  port: number
  /** `VERSION PATH` of each request it got. */
  seen: string[]
}

async function startOrigin(h2: boolean): Promise<Origin> {
  const seen: string[] = []
  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
    seen.push(`${req.httpVersion} ${req.url}`)
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(PAGE)
      return
    }
    res.writeHead(req.url === '/api/user' ? 200 : 404, { 'content-type': 'application/json' })
    res.end('{"name":"the origin"}')
  }
  const tls = { key: certs.read(certs.leafKey), cert: certs.read(certs.leafCert) }
  const server: Server = h2 ? createSecureServer({ ...tls, allowHTTP1: true }, handle) : createHttpsServer({ ...tls, ALPNProtocols: ['http/1.1'] }, handle)
  // Its connections are let go of at the end: a keep-alive or HTTP/2 connection still open
  // would keep close() waiting (afterAll timed out on it once in CI).
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  servers.push({ server, sockets })
  return { port: (server.address() as AddressInfo).port, seen }
}

beforeEach((ctx) => {
  needProgram(ctx, 'chromium and openssl (apt-get install chromium openssl)', have())
})

beforeAll(async () => {
  if (!have()) return
  certs = makeTestCerts(dir.dir)
  // Its own data folder: the CA the browser trusts is made there.
  t = await testEngine({ dataDir: join(dir.dir, 'data') })
  const rulesFile = join(dir.dir, 'rules.json')
  writeFileSync(rulesFile, JSON.stringify(RULES))
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, tlsUpstream: { ca: certs.caPath } })
  proxyId = proxy.id
  await t.engine['rules.load']({ proxyId, path: rulesFile })
  const ca = await t.engine['ca.info']()
  const args = chromiumArgs({
    proxy: browserProxyAddress(proxy.listen)!,
    profileDir: join(dir.dir, 'profile'),
    spki: ca.spki,
    extra: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic']
  })
  // Playwright makes the profile of each context itself.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: args.filter((a) => !a.startsWith('--user-data-dir=')) })
})

afterAll(async () => {
  await browser?.close()
  // The engine first: its proxy's connections to the origins go with it.
  await t?.dispose()
  for (const { server, sockets } of servers) {
    const closed = new Promise((r) => server.close(r))
    for (const socket of sockets) socket.destroy()
    await closed
  }
  dir.cleanup()
})

/** Every `rule` record of the proxy's tunnels to `target` in capture `capture`, with the tunnel's facts. */
async function ruleRecords(capture: string, target: string): Promise<Array<{ via?: string; alpn?: string; event: CaptureEvent }>> {
  const conns = (await t.engine['conn.page']({ capture, offset: 0, limit: 200 })).rows.filter((c) => c.target === target)
  const out: Array<{ via?: string; alpn?: string; event: CaptureEvent }> = []
  for (const c of conns) {
    const events = (await t.engine['conn.events']({ capture, connId: c.id, from: 0, limit: 10_000 })).events
    for (const event of events.filter((e) => e.kind === 'rule')) out.push({ via: c.via, alpn: c.tls?.client?.alpn, event })
  }
  return out
}

describe('traffic rules for a browser through the forward proxy', () => {
  for (const [name, h2, protocol] of [
    ['HTTP/2', true, 'h2'],
    ['HTTP/1.1', false, 'http/1.1']
  ] as const) {
    it(`${name}: the page shows the JSON the rule answered /api/user with, the origin never sees it, the capture holds the rule record`, async () => {
      const origin = await startOrigin(h2)
      const context = await browser.newContext()
      try {
        const tab = await context.newPage()
        const response = await tab.goto(`https://localhost:${origin.port}/`)
        expect(response?.status()).toBe(200)
        await expect.poll(() => tab.title()).toBe('done')
        expect(JSON.parse((await tab.getByRole('status', { name: 'user' }).textContent()) ?? '')).toEqual(USER)
        const fetchProtocol = await tab.evaluate(() =>
          performance
            .getEntriesByType('resource')
            .filter((e) => e.name.endsWith('/api/user'))
            .map((e) => (e as PerformanceResourceTiming).nextHopProtocol)
        )
        expect(fetchProtocol).toEqual([protocol])
      } finally {
        await context.close()
      }
      const version = h2 ? '2.0' : '1.1'
      expect(origin.seen).toContain(`${version} /`)
      expect(origin.seen.filter((s) => s.endsWith('/api/user'))).toEqual([])

      const target = `localhost:${origin.port}`
      const message = `answered GET /api/user with 200${h2 ? ' on stream ' : ''}`
      let live: Awaited<ReturnType<typeof ruleRecords>> = []
      await expect.poll(async () => (live = await ruleRecords('live', target)).length).toBe(1)
      expect(live[0]).toMatchObject({ via: 'CONNECT', alpn: protocol, event: { dir: 'client', info: { label: 'mock the user', action: 'respond' } } })
      expect(String((live[0].event.info as { message: string }).message)).toContain(message)

      // Saved to a file and opened again, it is still there.
      const file = join(dir.dir, `browser-${protocol.replace('/', '')}.tcap`)
      await t.engine['capture.save']({ path: file })
      const opened = await t.engine['capture.open']({ path: file })
      const saved = await ruleRecords(opened.id, target)
      expect(saved.map((r) => [r.via, (r.event.info as { label: string }).label])).toEqual([['CONNECT', 'mock the user']])
      await t.engine['capture.close']({ capture: opened.id })
    })
  }
})
