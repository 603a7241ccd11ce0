// Issue 35's end to end: real Chromium browses through tcpscope's forward proxy, which
// intercepts TLS, to a local HTTPS origin that speaks HTTP/2 only (node:http2, ALPN h2, a
// certificate the test CA signed). The page pulls a script, a JSON fetch and an image, so
// several streams share one connection. Then:
// - both legs of that connection settled h2 by ALPN;
// - the Exchanges list in a second Chromium (web mode, by role and name only) shows the four
//   as `h2 · N` with their stream ids, on one connection (a screenshot of it);
// - `tcpscope show FILE --json` lists them as protocol h2 with their https URLs;
// - `tcpscope export FILE --format har` has them as HTTP/2.0 entries.
import { once } from 'node:events'
import { join } from 'node:path'
import { createSecureServer, type Http2SecureServer, type Http2Session, type ServerHttp2Session } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chromium, type Locator } from 'playwright-core'
import { tempDir } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { CHROMIUM, chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'
import { runCli } from '../helpers/cli'
import { browserProxyAddress, chromiumArgs } from '../../src/core/intercept/browser-args'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'openssl (apt-get install openssl)', hasProgram('openssl'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

// A 1×1 PNG: the page checks it decoded, so its bytes went through whole.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')
const PAGE = '<!doctype html><title>loading</title><script src="/app.js"></script><img id="pixel" src="/pixel.png" alt="pixel">'
const SCRIPT = "fetch('/data.json').then((r) => r.json()).then((d) => { document.title = 'loaded ' + d.n })"
const RESOURCES: Record<string, { type: string; body: string | Buffer }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE },
  '/app.js': { type: 'text/javascript', body: SCRIPT },
  '/data.json': { type: 'application/json', body: '{"n":42}' },
  '/pixel.png': { type: 'image/png', body: PIXEL }
}
const PATHS = Object.keys(RESOURCES)

/** An HTTPS origin that speaks HTTP/2 only; it notes each session's ALPN, each request's path, and the session and stream it came on. */
async function startOrigin(certs: TestCerts): Promise<{ port: number; alpn: string[]; paths: string[]; streamsOn: Map<string, { session: Http2Session; id: number }> }> {
  const alpn: string[] = []
  const paths: string[] = []
  const streamsOn = new Map<string, { session: Http2Session; id: number }>()
  const server: Http2SecureServer = createSecureServer({ key: certs.read(certs.leafKey), cert: certs.read(certs.leafCert), allowHTTP1: false, ALPNProtocols: ['h2'] })
  const sessions = new Set<ServerHttp2Session>()
  // Every socket too, not only the sessions: one that never became a session (a spare
  // connection the browser opened through the proxy) would keep server.close waiting.
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('session', (s) => {
    sessions.add(s)
    s.on('close', () => sessions.delete(s))
    s.on('error', () => {})
    alpn.push(String(s.alpnProtocol))
  })
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {})
    const path = String(headers[':path'])
    paths.push(path)
    streamsOn.set(path, { session: stream.session!, id: stream.id! })
    const r = RESOURCES[path]
    if (r === undefined) {
      stream.respond({ ':status': 404 })
      stream.end()
      return
    }
    stream.respond({ ':status': 200, 'content-type': r.type, 'cache-control': 'no-store' })
    stream.end(r.body)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => {
    for (const s of sessions) s.destroy()
    for (const socket of sockets) socket.destroy()
    return new Promise((r) => server.close(r))
  })
  return { port: (server.address() as AddressInfo).port, alpn, paths, streamsOn }
}

/** Each row's cells' text, under the header cells' words. */
async function gridRows(grid: Locator): Promise<Array<Record<string, string>>> {
  const heads = (await grid.getByRole('columnheader').allTextContents()).map((h) => h.replace(/[▴▾]/g, '').trim())
  const rows = await grid.getByRole('rowgroup').getByRole('row').all()
  return Promise.all(rows.map(async (r) => Object.fromEntries((await r.getByRole('gridcell').allTextContents()).map((c, i) => [heads[i], c.trim()]))))
}

interface ShowLine {
  type: string
  conn: number
  exchange: number
  protocol: string
  stream?: number
  url: string
  status?: number
}

interface HarEntry {
  request: { url: string; httpVersion: string }
  response: { status: number; httpVersion: string }
}

describe('a browser through the forward proxy to an HTTP/2 origin', () => {
  it('records the page, script, JSON and image as h2 streams of one connection: in the UI, in show --json and in the HAR', async () => {
    const dir = tempDir('tcpscope-browser-h2-')
    cleanups.push(() => dir.cleanup())
    const certs = makeTestCerts(dir.dir)
    const origin = await startOrigin(certs)

    const { web, page } = await openWebPage(cleanups, { browser: { width: 1400, height: 820 } })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', forward: {}, tlsUpstream: { ca: certs.caPath } })
    const ca = await driver.call('ca.info')

    // The browsing Chromium: the command line tcpscope's own interception gives it (the proxy,
    // loopback through it too, the CA trusted by its key), in a profile Playwright owns.
    const profile = mkdtempSync(join(tmpdir(), 'tcpscope-chromium-browsing-'))
    const args = chromiumArgs({ proxy: browserProxyAddress(proxy.listen)!, profileDir: profile, spki: ca.spki, extra: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] })
    const browsing = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: args.filter((a) => !a.startsWith('--user-data-dir=')) })
    cleanups.push(async () => {
      await browsing.close()
      rmSync(profile, { recursive: true, force: true })
    })
    const tab = browsing.pages()[0] ?? (await browsing.newPage())
    const url = `https://localhost:${origin.port}/`
    const response = await tab.goto(url)
    expect(response?.status()).toBe(200)
    // The script ran and its fetch answered; the image decoded.
    await expect.poll(() => tab.title()).toBe('loaded 42')
    await expect.poll(() => tab.evaluate(() => (document.getElementById('pixel') as HTMLImageElement).naturalWidth)).toBe(1)
    expect(await tab.evaluate(() => performance.getEntriesByType('navigation').map((e) => (e as PerformanceNavigationTiming).nextHopProtocol))).toEqual(['h2'])
    expect(origin.paths).toEqual(expect.arrayContaining(PATHS))
    // The origin heard only h2, and the four requests on one session (Chromium may open a
    // spare connection beside it that carries no request).
    expect(origin.alpn.length).toBeGreaterThan(0)
    expect(new Set(origin.alpn)).toEqual(new Set(['h2']))
    const on = PATHS.map((p) => origin.streamsOn.get(p)!)
    expect(new Set(on.map((o) => o.session)).size).toBe(1)
    const originIds = Object.fromEntries(PATHS.map((p, i) => [p, on[i].id]))

    // The UI's Exchanges list: each as h2 with its stream, all on that one connection.
    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
    const grid = page.getByRole('grid', { name: 'HTTP exchanges' })
    await page.getByRole('searchbox', { name: 'Filter exchanges' }).fill('proto:h2')
    const host = `https://localhost:${origin.port}`
    // Over TLS the host cell has a lock (its name is the text of its SVG title) before the bare host.
    const hostCell = `HTTPS (TLS, decrypted)localhost:${origin.port}`
    const mine = async (): Promise<Array<Record<string, string>>> => (await gridRows(grid)).filter((r) => r.host === hostCell && PATHS.includes(r.path))
    // Each with the stream id the origin saw it on, all on one connection. Polled whole: the
    // list asks for its rows again while decoding goes on, and a row may be a moment blank.
    let rows: Array<Record<string, string>> = []
    await expect
      .poll(async () => Object.fromEntries((rows = await mine()).map((r) => [r.path, [r.protocol, r.status]])), { timeout: 30_000 })
      .toEqual(Object.fromEntries(PATHS.map((p) => [p, [`h2 · ${originIds[p]}`, '200']])))
    const uiConns = new Set(rows.map((r) => r.conn))
    expect(uiConns.size).toBe(1)
    const connId = Number([...uiConns][0])

    // The engine's view: that connection settled h2 by ALPN on both legs, and so did any spare
    // one that got as far as its handshakes.
    const conns = (await driver.call('conn.page', { capture: 'live', offset: 0, limit: 50 })).rows.filter((c) => c.target === `localhost:${origin.port}`)
    const conn = conns.find((c) => c.id === connId)!
    expect(conn).toMatchObject({ via: 'CONNECT', tls: { client: { sni: 'localhost', alpn: 'h2' }, server: { sni: 'localhost', alpn: 'h2' } } })
    for (const c of conns.filter((c) => c.tls?.client !== undefined && c.tls?.server !== undefined)) expect([c.tls?.client?.alpn, c.tls?.server?.alpn]).toEqual(['h2', 'h2'])
    await saveScreenshot(page, 'browser-h2-exchanges')

    // show --json and the HAR, from the capture saved as a file.
    const file = join(dir.dir, 'browser.tcap')
    await driver.call('capture.save', { path: file })
    const show = await runCli(['show', file, '--json'])
    expect(show.stderr).toBe('')
    expect(show.code).toBe(0)
    const lines = show.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ShowLine)
      .filter((l) => l.type === 'exchange' && l.url.startsWith(`${host}/`))
    for (const p of PATHS) {
      const line = lines.find((l) => l.url === `${host}${p}`)
      expect(line, p).toMatchObject({ protocol: 'h2', status: 200, stream: originIds[p], conn: connId })
    }

    const har = await runCli(['export', file, '--format', 'har'])
    expect(har.code).toBe(0)
    const entries = (JSON.parse(har.stdout) as { log: { entries: HarEntry[] } }).log.entries
    for (const p of PATHS) {
      const entry = entries.find((e) => e.request.url === `${host}${p}`)
      expect(entry, p).toBeDefined()
      expect([entry!.request.httpVersion, entry!.response.httpVersion, entry!.response.status]).toEqual(['HTTP/2.0', 'HTTP/2.0', 200])
    }
  })
})
