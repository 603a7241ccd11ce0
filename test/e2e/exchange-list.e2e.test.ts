// The exchange list and the context actions in real Chromium against `tcpscope web`:
// - a capture of 100,000 HTTP exchanges (10,000 keep-alive connections of 10, written by the
//   real capture writer) scrolls to its end, filters by status and path through the engine,
//   and a chosen exchange opens in the HTTP view;
// - on a real HTTP exchange through the proxy, "Export HAR" and "Export pcapng" arrive as
//   browser downloads, "Copy as curl" puts the command on the clipboard, and the connection
//   list's Info column reads as Wireshark writes it, in English and in Chinese.
// Screenshots of each. Selects by role and name only.
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import { listen, tempDir, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const CONNECTIONS = 10_000
const PER_CONNECTION = 10
const EXCHANGES = CONNECTIONS * PER_CONNECTION
/** Every 50th exchange is a 404. */
const isMissing = (n: number): boolean => n % 50 === 49

/** 100,000 exchanges as clients and servers send them: requests and responses alternating on keep-alive connections. */
async function writeHttpCapture(path: string): Promise<void> {
  const capture = await LiveCapture.create(path, { overwrite: true })
  const t0 = Date.now() - EXCHANGES
  for (let c = 0; c < CONNECTIONS; c++) {
    const conn = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 10000 + (c % 50000), family: 'IPv4' }, target: `10.0.0.${1 + (c % 5)}:80` })
    for (let k = 0; k < PER_CONNECTION; k++) {
      const n = c * PER_CONNECTION + k
      const at = t0 + n
      conn.data('client', Buffer.from(`GET /items/${n} HTTP/1.1\r\nHost: api${c % 5}.example.com\r\nAccept: application/json\r\n\r\n`), at)
      const body = isMissing(n) ? '{"error":"not found"}' : `{"id":${n},"name":"item ${n}"}`
      const status = isMissing(n) ? '404 Not Found' : '200 OK'
      conn.data('server', Buffer.from(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`), at)
    }
    conn.close('closed')
  }
  await capture.close()
}

/** The list's "N of M exchanges" line, once the engine has decoded them all. */
async function countLine(page: Page): Promise<string> {
  return ((await page.getByRole('status').filter({ hasText: /exchanges$|个交换$/ }).textContent()) ?? '').trim()
}

describe('the exchange list', () => {
  it('with 100,000 exchanges scrolls and filters', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'http-100k.tcap')
    await writeHttpCapture(file)
    const { page } = await openWebPage(cleanups, { args: ['--open', file], browser: { width: 1100, height: 700 } })
    await page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: /^http-100k\.tcap/ }).click()
    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
    const grid = page.getByRole('grid', { name: 'HTTP exchanges' })
    await expect.poll(() => countLine(page), { timeout: 60_000 }).toBe('100,000 of 100,000 exchanges')
    await expect.poll(() => grid.getByRole('row').nth(1).textContent()).toContain('/items/0')

    // To the end, by key and by the scroll bar: the last rows are drawn, with their cells.
    await grid.focus()
    await page.keyboard.press('End')
    const last = grid.locator('[aria-rowindex="100001"]')
    await expect.poll(() => last.textContent()).toContain(`/items/${EXCHANGES - 1}`)
    await page.keyboard.press('Home')
    await expect.poll(() => grid.locator('[aria-rowindex="2"]').textContent()).toContain('/items/0')
    const rows = grid.getByRole('rowgroup', { name: 'Rows' })
    await rows.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect.poll(() => last.textContent()).toContain(`/items/${EXCHANGES - 1}`)
    await saveScreenshot(page, 'exchange-list-end')

    // Filtered by the engine: every 50th is a 404.
    const filter = page.getByRole('searchbox', { name: 'Filter exchanges' })
    await filter.fill('status:404')
    await expect.poll(() => countLine(page)).toBe(`${(EXCHANGES / 50).toLocaleString('en-US')} of 100,000 exchanges`)
    // The status cells of the rows drawn: each row's cell under the "status" column header.
    const column = (await grid.getByRole('columnheader').allTextContents()).findIndex((h) => h.trim().startsWith('status'))
    expect(column).toBeGreaterThan(0)
    const statuses = await Promise.all((await rows.getByRole('row').all()).map((r) => r.getByRole('gridcell').nth(column).textContent()))
    expect(statuses.length).toBeGreaterThan(5)
    expect(new Set(statuses.map((s) => s?.trim()))).toEqual(new Set(['404']))
    await saveScreenshot(page, 'exchange-list-404')

    // One exchange by its path: choosing it opens its connection in the HTTP view.
    await filter.fill('path:/items/77777')
    await expect.poll(() => countLine(page)).toBe('1 of 100,000 exchanges')
    await grid.getByRole('row').filter({ hasText: '/items/77777' }).click()
    await expect.poll(() => page.getByRole('tab', { name: 'HTTP' }).getAttribute('aria-selected')).toBe('true')
    await expect.poll(() => grid.getByRole('row', { selected: true }).getByRole('gridcell').last().textContent()).toContain(String(Math.floor(77777 / PER_CONNECTION) + 1))
    await saveScreenshot(page, 'exchange-list-chosen')
  })
})

/**
 * What a person cannot read of a context menu: items cut short (an ellipsis) or past the
 * menu's box, and the menu itself past the window's edge.
 */
async function cutOfMenu(page: Page, menu: Locator): Promise<string[]> {
  const box = (await menu.boundingBox())!
  const window = page.viewportSize()!
  const cut: string[] = []
  if (box.x < 0 || box.y < 0 || box.x + box.width > window.width || box.y + box.height > window.height) cut.push(`the menu at ${JSON.stringify(box)} leaves the window`)
  for (const item of await menu.getByRole('menuitem').all()) {
    const b = (await item.boundingBox())!
    const shortened = await item.evaluate((el) => el.scrollWidth > el.clientWidth)
    if (shortened || b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) cut.push(((await item.textContent()) ?? '').trim())
  }
  return cut
}

/** What each language calls what the test reads. */
const WORDS = {
  en: { locale: 'en-US', grid: 'Connections', menu: 'Actions', curl: 'Copy as curl', har: /^Export HAR of connection #1…$/, pcapAll: 'Export pcapng of the whole capture…', copied: 'Copied exchange 1 of connection #1 as a curl command', exported: 'Exported ', view: 'Connection view', exchanges: 'Exchanges', list: 'List' },
  zh: { locale: 'zh-CN', grid: '连接', menu: '操作', curl: '复制为 curl', har: /^将连接 #1 导出为 HAR…$/, pcapAll: '将整个抓包导出为 pcapng…', copied: '已将连接 #1 的第 1 个交换复制为 curl 命令', exported: '已导出 ', view: '连接视图', exchanges: '交换', list: '列表' }
}

describe('context actions on a real proxied HTTP exchange', () => {
  for (const [lang, w] of Object.entries(WORDS)) {
    it(`shows it in the Info column, exports HAR as a download and copies it as curl (${lang})`, async () => {
      const server = createServer((req, res) => {
        req.resume()
        req.on('end', () => {
          const body = JSON.stringify({ items: [1, 2, 3], lang })
          res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
          res.end(body)
        })
      })
      const port = await listen(server)
      cleanups.push(() => new Promise((r) => server.close(r)))
      const { web, page } = await openWebPage(cleanups, {
        browser: { locale: w.locale, width: 1100, height: 700 },
        beforeLoad: (b, started) => b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: started.origin })
      })
      const driver = await web.client()
      const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })

      // One real exchange through the proxy, on a connection that then closes.
      const req = request({ port: portOf(proxy.listen), host: '127.0.0.1', path: '/api/items?page=2', method: 'GET', headers: { 'X-Trace': 'e2e', Connection: 'close' } })
      req.end()
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
      res.resume()
      await once(res, 'end')

      const grid = page.getByRole('grid', { name: w.grid, exact: true })
      const row = grid.getByRole('row').nth(1)
      await expect.poll(() => row.textContent()).toMatch(/127\.0\.0\.1/)

      // Export HAR from the connection list's context menu (the keyboard's way: Shift+F10 on the chosen row).
      await row.click()
      await grid.focus()
      await page.keyboard.press('Shift+F10')
      const menu = page.getByRole('menu', { name: w.menu })
      await menu.waitFor()
      // Right after the exchange, whether decoding has reached it or not, curl is offered.
      expect(await menu.getByRole('menuitem', { name: w.curl, exact: true }).getAttribute('aria-disabled')).toBeNull()
      await saveScreenshot(page, `exchange-menu-${lang}`)
      const downloaded = page.waitForEvent('download')
      await menu.getByRole('menuitem', { name: w.har }).click()
      const download = await downloaded
      expect(download.suggestedFilename()).toMatch(/\.har$/)
      const har = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { log: { version: string; entries: Array<{ request: { url: string; method: string }; response: { status: number } }> } }
      expect(har.log.version).toBe('1.2')
      expect(har.log.entries.map((e) => [e.request.method, new URL(e.request.url).pathname, e.response.status])).toEqual([['GET', '/api/items', 200]])
      await expect.poll(() => page.getByRole('status').filter({ hasText: w.exported }).count()).toBe(1)

      // pcapng of the whole capture: a file Wireshark reads (its Section Header Block first).
      // Opened at the row's right end, the menu moves left to be whole, each item whole in it
      // ("Export HAR of connection #1 as delivered (after rules)…" was cut to "(a…").
      const rowBox = (await row.boundingBox())!
      await row.click({ button: 'right', position: { x: rowBox.width - 8, y: rowBox.height / 2 } })
      await menu.waitFor()
      expect(await cutOfMenu(page, menu)).toEqual([])
      const pcapDownload = page.waitForEvent('download')
      await menu.getByRole('menuitem', { name: w.pcapAll }).click()
      const pcap = await pcapDownload
      expect(pcap.suggestedFilename()).toMatch(/\.pcapng$/)
      expect(readFileSync((await pcap.path())!).readUInt32LE(0)).toBe(0x0a0d0d0a)

      // The same exchange in the exchange list; Copy as curl from its menu puts the command on the clipboard.
      await page.getByRole('radiogroup', { name: w.view }).getByRole('radio', { name: w.exchanges }).click()
      const exchanges = page.getByRole('grid', { name: /HTTP/ })
      const exchange = exchanges.getByRole('row').nth(1)
      await expect.poll(() => exchange.textContent()).toContain('/api/items?page=2')
      await exchange.click({ button: 'right' })
      await menu.getByRole('menuitem', { name: w.curl, exact: true }).click()
      await expect.poll(() => page.getByRole('status').filter({ hasText: w.copied }).count()).toBe(1)
      const curl = await page.evaluate(() => navigator.clipboard.readText())
      expect(curl).toMatch(/^curl /m)
      expect(curl).toContain('/api/items?page=2')
      expect(curl).toContain('X-Trace: e2e')
      await saveScreenshot(page, `exchange-list-live-${lang}`)

      // Back in the connection list, the Info column says what the connection carried, as Wireshark does.
      await page.getByRole('radiogroup', { name: w.view }).getByRole('radio', { name: w.list }).click()
      await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/GET \/api\/items\?page=2 → 200 application\/json \d+ B/)
      await expect.poll(() => row.getByRole('gridcell', { name: 'HTTP', exact: true }).count()).toBe(1)
      await saveScreenshot(page, `exchange-info-${lang}`)

      // A replay's own connection: its owner reads "replay" whole (it was "repl…"). In this
      // 1100 px window Info has the room a half-empty state column and the client's spare
      // width give (it had 100 px), and no column runs past the list's right edge (the
      // duration did, out of sight).
      await driver.call('replay.http', { capture: 'live', connId: 1, exchange: 0 })
      const owner = grid.getByRole('gridcell', { name: 'replay', exact: true })
      await owner.waitFor()
      expect(await owner.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true)
      const info = row.getByRole('gridcell', { name: /^GET \/api\/items\?page=2 → 200/ })
      // About 137 px: 140 before the target's lock kept its host on one line (14 px of its own).
      expect(await info.evaluate((el) => el.clientWidth)).toBeGreaterThanOrEqual(135)
      const edge = (await grid.boundingBox())!
      for (const head of await grid.getByRole('columnheader').all()) {
        const b = (await head.boundingBox())!
        expect(b.x + b.width, `the column "${await head.textContent()}" ends at ${b.x + b.width}`).toBeLessThanOrEqual(edge.x + edge.width)
      }
      await saveScreenshot(page, `exchange-replay-owner-${lang}`)
    })
  }
})
