// What new users tripped on in the list and find, in real Chromium against `tcpscope web`:
// a bad filter word says what is allowed under the filter, the status bar says N of M,
// a text: word finds a connection by what it carried, find says "k of N" and forgets its
// message when another connection is selected. In English (light) and Chinese (dark), with
// screenshots of each. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { connectTo, startServer, portOf } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const flat = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()

/** How much room an input's placeholder leaves in its box, in px: below 0 it is cut. */
const placeholderRoom = (input: Locator): Promise<number> =>
  input.evaluate((el: HTMLInputElement) => {
    const style = getComputedStyle(el)
    const ctx = document.createElement('canvas').getContext('2d')!
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`
    return el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - ctx.measureText(el.placeholder).width
  })

/** What each language calls what the test reads. */
const WORDS = {
  en: {
    grid: 'Connections',
    closed: 'closed',
    filter: 'Filter connections',
    badState: /^filter state:bogus: use one of open, closed, reset/,
    badPort: 'filter port:abc: port wants a whole number, e.g. port:6379',
    hintName: 'Filter hint',
    hint: 'stauts:200 is read as a host and its port: did you mean status:200?',
    noneOfThree: '0 of 3 connections',
    all: '3 connections',
    oneOfThree: '1 of 3 connections',
    detail: 'Selected connection',
    find: 'Find in the stream',
    input: 'Find',
    first: /^1 of 3: Match at 0x0000000a, 6 bytes\.$/,
    second: /^2 of 3: Match at 0x00000012, 6 bytes\.$/,
    text: 'Text',
    stream: 'Stream text',
    encoding: 'Encoding'
  },
  zh: {
    grid: '连接',
    closed: '已关闭',
    filter: '过滤连接',
    badState: /^过滤条件有误：filter state:bogus: use one of open, closed, reset/,
    badPort: '过滤条件有误：filter port:abc: port wants a whole number, e.g. port:6379',
    hintName: '过滤提示',
    hint: '“stauts:200” 被当作主机和端口：你要写的是不是 status:200？',
    noneOfThree: '0 / 3 个连接',
    all: '3 个连接',
    oneOfThree: '1 / 3 个连接',
    detail: '所选连接',
    find: '在流中查找',
    input: '查找',
    first: /^第 1 \/ 3 个：在 0x0000000a 处匹配，6 字节。$/,
    second: /^第 2 \/ 3 个：在 0x00000012 处匹配，6 字节。$/,
    text: '文本',
    stream: '流文本',
    encoding: '编码'
  }
}

describe('the connection list filter and find, as a new user meets them', () => {
  it('explain a bad filter word, count N of M, find connections by payload, and say which match of how many', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    const server = await startServer((s) => {
      s.resume()
      s.on('end', () => s.end())
    })
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    // Three connections; only the second carries "needle", three times.
    // The third hides a right-to-left override (U+202E) that would show "evil" reversed.
    for (const text of ['GET /alpha HTTP/1.1\r\n\r\n', 'PING with needle, needle and needle\r\n', 'QUIT \u202eevil\r\n']) {
      const c = await connectTo(portOf(proxy.listen))
      const closed = new Promise((r) => c.on('close', r))
      c.resume()
      c.end(text)
      await closed
    }

    for (const [lang, locale, scheme] of [['en', 'en-US', 'light'], ['zh', 'zh-CN', 'dark']] as const) {
      const words = WORDS[lang]
      const b = await openBrowser({ locale, colorScheme: scheme, width: 1280, height: 760 })
      cleanups.push(() => b.close())
      const { page } = b
      page.setDefaultTimeout(10_000)
      const shot = (name: string) => saveScreenshot(page, `list-filter-find-${name}-${lang}-${scheme}`)
      await page.goto(w.url)
      const grid = page.getByRole('grid', { name: words.grid })
      const rows = grid.getByRole('row').filter({ has: page.getByRole('gridcell', { name: words.closed }) })
      await expect.poll(() => rows.count()).toBe(3)
      const status = page.getByRole('status', { name: lang === 'en' ? 'Status' : '状态' })
      await expect.poll(() => flat(status)).toContain(words.all)
      // In a 1400 px window, Info has the room the start time gave up (it was about 100 px,
      // "GET /al…"): Wireshark's widest column, the one that says most.
      await page.setViewportSize({ width: 1400, height: 760 })
      const info = grid.getByRole('gridcell', { name: /^GET \/alpha/ })
      await expect.poll(() => info.evaluate((el) => el.clientWidth)).toBeGreaterThanOrEqual(160)
      await page.setViewportSize({ width: 1280, height: 760 })

      // The filter's placeholder is whole, here and in a 1100 px window (it was cut after
      // "state:reset tls:yes sni").
      const filter = page.getByRole('searchbox', { name: words.filter })
      for (const width of [1280, 1100]) {
        await page.setViewportSize({ width, height: 760 })
        expect(await placeholderRoom(filter), `at ${width} px`).toBeGreaterThanOrEqual(0)
      }
      await page.setViewportSize({ width: 1280, height: 760 })

      // A word the filter does not know: why, under the filter, and an empty list (not "…").
      await filter.fill('state:bogus')
      const alert = page.getByRole('alert')
      await expect.poll(() => flat(alert)).toMatch(words.badState)
      expect(await filter.getAttribute('aria-invalid')).toBe('true')
      // The note is read with the filter, and covers nothing: it was drawn over the column headers.
      expect(await filter.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'))
      const note = (await alert.boundingBox())!
      const header = (await grid.getByRole('row').filter({ has: page.getByRole('columnheader') }).boundingBox())!
      expect(note.y + note.height, 'the note ends above the column headers').toBeLessThanOrEqual(header.y)
      await expect.poll(() => rows.count()).toBe(0)
      await shot('bad-word')
      await filter.fill('port:abc')
      await expect.poll(() => flat(alert)).toBe(words.badPort)

      // A misspelt word before a number is a host and its port, which no connection has: the
      // list is empty, and a note says why and what was likely meant. No mistake: nothing refused.
      await filter.fill('stauts:200')
      const hint = page.getByRole('status', { name: words.hintName })
      await expect.poll(() => flat(hint)).toBe(words.hint)
      await alert.waitFor({ state: 'detached' })
      expect(await filter.getAttribute('aria-invalid')).toBe('false')
      expect(await filter.getAttribute('aria-describedby')).toBe(await hint.getAttribute('id'))
      await expect.poll(() => rows.count()).toBe(0)
      await expect.poll(() => flat(status)).toContain(words.noneOfThree)
      const hintBox = (await hint.boundingBox())!
      const headerRow = (await grid.getByRole('row').filter({ has: page.getByRole('columnheader') }).boundingBox())!
      expect(hintBox.y + hintBox.height, 'the hint ends above the column headers').toBeLessThanOrEqual(headerRow.y)
      await shot('hint')
      await filter.fill('status:200')
      await hint.waitFor({ state: 'detached' })

      // text: finds the connection by what it carried; the status bar says N of M.
      await filter.fill('text:NEEDLE')
      await alert.waitFor({ state: 'detached' })
      await expect.poll(() => rows.count()).toBe(1)
      await expect.poll(() => flat(status)).toContain(words.oneOfThree)
      await shot('text-filter')

      // Find: "k of N", the next match "k+1 of N".
      await rows.first().click()
      const detail = page.getByRole('region', { name: words.detail })
      await page.keyboard.press('Control+f')
      const find = detail.getByRole('search', { name: words.find })
      const query = find.getByRole('textbox', { name: words.input, exact: true })
      await query.fill('needle')
      await query.press('Enter')
      await expect.poll(() => flat(find.getByRole('status'))).toMatch(words.first)
      await query.press('Enter')
      await expect.poll(() => flat(find.getByRole('status'))).toMatch(words.second)
      await shot('find')

      // Another connection: the message was about the one before, so it goes.
      await filter.fill('')
      await expect.poll(() => rows.count()).toBe(3)
      await rows.first().click()
      await expect.poll(() => flat(find.getByRole('status'))).toBe('')
      await shot('find-cleared')

      // Durations in the clock's whole milliseconds: never "8.00 ms" or "0 µs".
      for (const cells of await rows.allTextContents()) expect(cells).toMatch(/(< 1|\d+) ms$/)
      // The text view names the bidirectional control rather than obeying it, and offers the one list of encodings.
      await rows.last().click()
      await detail.getByRole('tab', { name: words.text }).click()
      await expect.poll(() => detail.getByRole('textbox', { name: words.stream }).textContent()).toContain('QUIT RLOevilCRLF')
      expect(await detail.getByLabel(words.encoding, { exact: true }).locator('option').allTextContents()).toEqual(['UTF-8', 'Latin-1', 'ASCII', 'UTF-16LE', 'GBK', 'GB18030', 'Shift_JIS'])
      await shot('bidi')
    }
  })
})
