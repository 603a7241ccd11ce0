// HTTP/2 in real Chromium against `tcpscope web`, over real traffic through a proxy the test
// starts through the engine: Node's http2 client multiplexes requests on one h2c connection
// to Node's http2 server.
// - the Exchanges list shows them as h2c with their streams, and proto:h2 picks them;
// - the HTTP tab shows a request's start line as made from the pseudo-headers, and the
//   pseudo-headers first;
// - the H2 frames tab lists SETTINGS, HEADERS and DATA frames, a stream typed and applied with
//   Enter leaves that stream's frames only, and a frame chosen shows in the hex view;
// - in dark, and in Chinese.
// Screenshots of each. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { h2Requests, startH2Origin } from '../helpers/h2-peer'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const REQUESTS = [{ path: '/api/one' }, { path: '/api/two' }, { path: '/api/three', method: 'POST', body: '{"n":3}' }, { path: '/api/four' }]

const WORDS = {
  en: {
    locale: 'en-US',
    view: 'Connection view',
    exchanges: 'Exchanges',
    list: 'List',
    grid: 'HTTP exchanges',
    filter: 'Filter exchanges',
    count: (n: number) => `${n} of ${n} exchanges`,
    detail: 'Selected connection',
    http: 'HTTP',
    frames: 'H2 frames',
    hex: 'Hex',
    request: 'Request',
    reqHeaders: 'Request headers',
    startLine: 'Start line POST /api/three HTTP/2 made from the pseudo-headers, not sent: show its bytes',
    toFrames: "Show stream 5's frames",
    framesGrid: 'HTTP/2 frames',
    stream: 'Stream',
    streamCount: /^\d+ frames on stream 5$/
  },
  zh: {
    locale: 'zh-CN',
    view: '连接视图',
    exchanges: '交换',
    list: '列表',
    grid: 'HTTP 交换',
    filter: '过滤交换',
    count: (n: number) => `${n} / ${n} 个交换`,
    detail: '所选连接',
    http: 'HTTP',
    frames: 'H2 帧',
    hex: '十六进制',
    request: '请求',
    reqHeaders: '请求标头',
    startLine: '起始行 POST /api/three HTTP/2 由伪标头生成，并未发送：显示其字节',
    toFrames: '显示流 5 的帧',
    framesGrid: 'HTTP/2 帧',
    stream: '流',
    streamCount: /^流 5 上 \d+ 帧$/
  }
}

/** Each row's cells' text, under the header cells' words. */
async function gridRows(grid: Locator): Promise<Array<Record<string, string>>> {
  const heads = (await grid.getByRole('columnheader').allTextContents()).map((h) => h.replace(/[▴▾]/g, '').trim())
  const rows = await grid.getByRole('rowgroup').getByRole('row').all()
  return Promise.all(rows.map(async (r) => Object.fromEntries((await r.getByRole('gridcell').allTextContents()).map((c, i) => [heads[i], c.trim()]))))
}

async function run(lang: 'en' | 'zh', scheme: 'light' | 'dark'): Promise<void> {
  const w = WORDS[lang]
  const origin = await startH2Origin(cleanups)
  const { web, page } = await openWebPage(cleanups, { browser: { locale: w.locale, colorScheme: scheme, width: 1280, height: 860 } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin.port}` })
  expect(await h2Requests(portOf(proxy.listen), REQUESTS)).toEqual([200, 200, 200, 200])
  const tag = `${lang}-${scheme}`

  // The Exchanges list: each as h2c with its stream, and proto:h2 picks them.
  await page.getByRole('radiogroup', { name: w.view }).getByRole('radio', { name: w.exchanges }).click()
  const grid = page.getByRole('grid', { name: w.grid })
  const filter = page.getByRole('searchbox', { name: w.filter })
  await filter.fill('proto:h2')
  await expect.poll(() => page.getByRole('status').filter({ hasText: w.count(4) }).count(), { timeout: 30_000 }).toBe(1)
  // The status counts the filtered rows before the virtual list has drawn (and redrawn) them: poll the rows.
  const protocols = async (): Promise<string[]> => {
    const listed = await gridRows(grid)
    const column = listed.length > 0 ? Object.keys(listed[0]).find((k) => /protocol|协议/.test(k)) : undefined
    return column === undefined ? [] : listed.map((r) => r[column]).sort()
  }
  await expect.poll(protocols, { timeout: 30_000 }).toEqual(['h2c · 1', 'h2c · 3', 'h2c · 5', 'h2c · 7'])
  await saveScreenshot(page, `http2-exchanges-${tag}`)
  await filter.fill('proto:http1')
  await expect.poll(() => grid.getByRole('rowgroup').getByRole('row').allTextContents()).toHaveLength(1)
  await filter.fill('proto:h2')
  await expect.poll(() => page.getByRole('status').filter({ hasText: w.count(4) }).count()).toBe(1)

  // The POST on stream 5, in the HTTP tab: its line made from the pseudo-headers, which come first.
  await grid.getByRole('row').filter({ hasText: '/api/three' }).click()
  const detail = page.getByRole('region', { name: w.detail })
  await expect.poll(() => detail.getByRole('tab', { name: w.http, exact: true }).getAttribute('aria-selected')).toBe('true')
  const request = detail.getByRole('region', { name: w.request })
  await request.getByRole('button', { name: w.startLine }).waitFor()
  const names = await request
    .getByRole('table', { name: w.reqHeaders })
    .getByRole('row')
    .evaluateAll((rows) => rows.filter((r) => r.parentElement?.tagName === 'TBODY').map((r) => (r as HTMLTableRowElement).cells[0]?.textContent?.trim()))
  expect(names.slice(0, 4).sort()).toEqual([':authority', ':method', ':path', ':scheme'])
  expect(names.slice(4)).toContain('accept')
  await saveScreenshot(page, `http2-http-tab-${tag}`)

  // Its stream's frames, from the exchange; then every frame, then stream 5 again by the field.
  await detail.getByRole('button', { name: w.toFrames }).click()
  await expect.poll(() => detail.getByRole('tab', { name: w.frames }).getAttribute('aria-selected')).toBe('true')
  const frames = detail.getByRole('grid', { name: w.framesGrid })
  const streamField = detail.getByRole('textbox', { name: w.stream })
  await expect.poll(() => streamField.inputValue()).toBe('5')
  const streams = async (): Promise<string[]> => [...new Set((await gridRows(frames)).map((r) => r[Object.keys(r)[4]]))]
  await expect.poll(streams).toEqual(['5'])
  // Its request's HEADERS and DATA, its response's HEADERS and DATA at least.
  expect((await gridRows(frames)).length).toBeGreaterThanOrEqual(4)
  await detail.getByRole('status').filter({ hasText: w.streamCount }).waitFor()
  await streamField.fill('')
  await streamField.press('Enter')
  const types = async (): Promise<string[]> => [...new Set((await gridRows(frames)).map((r) => r[Object.keys(r)[3]]))]
  await expect.poll(types).toEqual(expect.arrayContaining(['SETTINGS', 'HEADERS', 'DATA']))
  await saveScreenshot(page, `http2-frames-${tag}`)
  await streamField.fill('5')
  await streamField.press('Enter')
  await expect.poll(streams).toEqual(['5'])

  // A frame chosen is the hex view's selection.
  await frames.getByRole('rowgroup').getByRole('row').filter({ hasText: 'DATA' }).first().click()
  await frames.press('Enter')
  await expect.poll(() => detail.getByRole('tab', { name: w.hex }).getAttribute('aria-selected')).toBe('true')
  await saveScreenshot(page, `http2-frame-in-hex-${tag}`)
}

describe('HTTP/2 exchanges and frames in Chromium', () => {
  it('shows h2c exchanges with their streams, pseudo-headers first, and the frames by stream (light)', async () => {
    await run('en', 'light')
  })

  it('in dark', async () => {
    await run('en', 'dark')
  })

  it('in Chinese', async () => {
    await run('zh', 'light')
  })
})
