// What a new user saw wrong on the main screen, in real Chromium against `tcpscope web`
// with a capture of HTTPS connections and a response cut off by a reset
// (tls-reset-capture.ts), at the window size they used (1440 × 900), in English and Chinese:
// - the connection list's Target cell: the lock and the host on one line, the host whole
//   (or cut at its end with an ellipsis), never pushed half out of its row by the lock;
// - the exchange list's host cell: a lock, and the host whole (`https://` took its width);
// - an exchange whose response a reset cut off: marked beside its status, and its body says
//   it ended after 1000 B of 97.7 KiB because the server reset the connection, with no
//   "Load more" for bytes that do not exist;
// - "Mock this response…" off with no proxy running, saying why.
// Boxes measured as they are drawn; selected by role and name only; axe finds nothing serious
// in the lists, the menu or the cut-off body (light in English, dark in Chinese).
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { tempDir } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { expectNone, violations } from '../helpers/accessibility'
import { LONG_HOST, RESET_TARGET, writeTlsResetCapture } from './tls-reset-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const WORDS = {
  en: {
    grid: 'Connections',
    decrypted: 'TLS, decrypted',
    connectionView: 'Connection view',
    exchanges: 'Exchanges',
    exchangeGrid: 'HTTP exchanges',
    https: 'HTTPS (TLS, decrypted)',
    incomplete: 'incomplete',
    incompleteName: /^Incomplete: its connection ended/,
    response: 'Response',
    ended: 'The body ended after 1000 B of 97.7 KiB: the server reset the connection.',
    more: 'Load more',
    menu: 'Actions',
    mock: 'Mock this response…',
    noProxy: 'Start a proxy first: a rule belongs to a running proxy, and none is running.'
  },
  zh: {
    grid: '连接',
    decrypted: 'TLS，已解密',
    connectionView: '连接视图',
    exchanges: '交换',
    exchangeGrid: 'HTTP 交换',
    https: 'HTTPS（TLS，已解密）',
    incomplete: '不完整',
    incompleteName: /^不完整：/,
    response: '响应',
    ended: '正文在 1000 B 处中断（应有 97.7 KiB）：服务器重置了连接。',
    more: '加载更多',
    menu: '操作',
    mock: '模拟这个响应…',
    noProxy: '请先启动代理：规则属于正在运行的代理，而目前没有代理在运行。'
  }
}

type Box = { x: number; y: number; width: number; height: number }
const box = async (l: Locator): Promise<Box> => (await l.boundingBox())!
const centreY = (b: Box): number => b.y + b.height / 2
/** Whether an element's text is cut (wider than its box). */
const cut = (l: Locator): Promise<boolean> => l.evaluate((el) => el.scrollWidth > el.clientWidth)

/** The lock and the text are on one line, the text whole in height inside its cell. */
async function oneLine(cell: Locator, lock: Locator, text: Locator): Promise<void> {
  const [c, k, t] = [await box(cell), await box(lock), await box(text)]
  expect(Math.abs(centreY(k) - centreY(t)), 'the lock beside the text, not above it').toBeLessThanOrEqual(3)
  expect(t.y, 'the text starts inside its row').toBeGreaterThanOrEqual(c.y - 0.5)
  expect(t.y + t.height, 'the text ends inside its row').toBeLessThanOrEqual(c.y + c.height + 0.5)
  expect(k.x + k.width, 'the lock before the text').toBeLessThanOrEqual(t.x)
  expect(t.x + t.width, 'the text inside its cell').toBeLessThanOrEqual(c.x + c.width + 0.5)
}

async function openCapture(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: /Open captures|已打开的抓包/ }).getByRole('button', { name: new RegExp(`^${name.replace('.', '\\.')}`) }).click()
}

describe('the lists and the HTTP view of HTTPS and reset traffic, as a new user met them', () => {
  for (const lang of ['en', 'zh'] as const) {
    it(`in ${lang === 'en' ? 'English' : 'Chinese'}: lock and host on one line, the host whole in both lists, a reset response marked and said`, async () => {
      const words = WORDS[lang]
      const { dir, cleanup } = tempDir()
      cleanups.push(cleanup)
      const file = join(dir, 'web.tcap')
      await writeTlsResetCapture(file)
      const { page } = await openWebPage(cleanups, {
        args: ['--open', file],
        browser: { width: 1440, height: 900, locale: lang === 'en' ? 'en-US' : 'zh-CN', colorScheme: lang === 'en' ? 'light' : 'dark' }
      })
      await openCapture(page, 'web.tcap')
      const grid = page.getByRole('grid', { name: words.grid })

      // The connection list: each TLS row's lock and host on one line.
      const tlsRows = grid.getByRole('row').filter({ has: page.getByRole('img', { name: words.decrypted }) })
      await expect.poll(() => tlsRows.count(), { timeout: 15_000 }).toBe(2)
      for (const [host, whole] of [
        ['localhost:18443', true],
        [LONG_HOST, false]
      ] as const) {
        const row = tlsRows.filter({ hasText: host })
        const lock = row.getByRole('img', { name: words.decrypted })
        const text = row.getByText(host, { exact: true })
        const cell = row.getByRole('gridcell').filter({ has: page.getByText(host, { exact: true }) })
        await oneLine(cell, lock, text)
        // Whole when it fits; a long one is cut at its end, with an ellipsis.
        expect(await cut(text), `${host} cut`).toBe(!whole)
        if (!whole) expect(await text.evaluate((el) => getComputedStyle(el).textOverflow)).toBe('ellipsis')
      }
      await saveScreenshot(page, `list-cells-connections-${lang}`)
      const found = await violations(page, 'connection list')

      // The exchange list: a lock beside the bare host, whole.
      await page.getByRole('radiogroup', { name: words.connectionView }).getByRole('radio', { name: words.exchanges }).click()
      const exchanges = page.getByRole('grid', { name: words.exchangeGrid })
      const status = exchanges.getByRole('row').filter({ hasText: '/api/status' })
      await status.waitFor({ timeout: 15_000 })
      const host = status.getByText('localhost:18443', { exact: true })
      await oneLine(status.getByRole('gridcell').filter({ has: page.getByText('localhost:18443', { exact: true }) }), status.getByRole('img', { name: words.https }), host)
      expect(await cut(host), 'localhost:18443 cut in the exchange list').toBe(false)
      // The plain exchange has no lock.
      const reset = exchanges.getByRole('row').filter({ hasText: RESET_TARGET })
      expect(await reset.getByRole('img', { name: words.https }).count()).toBe(0)

      // The reset exchange: marked beside its 200, the mark named.
      const mark = reset.getByRole('img', { name: words.incompleteName })
      await mark.waitFor()
      expect((await mark.textContent())?.trim()).toBe(words.incomplete)
      const statusCell = reset.getByRole('gridcell').filter({ has: page.getByRole('img', { name: words.incompleteName }) })
      expect(((await statusCell.textContent()) ?? '').replace(/\s+/g, ' ').trim()).toBe(`200${words.incomplete}`)
      expect(await cut(statusCell), 'the status and its mark fit their cell').toBe(false)
      await saveScreenshot(page, `list-cells-exchanges-${lang}`)
      found.push(...(await violations(page, 'exchange list')))

      // No proxy runs: "Mock this response…" is off and says why.
      await reset.click({ button: 'right' })
      const menu = page.getByRole('menu', { name: words.menu })
      const mock = menu.getByRole('menuitem', { name: words.mock })
      expect(await mock.getAttribute('aria-disabled')).toBe('true')
      expect(await mock.getAttribute('aria-description')).toBe(words.noProxy)
      expect(await mock.getAttribute('title')).toBe(words.noProxy)
      // The short hint drawn beside it, inside the menu.
      expect(await mock.evaluate((el) => getComputedStyle(el, '::after').content)).not.toBe('none')
      expect(await cut(mock), 'the item and its hint fit the menu').toBe(false)
      await saveScreenshot(page, `list-cells-menu-${lang}`)
      found.push(...(await violations(page, 'menu')))
      await page.keyboard.press('Escape')
      await menu.waitFor({ state: 'hidden' })

      // Its body: ended there, and why; nothing more to load.
      await reset.click()
      const response = page.getByRole('region', { name: words.response, exact: true })
      await response.getByText(words.ended).waitFor()
      expect(await response.getByRole('button', { name: words.more }).count()).toBe(0)
      await saveScreenshot(page, `list-cells-reset-body-${lang}`)
      found.push(...(await violations(page, 'reset body')))
      expectNone(found)
    })
  }
})
