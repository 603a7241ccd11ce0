// Bodies read through the engine's bounded pipeline, in real Chromium against `tcpscope web`,
// over real traffic through the proxy:
// - a real server answers with a 2 GiB gzip JSON bomb: opening it in the HTTP tab keeps the
//   page responsive (a click on another tab answers; how long its tasks take is measured by
//   bench/ui.mjs, not asserted here), the view
//   says in one line above the body that decoding was cut and why, and the bytes as sent
//   are there instead when asked;
// - a gzip JSON answer whose `stamp` changes on every request, recorded once and replayed
//   from the Replay tab: the comparison names `$.stamp` with the recorded and the replayed
//   value, and shows the decoded JSON on both sides.
// Screenshots of each, in English and in Chinese. Selects by role and name only.
import { once } from 'node:events'
import { createServer, request, type IncomingMessage } from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { listen, portOf } from '../helpers/net'
import type { WebMode } from '../helpers/web'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { gzipOfZeros, startBombServer } from '../helpers/gzip-bomb'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MiB = 1024 * 1024

async function startProxy(w: WebMode, port: number): Promise<number> {
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  return portOf(proxy.listen)
}

/** One GET through the proxy, its answer read to the end as sent (no decoding). */
async function get(proxyPort: number, path: string): Promise<void> {
  const req = request({ port: proxyPort, host: '127.0.0.1', path, headers: { 'Accept-Encoding': 'gzip', Connection: 'close' } })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  res.resume()
  await once(res, 'end')
}

const WORDS = {
  en: {
    grid: 'Connections',
    detail: 'Selected connection',
    http: 'HTTP',
    hex: 'Hex',
    replay: 'Replay',
    response: 'Response',
    // The cut line: the sentence, then its button.
    cut: /^Body cut short: stopped decoding at 1\.\d+ MiB: it expands over \d+:1 \(gzip 2\.03 MiB\), past the 100:1 allowed; showing the first 1\.\d+ MiB\s*Raw bytes$/,
    raw: 'Raw bytes',
    exchanges: /^HTTP exchanges \(1\)$/,
    panel: /^Replay of request 1 of connection #\d+$/,
    send: 'Send',
    results: 'Replay results',
    jsonChanges: 'JSON values that differ',
    sides: 'Recorded and replayed responses',
    recorded: 'Recorded',
    replayed: 'Replayed',
    json: 'JSON body'
  },
  zh: {
    grid: '连接',
    detail: '所选连接',
    http: 'HTTP',
    hex: '十六进制',
    replay: '重放',
    response: '响应',
    cut: /^正文已截断：解码到 1\.\d+ MiB 时停止，膨胀比超过允许的 100:1（gzip 2\.03 MiB）；仅显示前 1\.\d+ MiB\s*原始字节$/,
    raw: '原始字节',
    exchanges: /^HTTP 交换（1）$/,
    panel: /^重放连接 #\d+ 的第 1 个请求$/,
    send: '发送',
    results: '重放结果',
    jsonChanges: '不同的 JSON 值',
    sides: '录制与重放的响应',
    recorded: '录制',
    replayed: '重放',
    json: 'JSON 正文'
  }
}

async function openConnection(page: Page, words: (typeof WORDS)['en'], port: number): Promise<ReturnType<Page['getByRole']>> {
  await selectRow(page.getByRole('grid', { name: words.grid, exact: true }), `127.0.0.1:${port}`)
  return page.getByRole('region', { name: words.detail })
}

describe('bodies through the bounded pipeline, in Chromium', () => {
  // One engine and one page for the file's tests: each proxies to a server of its own, and
  // finds its connection by that server's address.
  const shared = sharedWebPage({ browser: { width: 1280, height: 860 } }, toolbarShown)

  for (const lang of ['en', 'zh'] as const) {
    it(`opens a 2 GiB gzip JSON bomb with the page responsive, and says it was cut (${lang})`, async () => {
      const words = WORDS[lang]
      const bomb = await startBombServer(gzipOfZeros(2048 * MiB))
      cleanups.push(bomb.close)
      const { web: w, page } = shared
      await showAs(page, { language: lang === 'zh' ? 'zh-CN' : 'en', width: 1280, height: 860 })
      await get(await startProxy(w, bomb.port), '/bomb')
      const detail = await openConnection(page, words, bomb.port)

      await detail.getByRole('tab', { name: words.http, exact: true }).click()
      const response = detail.getByRole('region', { name: words.response })
      const cut = response.getByRole('status').filter({ has: page.getByRole('button', { name: words.raw }) })
      await expect.poll(async () => ((await cut.count()) === 1 ? (await cut.textContent())?.trim() : '')).toMatch(words.cut)
      // The page answers a click while the body is shown: another tab, and back.
      await detail.getByRole('tab', { name: words.hex, exact: true }).click()
      await detail.getByRole('tab', { name: words.hex, exact: true, selected: true }).waitFor({ timeout: 5000 })
      await detail.getByRole('tab', { name: words.http, exact: true }).click()
      await cut.waitFor()
      await saveScreenshot(page, `http-view-cut-${lang}`)

      // The bytes as sent, in hex, paged: the gzip stream's first bytes.
      await cut.getByRole('button', { name: words.raw }).click()
      await expect.poll(() => cut.getByRole('button', { name: words.raw }).getAttribute('aria-pressed')).toBe('true')
      await expect.poll(() => response.textContent()).toMatch(/0000 {2}1f 8b 08 00/)
      if (lang === 'en') await saveScreenshot(page, 'http-view-cut-raw')
    })
  }

  for (const lang of ['en', 'zh'] as const) {
    it(`replays a gzip JSON answer whose stamp changes, and names $.stamp with both values (${lang})`, async () => {
      const words = WORDS[lang]
      let stamp = 4100001
      const server = createServer((req, res) => {
        req.resume()
        const body = gzipSync(JSON.stringify({ stamp: stamp++, items: [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }], total: 2 }))
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip', 'Content-Length': body.length })
        res.end(body)
      })
      const port = await listen(server)
      cleanups.push(() => new Promise((r) => server.close(r)))
      const { web: w, page } = shared
      await showAs(page, { language: lang === 'zh' ? 'zh-CN' : 'en', width: 1280, height: 900 })
      await get(await startProxy(w, port), '/api/state')

      const detail = await openConnection(page, words, port)
      await detail.getByRole('tab', { name: words.http, exact: true }).click()
      await detail.getByRole('listbox', { name: words.exchanges }).getByRole('option').first().click()
      await detail.getByRole('tab', { name: words.replay, exact: true }).click()
      const panel = detail.getByRole('region', { name: words.panel })
      await panel.getByRole('button', { name: words.send, exact: true }).click()

      const results = panel.getByRole('region', { name: words.results })
      const changes = results.getByRole('table', { name: words.jsonChanges })
      const stampRow = changes.getByRole('row').filter({ hasText: '$.stamp' })
      await expect.poll(() => stampRow.getByRole('cell').allTextContents()).toEqual([expect.any(String), '$.stamp', '4100001', '4100002'])
      const sides = results.getByRole('group', { name: words.sides })
      for (const [side, value] of [
        [words.recorded, 4100001],
        [words.replayed, 4100002]
      ] as const) {
        const tree = sides.getByRole('region', { name: side, exact: true }).getByRole('tree', { name: words.json })
        await expect.poll(() => tree.getByRole('treeitem').nth(1).textContent()).toBe(`  "stamp": ${value},`)
      }
      await saveScreenshot(page, `replay-http-json-diff-${lang}`)
      await sides.scrollIntoViewIfNeeded()
      await saveScreenshot(page, `replay-http-json-sides-${lang}`)
    })
  }
})
