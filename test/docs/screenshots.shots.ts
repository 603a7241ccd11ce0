// The guide's screenshots (docs/images/*.png), made again by `npm run docs:shots` whenever the
// UI changes: web mode in real Chromium at 1280x800, with a capture made by real traffic (HTTP
// through a recording proxy, to an origin whose answers change so a replay differs). Each
// picture in light and dark (`-dark`), and the main window once in Chinese. Selects by role
// and name, as the e2e tests do.
import { once } from 'node:events'
import { connect } from 'node:net'
import { createServer, request, type IncomingMessage } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { listen, startServer } from '../helpers/net'
import { portOf } from '../helpers/engine'
import { chromiumAvailable, openBrowser } from '../helpers/browser'
import { startWeb } from '../helpers/web'
import { runCleanups } from '../helpers/web-page'

const IMAGES = resolve(__dirname, '../../docs/images')
const cleanups: Array<() => unknown> = []
afterAll(() => runCleanups(cleanups))

/** An API answering JSON whose `served` count grows, so a replayed answer differs from the recorded one. */
async function apiOrigin(): Promise<number> {
  let served = 0
  const server = createServer((req, res) => {
    req.resume()
    served += 1
    const body = JSON.stringify({ path: req.url, items: [{ id: 1, name: 'anvil' }, { id: 2, name: 'rope' }], served })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
    res.end(body)
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return port
}

async function get(port: number, path: string, method = 'GET', body?: string): Promise<void> {
  const req = request({ port, host: '127.0.0.1', path, method, headers: { Connection: 'close', 'User-Agent': 'docs-shots/1', ...(body ? { 'Content-Type': 'application/json' } : {}) } })
  req.end(body)
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  res.resume()
  await once(res, 'end')
}

async function shoot(page: Page, name: string): Promise<void> {
  // Let the last batch paint and any transition end before the picture.
  await page.waitForTimeout(400)
  await page.screenshot({ path: `${IMAGES}/${name}.png` })
}

/** The page in web mode; `beforeProxies` sees the window while nothing runs yet (the start panel). */
async function windowWith(opts: { scheme: 'light' | 'dark'; locale?: string; beforeProxies?: (page: Page) => Promise<void> }): Promise<{ page: Page; api: number; proxy: { id: string; listen: string }; echoProxyId: string; echoPort: number }> {
  // A capture named as a person would name it, for the status bar.
  const web = await startWeb(['--capture', join(mkdtempSync(join(tmpdir(), 'tcpscope-shots-')), 'demo.tcap')])
  cleanups.push(() => web.stop('SIGINT'))
  const browser = await openBrowser({ colorScheme: opts.scheme, locale: opts.locale, width: 1280, height: 800 })
  cleanups.push(() => browser.close())
  const page = browser.page
  page.setDefaultTimeout(20_000)
  await page.goto(web.url)
  await opts.beforeProxies?.(page)
  const driver = await web.client()
  const api = await apiOrigin()
  const echo = await startServer((s) => {
    s.on('error', () => {})
    s.pipe(s)
  })
  cleanups.push(() => echo.close())
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${api}` })
  const echoProxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${echo.port}` })
  return { page, api, proxy, echoProxyId: echoProxy.id, echoPort: portOf(echoProxy.listen) }
}

/** Real HTTP traffic through the proxy: a few GETs and a POST. */
async function traffic(proxyListen: string): Promise<void> {
  const port = portOf(proxyListen)
  for (const path of ['/api/items', '/api/items?page=2', '/api/users/7', '/health']) await get(port, path)
  await get(port, '/api/items', 'POST', JSON.stringify({ name: 'hammer' }))
}

async function openFirstExchange(page: Page, api: number): Promise<Locator> {
  const detail = page.getByRole('region', { name: /^(Selected connection|所选连接)$/ })
  // Every connection of traffic() decoded as HTTP, as a person would see it a moment later.
  const grid = page.getByRole('grid', { name: /^(Connections|连接)$/ })
  await expect.poll(() => grid.getByRole('gridcell', { name: 'HTTP', exact: true }).count()).toBe(5)
  await page.getByRole('grid', { name: /^(Connections|连接)$/ }).getByRole('gridcell', { name: `127.0.0.1:${api}` }).first().click()
  await detail.getByRole('tab', { name: 'HTTP', exact: true }).click()
  await detail.getByRole('listbox', { name: /^HTTP/ }).getByRole('option').first().click()
  await detail.getByRole('region', { name: /^(Response|响应)$/ }).waitFor()
  return detail
}

describe.runIf(chromiumAvailable())('the guide screenshots', () => {
  for (const scheme of ['light', 'dark'] as const) {
    const suffix = scheme === 'light' ? '' : '-dark'
    it(`takes the start panel, the main window, the HTTP view, Replay, the Held queue and Faults, ${scheme}`, async () => {
      const startPanel = async (page: Page): Promise<void> => {
        await page.getByRole('region', { name: 'Start' }).waitFor()
        await shoot(page, `start-panel${suffix}`)
      }
      const { page, api, proxy, echoProxyId, echoPort } = await windowWith({ scheme, beforeProxies: startPanel })

      await traffic(proxy.listen)
      const detail = await openFirstExchange(page, api)
      await shoot(page, `http-view${suffix}`)
      await detail.getByRole('tab', { name: 'Conversation', exact: true }).click()
      await shoot(page, `main-window${suffix}`)

      await detail.getByRole('tab', { name: 'HTTP', exact: true }).click()
      await detail.getByRole('tab', { name: 'Replay', exact: true }).click()
      const panel = detail.getByRole('region', { name: /^Replay of request 1 of connection #\d+$/ })
      await panel.getByRole('button', { name: 'Send', exact: true }).click()
      const results = panel.getByRole('region', { name: 'Replay results' })
      await expect.poll(() => results.getByRole('status').first().textContent()).toMatch(/^Differs/)
      await shoot(page, `replay${suffix}`)

      // A toxic in the Faults panel, then a chunk held by a breakpoint in the Held queue.
      await page.getByRole('button', { name: `Faults of ${echoProxyId}…` }).click()
      const faults = page.getByRole('dialog', { name: `Faults of ${echoProxyId}` })
      await faults.getByLabel('Type', { exact: true }).selectOption('latency')
      await faults.getByLabel('latency (ms)').fill('200')
      await faults.getByRole('button', { name: 'Add toxic' }).click()
      await faults.getByRole('table', { name: 'Toxics' }).getByRole('row').nth(1).waitFor()
      await shoot(page, `faults${suffix}`)
      await faults.getByRole('button', { name: 'Close' }).click()

      await page.getByRole('button', { name: `Breakpoints of ${echoProxyId}…` }).click()
      const rules = page.getByRole('dialog', { name: `Breakpoints of ${echoProxyId}` })
      await rules.getByLabel('Hold', { exact: true }).selectOption('text')
      await rules.getByLabel('Direction', { exact: true }).selectOption('upstream')
      await rules.getByLabel('Pattern').fill('PASS')
      await rules.getByRole('button', { name: 'Add breakpoint' }).click()
      await rules.getByRole('button', { name: 'Close' }).click()
      const c = connect({ port: echoPort, host: '127.0.0.1' })
      c.on('error', () => {})
      cleanups.push(() => c.destroy())
      await once(c, 'connect')
      c.write('PASS secret\r\n')
      const queue = page.getByRole('region', { name: 'Held messages' })
      await queue.getByRole('listbox', { name: 'Messages held by breakpoints' }).getByRole('option').first().click()
      await queue.getByRole('textbox', { name: /^Held message \d+$/ }).waitFor()
      await detail.getByRole('tab', { name: 'Conversation', exact: true }).click()
      await shoot(page, `held-queue${suffix}`)
    })
  }

  it('takes the main window in Chinese', async () => {
    const { page, api, proxy } = await windowWith({ scheme: 'light', locale: 'zh-CN' })
    await traffic(proxy.listen)
    await openFirstExchange(page, api)
    await shoot(page, 'main-window-zh')
  })
})
