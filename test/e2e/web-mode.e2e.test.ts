// The page served by `tcpscope web`, in real Chromium: opened with its token, it follows a
// live proxy (a connection made through it appears) and an opened capture file, through
// the paged and batched contract; the token never reaches another local server, and a
// reload keeps the page connected. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { collect, connectTo, startServer, tempDir, waitFor, portOf } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot, type Browser } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { LiveCapture } from '../../src/core/capture/write/live-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function browser(): Promise<Browser> {
  const b = await openBrowser()
  cleanups.push(() => b.close())
  return b
}

describe('web mode in Chromium', () => {
  it('lists a connection made through a proxy, live, and an opened capture file', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A capture file to open beside the live one: two connections.
    const file = join(dir, 'earlier.tcap')
    const earlier = await LiveCapture.create(file)
    for (const port of [41001, 41002]) {
      const c = earlier.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port, family: 'IPv4' }, target: '10.0.0.1:6379' })
      c.data('client', Buffer.from('PING\r\n'))
      c.close('closed')
    }
    await earlier.close()

    const w = await startWeb(['--open', file])
    cleanups.push(() => w.stop('SIGINT'))
    const { page } = await browser()
    await page.goto(w.url)
    const grid = page.getByRole('grid', { name: 'Connections' })
    const captures = page.getByRole('navigation', { name: 'Open captures' })
    // The opened file is in front at first; the live capture is a click away.
    await expect.poll(() => captures.getByRole('button', { name: /^earlier\.tcap \d+$/ }).getAttribute('aria-pressed')).toBe('true')
    await captures.getByRole('button', { name: /live 0/ }).click()

    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    const echoed = collect(c)
    c.end('hello through the proxy')
    await echoed

    await captures.getByRole('button', { name: /live 1/ }).waitFor()
    await grid.getByRole('gridcell', { name: `127.0.0.1:${server.port}` }).waitFor()
    await grid.getByRole('gridcell', { name: 'closed' }).waitFor()
    await page.getByRole('region', { name: 'Proxies' }).getByText(proxy.listen).waitFor()
    await saveScreenshot(page, 'web-mode-live')

    await captures.getByRole('button', { name: /^earlier\.tcap \d+$/ }).click()
    await grid.getByRole('gridcell', { name: '10.0.0.7:41002' }).waitFor()
    expect(await grid.getAttribute('aria-rowcount')).toBe('3')
    await saveScreenshot(page, 'web-mode-file')
  })

  it('keeps the token to itself: other local servers never get it, a reload still works, a page without it says what to open', async () => {
    // Another local server, as a developer has running: it records every request it gets.
    const seen: string[] = []
    const other = createServer((req, res) => {
      seen.push([`${req.method} ${req.url}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`)].join('\n'))
      res.writeHead(200, { 'Content-Type': 'text/html' })
      res.end(req.url === '/' ? '<!doctype html><title>other</title><img src="/pixel.png"><script>fetch("/api", { credentials: "include" })</script>' : '')
    })
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise<void>((r) => other.close(() => r())))
    const otherPort = (other.address() as AddressInfo).port

    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    const { page, context } = await browser()
    const captures = page.getByRole('navigation', { name: 'Open captures' })
    await page.goto(w.url)
    await captures.getByRole('button', { name: /^live/ }).waitFor()
    // Out of the address bar (history, bookmarks, Referer), and in no cookie.
    expect(page.url()).toBe(`${w.origin}/`)
    expect(await context.cookies()).toEqual([])

    // From the page itself, then typed, on both names of this machine.
    await page.evaluate((u) => (location.href = u), `http://127.0.0.1:${otherPort}/`)
    await page.waitForURL(`http://127.0.0.1:${otherPort}/`)
    await page.goto(`http://localhost:${otherPort}/`)
    await waitFor(() => seen.filter((r) => r.startsWith('GET /api')).length >= 2 && seen.some((r) => r.startsWith('GET /pixel.png')), 'the other server to be visited twice')
    expect(seen.length).toBeGreaterThanOrEqual(6)
    for (const request of seen) expect(request).not.toContain(w.token)

    // Back in the same tab without the token in the URL, and reloaded: still connected.
    await page.goto(`${w.origin}/`)
    await captures.getByRole('button', { name: /^live/ }).waitFor()
    await page.reload()
    await captures.getByRole('button', { name: /^live/ }).waitFor()
    expect(await page.getByRole('alert').count()).toBe(0)

    // A fresh tab on the bare address has no token: it says what to open.
    const bare = await context.newPage()
    await bare.goto(`${w.origin}/`)
    await bare.getByRole('alert').filter({ hasText: 'Open the URL tcpscope printed when it started' }).waitFor()
    await saveScreenshot(bare, 'web-mode-no-token')
    const zh = await openBrowser({ locale: 'zh-CN' })
    cleanups.push(() => zh.close())
    await zh.page.goto(`${w.origin}/`)
    await zh.page.getByRole('alert').filter({ hasText: '请打开 tcpscope 启动时打印的网址' }).waitFor()
  })
})
