// HTTP replay ("Repeater") in real Chromium against `tcpscope web`, over real traffic
// through the proxy to a Node http server that echoes a request header in its answer (a
// header and the body):
// - the captured request is picked in the HTTP view and opened in the Replay tab; its echo
//   header is edited in the Raw editor by typing, Ctrl+Enter sends it, and the comparison
//   shows the answer's changed header and body beside the recorded ones; the server got it;
// - the Structured editor changes the header's value, and the server receives that;
// - a repeat of 20 at 4 at a time sums up as 20 × 200; a long one is cancelled;
// - both requests of the keep-alive connection go again on one connection;
// - "Open replay #N" shows the replay's own connection;
// - a target that refuses shows the engine's one line next to Send.
// Screenshots in English and Chinese, light and dark. Selects by role and name only.
import { once } from 'node:events'
import { Agent, createServer, request, type IncomingMessage } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { listen, portOf } from '../helpers/net'
import type { WebMode } from '../helpers/web'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server that answers X-Echo back, as a header and as the body; `seen` is every X-Echo it got. */
async function echoServer(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const echo = String(req.headers['x-echo'] ?? '')
    seen.push(echo)
    req.resume()
    const body = `echo=${echo}\npath=${req.url}\n`
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Echo-Back': echo, 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return { port, seen }
}

/** Two requests on one keep-alive connection through the proxy; the echo header is the third line of each head. */
async function capturedRequests(proxyPort: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (const path of ['/echo', '/echo?second']) {
    const req = request({ port: proxyPort, host: '127.0.0.1', path, agent, setHost: false, headers: { Host: 'echo.test', 'X-Echo': 'captured' } })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    res.resume()
    await once(res, 'end')
  }
  agent.destroy()
}

async function startProxy(w: WebMode, port: number): Promise<number> {
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  return portOf(proxy.listen)
}

const WORDS = {
  en: { grid: 'Connections', detail: 'Selected connection', http: 'HTTP', replay: 'Replay', exchanges: /^HTTP exchanges \(2\)$/, panel: /^Replay of request 1 of connection #\d+$/ },
  zh: { grid: '连接', detail: '所选连接', http: 'HTTP', replay: '重放', exchanges: /^HTTP 交换（2）$/, panel: /^重放连接 #\d+ 的第 1 个请求$/ }
}

/** The first captured request of the echo connection, open in the Replay tab. */
async function openReplay(page: Page, words: (typeof WORDS)['en'], target: string): Promise<{ detail: Locator; panel: Locator }> {
  await selectRow(page.getByRole('grid', { name: words.grid, exact: true }), target)
  const detail = page.getByRole('region', { name: words.detail })
  await detail.getByRole('tab', { name: words.http, exact: true }).click()
  const list = detail.getByRole('listbox', { name: words.exchanges })
  await list.getByRole('option').first().click()
  await detail.getByRole('tab', { name: words.replay, exact: true }).click()
  const panel = detail.getByRole('region', { name: words.panel })
  return { detail, panel }
}

describe('HTTP replay in Chromium', () => {
  // One engine and one page for the file's tests: each captures from an echo server of its
  // own, and finds its connection by that address.
  const shared = sharedWebPage({ browser: { width: 1280, height: 860 } }, toolbarShown)

  it('edits a captured request as raw text and as parts, sends it, and shows what changed; repeats it; replays the keep-alive connection', async () => {
    const origin = await echoServer()
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    await capturedRequests(await startProxy(w, origin.port))
    expect(origin.seen).toEqual(['captured', 'captured'])
    const { panel } = await openReplay(page, WORDS.en, `127.0.0.1:${origin.port}`)

    // The captured request in the Raw editor, CR and LF shown.
    const raw = panel.getByRole('textbox', { name: 'Request bytes as text' })
    await expect.poll(() => raw.textContent()).toContain('X-Echo: captured')
    await saveScreenshot(page, 'replay-http-captured')

    // Typed in: the echo header's value, at the end of its line (before its CR).
    await raw.click()
    await page.keyboard.press('Control+Home')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('End')
    await page.keyboard.press('ArrowLeft')
    for (let i = 0; i < 'captured'.length; i++) await page.keyboard.press('Backspace')
    await page.keyboard.type('edited')
    await panel.getByRole('status').filter({ hasText: /^edited$/ }).waitFor()
    await page.keyboard.press('Control+Enter')

    // The server got the edit; the answer differs from the recorded one in its echo header and its body.
    await expect.poll(() => origin.seen).toEqual(['captured', 'captured', 'edited'])
    const results = panel.getByRole('region', { name: 'Replay results' })
    await expect.poll(() => results.getByRole('status').first().textContent()).toMatch(/^Differs: .*header X-Echo-Back.*body/)
    const statusLines = results.getByRole('table', { name: 'Status lines' })
    await statusLines.getByRole('row', { name: 'Recorded HTTP/1.1 200 OK' }).waitFor()
    await statusLines.getByRole('row', { name: 'Replayed HTTP/1.1 200 OK' }).waitFor()
    const echoBack = results.getByRole('table', { name: 'Response headers, recorded and replayed' }).getByRole('row').filter({ hasText: 'X-Echo-Back' })
    await expect.poll(() => echoBack.textContent()).toMatch(/captured.*edited/)
    await expect.poll(() => results.textContent()).toContain('echo=edited')
    expect(await results.textContent()).toContain('echo=captured')
    await saveScreenshot(page, 'replay-http-diff')

    // The structured editor: the header's value changed in its field reaches the server.
    await panel.getByRole('tab', { name: 'Structured' }).click()
    const value = panel.getByRole('textbox', { name: 'Header 2 value (X-Echo)' })
    await expect.poll(() => value.inputValue()).toBe('edited')
    await value.fill('from-parts')
    await saveScreenshot(page, 'replay-http-structured')
    await panel.getByRole('button', { name: 'Send', exact: true }).click()
    await expect.poll(() => origin.seen.at(-1)).toBe('from-parts')
    await expect.poll(() => results.textContent()).toContain('echo=from-parts')
    // The same bytes in Raw.
    await panel.getByRole('tab', { name: 'Raw' }).click()
    await expect.poll(() => panel.getByRole('textbox', { name: 'Request bytes as text' }).textContent()).toContain('X-Echo: from-parts')

    // Repeat of the captured request (reverted): 20 times, 4 at once, each the recorded answer.
    await panel.getByRole('button', { name: 'Revert to captured' }).click()
    await expect.poll(() => panel.getByRole('status').filter({ hasText: /^edited$/ }).count()).toBe(0)
    await results.getByRole('tab', { name: 'Repeat' }).click()
    await results.getByRole('spinbutton', { name: 'Count' }).fill('20')
    await results.getByRole('spinbutton', { name: 'At once' }).fill('4')
    const before = origin.seen.length
    await results.getByRole('button', { name: 'Start' }).click()
    const summary = results.getByRole('group', { name: 'Repeat summary' })
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toContain('200 × 20')
    expect(origin.seen.slice(before)).toEqual(Array(20).fill('captured'))
    expect(await summary.textContent()).toMatch(/Matched\s*20 of 20/)
    await saveScreenshot(page, 'replay-http-repeat')
    // A long repeat, cancelled: the engine stops it, and Start comes back.
    await results.getByRole('spinbutton', { name: 'Count' }).fill('1000000')
    await results.getByRole('spinbutton', { name: 'At once' }).fill('1')
    await results.getByRole('button', { name: 'Start' }).click()
    await results.getByRole('button', { name: 'Cancel repeat' }).click()
    await results.getByRole('status').filter({ hasText: /^Cancelled\.$/ }).waitFor()
    await results.getByRole('button', { name: 'Start' }).waitFor()

    // Both captured requests again, in order, on one keep-alive connection.
    await results.getByRole('tab', { name: 'Keep-alive sequence' }).click()
    await results.getByRole('button', { name: 'Replay all 2 requests of this connection on one connection' }).click()
    const table = results.getByRole('table', { name: 'Sequence results' })
    await expect.poll(() => table.getByRole('row').count()).toBe(3)
    expect(origin.seen.slice(-2)).toEqual(['captured', 'captured'])
    await table.getByRole('row', { name: /^1 GET \/echo HTTP\/1\.1 200 → 200 yes/ }).waitFor()
    await saveScreenshot(page, 'replay-http-sequence')

    // The replay's own connection, in the HTTP view.
    await results.getByRole('tab', { name: 'Compare' }).click()
    const open = results.getByRole('button', { name: /^Open replay #\d+$/ })
    const id = (await open.textContent())!.match(/#(\d+)/)![1]
    await open.click()
    const detail = page.getByRole('region', { name: WORDS.en.detail })
    await detail.getByRole('tab', { name: 'HTTP', exact: true, selected: true }).waitFor()
    await expect.poll(() => detail.textContent()).toContain(`#${id} `)
  })

  it('reads in Chinese, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const origin = await echoServer()
      const { web: w, page } = shared
      await showAs(page, { language: 'zh-CN', colorScheme, width: 1280, height: 860 })
      await capturedRequests(await startProxy(w, origin.port))
      const { panel } = await openReplay(page, WORDS.zh, `127.0.0.1:${origin.port}`)
      await expect.poll(() => panel.getByRole('textbox', { name: '请求字节（文本）' }).textContent()).toContain('X-Echo: captured')
      await panel.getByRole('button', { name: '发送', exact: true }).click()
      const results = panel.getByRole('region', { name: '重放结果' })
      await expect.poll(() => results.getByRole('status').first().textContent()).toBe('与录制的相同')
      await saveScreenshot(page, `replay-http-zh-${colorScheme}`)
    }
  })

  it('looks the same in the dark (English)', async () => {
    const origin = await echoServer()
    const { web: w, page } = shared
    await showAs(page, { colorScheme: 'dark', width: 1280, height: 860 })
    await capturedRequests(await startProxy(w, origin.port))
    const { panel } = await openReplay(page, WORDS.en, `127.0.0.1:${origin.port}`)
    await expect.poll(() => panel.getByRole('textbox', { name: 'Request bytes as text' }).textContent()).toContain('X-Echo: captured')

    // A target that refuses: the engine's one line, next to Send.
    const options = panel.getByRole('group', { name: 'Send options' })
    const target = options.getByRole('textbox', { name: 'Target' })
    await target.fill('127.0.0.1:1')
    await options.getByRole('button', { name: 'Send', exact: true }).click()
    const error = options.getByRole('alert')
    await expect.poll(() => error.textContent()).toMatch(/127\.0\.0\.1:1/)
    expect((await error.textContent())!.trim()).not.toContain('\n')
    await saveScreenshot(page, 'replay-http-unreachable')
    // Left empty, the target is the connection's own.
    await target.fill('')

    await panel.getByRole('tab', { name: 'Structured' }).click()
    await panel.getByRole('textbox', { name: 'Header 2 value (X-Echo)' }).fill('dark')
    await page.keyboard.press('Control+Enter')
    await expect.poll(() => origin.seen.at(-1)).toBe('dark')
    await expect.poll(() => panel.getByRole('region', { name: 'Replay results' }).textContent()).toContain('echo=dark')
    await saveScreenshot(page, 'replay-http-dark')
    // A narrow window: the request above its response.
    await page.setViewportSize({ width: 860, height: 900 })
    await saveScreenshot(page, 'replay-http-narrow')
  })
})
