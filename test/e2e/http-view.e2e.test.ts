// The HTTP and WebSocket views in real Chromium against `tcpscope web`, over real traffic
// through the proxy:
// - a Node http server answering a gzip JSON body: the HTTP view of that exchange shows the
//   status, the headers as sent and the JSON pretty-printed; choosing a header highlights
//   its bytes in the hex view;
// - an HTML body with a <script> on the same keep-alive connection shows as text and runs
//   nothing: the page's title and globals stay as they were, and the request the script
//   would make never reaches the server;
// - a WebSocket conversation (the ws package) shows its messages by direction, and one whole;
// - in Chinese, the same view by its Chinese names.
// Screenshots of each. Selects by role and name only.
import { once } from 'node:events'
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import WebSocket, { WebSocketServer } from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConsoleMessage, Page } from 'playwright-core'
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

/** A 1×1 PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

const ITEMS = { items: [{ id: 1, name: 'alpha' }, { id: 2, name: 'beta' }], total: 2 }

/** The origin server: a gzip JSON answer, an HTML page whose script would call back, and what it was asked. */
async function originServer(): Promise<{ server: Server; port: number; paths: string[]; release: () => void }> {
  const paths: string[] = []
  const held: Array<() => void> = []
  let port = 0
  const server = createServer((req, res) => {
    paths.push(req.url ?? '')
    req.resume()
    if (req.url === '/api/items') {
      const body = gzipSync(JSON.stringify(ITEMS))
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'gzip', 'X-Served-By': 'node', 'Content-Length': body.length })
      res.end(body)
    } else if (req.url === '/page') {
      const html = `<!doctype html><title>captured</title><script>document.title = "ran"; window.ran = 1; fetch("http://127.0.0.1:${port}/script-ran")</script>`
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) })
      res.end(html)
    } else if (req.url === '/slow') {
      // Answered when the test says so: the exchange is pending until then.
      held.push(() => res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 4 }).end('done'))
    } else if (req.url === '/pixel.png') {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': PIXEL.length })
      res.end(PIXEL)
    } else if (req.url === '/broken') {
      // A gzip body cut short: what decoded shows, and where it stopped.
      const whole = gzipSync('x'.repeat(5000) + 'the end')
      const cut = whole.subarray(0, whole.length - 12)
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': cut.length })
      res.end(cut)
    } else if (req.url === '/log') {
      // Chunked, long: read by pieces.
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
      for (let i = 0; i < 4000; i++) res.write(`line ${String(i).padStart(5, '0')} ${'-'.repeat(40)}\n`)
      res.end()
    } else {
      res.writeHead(404).end()
    }
  })
  // permessage-deflate on every message, as browsers negotiate it (ws compresses only above 1 KiB by default).
  const wss = new WebSocketServer({ server, perMessageDeflate: { threshold: 0 } })
  wss.on('connection', (ws) => {
    ws.on('message', (data, binary) => ws.send(binary ? data : JSON.stringify({ echo: String(data) })))
  })
  port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  cleanups.push(() => wss.close())
  return { server, port, paths, release: () => held.splice(0).forEach((answer) => answer()) }
}

/** Requests on one keep-alive connection through the proxy (a body for a POST), then the connection closes. */
async function twoExchanges(proxyPort: number, paths = ['/api/items', '/page']): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (const path of paths) {
    const form = path === '/form' ? 'name=Zo%C3%AB&tags=a+b&tags=c' : undefined
    const headers = { 'Accept-Encoding': 'gzip', 'X-Trace': 'e2e', ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(form.length) } : {}) }
    const req = request({ port: proxyPort, host: '127.0.0.1', path, agent, method: form ? 'POST' : 'GET', headers })
    req.end(form)
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    res.resume()
    await once(res, 'end')
  }
  agent.destroy()
}

/** A WebSocket conversation through the proxy, compressed: text, binary, a ping, and a close with a reason. */
async function conversation(proxyPort: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/chat`, { perMessageDeflate: { threshold: 0 } })
  await once(ws, 'open')
  const replies = (n: number): Promise<void> =>
    new Promise((resolve) => {
      let left = n
      ws.on('message', () => --left === 0 && resolve())
    })
  const got = replies(2)
  ws.send('hello tcpscope')
  ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]))
  await got
  ws.ping('are you there')
  await once(ws, 'pong')
  ws.close(1000, 'bye for now')
  await once(ws, 'close')
}

async function startProxy(w: WebMode, port: number): Promise<number> {
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  return portOf(proxy.listen)
}

const WORDS = {
  en: {
    grid: 'Connections',
    detail: 'Selected connection',
    http: 'HTTP',
    ws: 'WebSocket',
    hex: 'Hex',
    exchanges: /^HTTP exchanges \(2\)$/,
    response: 'Response',
    resHeaders: 'Response headers',
    json: 'JSON body',
    messages: /^WebSocket messages \(\d+\)$/,
    payload: 'Message payload'
  },
  zh: {
    grid: '连接',
    detail: '所选连接',
    http: 'HTTP',
    ws: 'WebSocket',
    hex: '十六进制',
    exchanges: /^HTTP 交换（2）$/,
    response: '响应',
    resHeaders: '响应标头',
    json: 'JSON 正文',
    messages: /^WebSocket 消息（\d+）$/,
    payload: '消息载荷'
  }
}

async function chooseConnection(page: Page, words: (typeof WORDS)['en'], target: string): Promise<void> {
  await selectRow(page.getByRole('grid', { name: words.grid, exact: true }), target)
}

describe('the HTTP and WebSocket views in Chromium', () => {
  // One engine and one page for the four tests: each proxies to origins of its own, and
  // finds its connection by their address.
  const shared = sharedWebPage({ browser: { width: 1280, height: 860 } }, toolbarShown)

  it('show a gzip JSON exchange decoded, an HTML body as inert text, and a WebSocket conversation', async () => {
    const origin = await originServer()
    const wsOrigin = await originServer()
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    const titleBefore = await page.title()

    await twoExchanges(await startProxy(w, origin.port))
    const words = WORDS.en
    await chooseConnection(page, words, `127.0.0.1:${origin.port}`)
    const detail = page.getByRole('region', { name: words.detail })
    await detail.getByRole('tab', { name: words.http, exact: true }).click()

    // The exchanges, and the first one's response: status, headers as sent, JSON pretty-printed.
    const list = detail.getByRole('listbox', { name: words.exchanges })
    await expect.poll(() => list.getByRole('option').count()).toBe(2)
    // Named by what the row shows, in its order.
    expect(await list.getByRole('option').first().getAttribute('aria-label')).toMatch(/^1: GET \/api\/items, 200, 0 B, \d+ B, \d\d:\d\d:\d\d\.\d{3}, .+ ms, HTTP\/1\.1$/)
    const response = detail.getByRole('region', { name: words.response })
    await response.getByRole('button', { name: 'Start line HTTP/1.1 200 OK: show its bytes' }).waitFor()
    const headers = response.getByRole('table', { name: words.resHeaders })
    for (const name of ['Content-Type application/json; charset=utf-8', 'Content-Encoding gzip', 'X-Served-By node']) await headers.getByRole('row', { name, exact: true }).waitFor()
    // In the order sent, in their case.
    const fieldNames = await headers.getByRole('row').evaluateAll((rows) => rows.map((r) => (r as HTMLTableRowElement).cells[0]?.textContent?.trim()))
    expect(fieldNames.slice(1, 5)).toEqual(['Content-Type', 'Content-Encoding', 'X-Served-By', 'Content-Length'])
    const json = response.getByRole('tree', { name: words.json })
    await expect.poll(() => json.getByRole('treeitem').allTextContents()).toEqual([
      '▾{',
      '  ▾"items": [',
      '    ▾{',
      '      "id": 1,',
      '      "name": "alpha"',
      '    },',
      '    ▾{',
      '      "id": 2,',
      '      "name": "beta"',
      '    }',
      '  ],',
      '  "total": 2',
      '}'
    ])
    expect(await response.textContent()).toMatch(/gzip decoded: \d+ B/)
    await saveScreenshot(page, 'http-view-json')

    // Folding from the keyboard.
    await json.getByRole('treeitem').nth(1).click()
    await page.keyboard.press('ArrowLeft')
    await expect.poll(() => json.getByRole('treeitem').count()).toBe(4)
    await page.keyboard.press('Enter')
    await expect.poll(() => json.getByRole('treeitem').count()).toBe(13)

    // A header chosen is highlighted in the hex view.
    await headers.getByRole('row').filter({ hasText: 'X-Served-By' }).click()
    await detail.getByRole('tab', { name: words.hex }).click()
    await saveScreenshot(page, 'http-view-header-in-hex')
    await detail.getByRole('tab', { name: words.http, exact: true }).click()

    // The HTML page: its source as text, and its script ran nowhere.
    await list.getByRole('option').nth(1).click()
    await expect.poll(() => response.textContent()).toContain('<script>document.title = "ran"; window.ran = 1;')
    await saveScreenshot(page, 'http-view-html')
    expect(await page.title()).toBe(titleBefore)
    expect(await page.evaluate(() => (window as unknown as { ran?: number }).ran)).toBeUndefined()
    expect(await page.locator('script:not([src])').count()).toBe(0)
    expect(origin.paths).toEqual(['/api/items', '/page'])

    // The WebSocket conversation through another proxy.
    await conversation(await startProxy(w, wsOrigin.port))
    await chooseConnection(page, words, `127.0.0.1:${wsOrigin.port}`)
    // Its HTTP view has the upgrade; then its WebSocket view the messages.
    await detail.getByRole('tab', { name: words.http, exact: true }).click()
    await detail.getByRole('option', { name: '1: GET /chat, 101 → websocket' }).waitFor()
    await detail.getByRole('tab', { name: words.ws, exact: true }).click()
    const messages = detail.getByRole('listbox', { name: words.messages })
    // Polled whole: the list may come before the last frames are decoded.
    await expect.poll(() => messages.getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^client → server: 1, [\d:.]+, text, 14 B, deflate, hello tcpscope$/),
        expect.stringMatching(/^server → client: \d+, [\d:.]+, text, \d+ B, deflate, \{"echo":"hello tcpscope"\}$/),
        expect.stringMatching(/^client → server: \d+, [\d:.]+, binary, 4 B, deflate, de ad be ef$/),
        expect.stringMatching(/^client → server: \d+, [\d:.]+, ping, 13 B, are you there$/),
        expect.stringMatching(/^server → client: \d+, [\d:.]+, pong, 13 B, are you there$/),
        expect.stringMatching(/^client → server: \d+, [\d:.]+, close, \d+ B, 1000 bye for now$/)
      ])
    )
    await messages.getByRole('option', { name: /^server → client: .*, text, \d+ B, deflate, \{"echo":"hello tcpscope"\}$/ }).click()
    const payload = detail.getByRole('region', { name: words.payload })
    await expect.poll(() => payload.textContent()).toContain('{"echo":"hello tcpscope"}')
    expect(await payload.textContent()).toContain('compressed (permessage-deflate)')
    await saveScreenshot(page, 'websocket-view')
  })

  it('reads in Chinese', async () => {
    const origin = await originServer()
    const { web: w, page } = shared
    await showAs(page, { language: 'zh-CN', width: 1100, height: 700 })
    await twoExchanges(await startProxy(w, origin.port))
    const words = WORDS.zh
    await chooseConnection(page, words, `127.0.0.1:${origin.port}`)
    const detail = page.getByRole('region', { name: words.detail })
    await detail.getByRole('tab', { name: words.http, exact: true }).click()
    await detail.getByRole('listbox', { name: words.exchanges }).waitFor()
    const response = detail.getByRole('region', { name: words.response })
    await response.getByRole('table', { name: words.resHeaders }).getByRole('row', { name: /Content-Encoding/ }).waitFor()
    await expect.poll(() => response.getByRole('tree', { name: words.json }).getByRole('treeitem').count()).toBe(13)
    await saveScreenshot(page, 'http-view-zh')
  })

  it('previews an image, shows a form as fields, says where a cut gzip stopped, and loads more of a long body (dark)', async () => {
    const origin = await originServer()
    const blocked: string[] = []
    const { web: w, page } = shared
    await showAs(page, { colorScheme: 'dark', width: 1280, height: 860 })
    const noteBlocked = (m: ConsoleMessage): unknown => m.text().includes('Content Security Policy') && blocked.push(m.text())
    page.on('console', noteBlocked)
    cleanups.push(() => page.off('console', noteBlocked))
    await twoExchanges(await startProxy(w, origin.port), ['/pixel.png', '/form', '/broken', '/log'])
    const words = WORDS.en
    await chooseConnection(page, words, `127.0.0.1:${origin.port}`)
    const detail = page.getByRole('region', { name: words.detail })
    await detail.getByRole('tab', { name: words.http, exact: true }).click()
    const list = detail.getByRole('listbox', { name: /^HTTP exchanges \(4\)$/ })
    const response = detail.getByRole('region', { name: words.response })

    // The image, from a blob: URL the page's CSP allows, decoded by the browser.
    const img = response.getByRole('img', { name: 'Image (image/png)' })
    await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(1)
    expect(await img.getAttribute('src')).toMatch(/^blob:/)
    await saveScreenshot(page, 'http-view-image')

    // The form the request sent, as its fields.
    await list.getByRole('option', { name: '2: POST /form, 404' }).click()
    const fields = detail.getByRole('region', { name: 'Request' }).getByRole('table', { name: 'Form fields' })
    for (const name of ['name Zoë', 'tags a b', 'tags c']) await fields.getByRole('row', { name, exact: true }).waitFor()

    // The cut gzip: what decoded, and the problem at its offset.
    await list.getByRole('option', { name: '3: GET /broken, 200' }).click()
    await expect.poll(() => response.getByRole('status').textContent()).toMatch(/^\s*Decoding stopped at content offset \d+: .+$/)
    await expect.poll(() => response.textContent()).toContain('xxxxxxxxxx')
    await saveScreenshot(page, 'http-view-broken-gzip')

    // The long chunked body: its first piece, then more.
    await list.getByRole('option', { name: '4: GET /log, 200' }).click()
    await expect.poll(() => response.textContent()).toMatch(/64(\.0)? KiB of \d+(\.\d+)? KiB shown\./)
    await response.getByRole('button', { name: 'Load more' }).click()
    await expect.poll(() => response.textContent()).toContain('line 03999')
    expect(await response.getByRole('button', { name: 'Load more' }).count()).toBe(0)
    await saveScreenshot(page, 'http-view-long-body')
    expect(blocked).toEqual([])
  })

  it('shows an exchange as it happens: pending, then answered', async () => {
    const origin = await originServer()
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    const proxyPort = await startProxy(w, origin.port)
    const req = request({ port: proxyPort, host: '127.0.0.1', path: '/slow', headers: { Connection: 'close' } })
    req.end()
    cleanups.push(() => req.destroy())
    await expect.poll(() => origin.paths).toEqual(['/slow'])
    const words = WORDS.en
    await chooseConnection(page, words, `127.0.0.1:${origin.port}`)
    const detail = page.getByRole('region', { name: words.detail })
    await detail.getByRole('tab', { name: words.http, exact: true }).click()
    await detail.getByRole('option', { name: '1: GET /slow, pending' }).waitFor()
    await detail.getByRole('region', { name: words.response }).getByText('Pending: no response yet.').waitFor()
    origin.release()
    await detail.getByRole('option', { name: '1: GET /slow, 200' }).waitFor()
    await expect.poll(() => detail.getByRole('region', { name: words.response }).textContent()).toContain('done')
  })
})
