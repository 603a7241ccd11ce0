// What new users tripped on in the sessions, in real Chromium against `tcpscope web`: binary
// chunks shown as hex in the conversation; a stopped proxy restarted from the sidebar, and
// stopping one with open connections asks first (English and Chinese); at 1100×700 with the
// composer open the byte views keep at least 12 rows, and the composer folds away.
// Screenshots in English and Chinese, light and dark. Selects by role and name only.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
import type { Locator, Page } from 'playwright-core'
import { connectTo, startServer, tempDir, portOf } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { writeSampleCapture } from '../helpers/sample-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(opts: Parameters<typeof openBrowser>[0] = {}): Promise<{ page: Page; web: WebMode }> {
  const web = await startWeb()
  cleanups.push(() => web.stop('SIGINT'))
  const b = await openBrowser(opts)
  b.page.setDefaultTimeout(10_000)
  cleanups.push(() => b.close())
  await b.page.goto(web.url)
  await b.page.getByRole('navigation', { name: /Open captures|已打开的抓包/ }).getByRole('button', { name: /live|实时/ }).waitFor()
  return { page: b.page, web }
}

/** Owners' ids by their kind: in a window this narrow the kind column gives way, and the owner's id tells it. */
const OWNER_OF_KIND = { client: /^c\d+$/, proxy: /^p\d+$/ } as const

/** The list rows of connections of one kind, told by their owners' ids. */
const rowsOf = (page: Page, kind: keyof typeof OWNER_OF_KIND): Locator =>
  page.getByRole('grid', { name: /^(Connections|连接)$/ }).getByRole('row').filter({ has: page.getByRole('gridcell', { name: OWNER_OF_KIND[kind] }) })

/** How many of `rows` are wholly inside `box` (the scroller they are drawn in). */
async function rowsInside(rows: Locator, box: Locator): Promise<number> {
  const frame = (await box.boundingBox())!
  let n = 0
  for (const r of await rows.all()) {
    const b = await r.boundingBox()
    if (b && b.height > 0 && b.y >= frame.y - 0.5 && b.y + b.height <= frame.y + frame.height + 0.5) n++
  }
  return n
}

/** A server session of the web engine, a client session talking to it, and lots of bytes between them. */
async function talkingSessions(web: WebMode): Promise<void> {
  const driver = await web.client()
  const server = await driver.call('server.start', { listen: '127.0.0.1:0' })
  const client = await driver.call('client.connect', { target: server.listen })
  const binary = Array.from({ length: 48 }, (_, i) => (i * 37) % 256)
  await driver.call('conn.send', { connId: client.connId!, payload: { kind: 'hex', data: Buffer.from(binary).toString('hex') } })
  await driver.call('conn.send', { connId: client.connId!, payload: { kind: 'text', data: `${'line of text\\r\\n'.repeat(400)}` } })
}

describe('sessions, as new users met them, in Chromium', () => {
  it('shows a binary chunk as hex in the conversation, and keeps 12 rows of bytes at 1100×700 with the composer open, or folds it', async () => {
    const { page, web } = await open({ width: 1100, height: 700 })
    await talkingSessions(web)
    await rowsOf(page, 'client').click()
    const composer = page.getByRole('region', { name: 'Send' })
    await composer.waitFor()
    const detail = page.getByRole('region', { name: 'Selected connection' })

    // The conversation: the binary chunk as text runs control names together; as hex it is rows.
    const conv = detail.getByRole('feed', { name: 'Conversation' })
    const first = conv.getByRole('article', { name: /^client → server 48 B at / })
    await first.waitFor()
    const showAs = detail.getByRole('radiogroup', { name: 'Show data as' })
    await showAs.getByRole('radio', { name: 'Hex' }).click()
    expect(await showAs.getByRole('radio', { name: 'Hex' }).getAttribute('aria-checked')).toBe('true')
    await first.getByText('0000  00 25 4a 6f 94 b9 de 03  28 4d 72 97 bc e1 06 2b').waitFor()
    await saveScreenshot(page, 'sessions-conversation-hex')
    await showAs.getByRole('radio', { name: 'Text' }).click()
    await first.getByText(/^NUL%Jo/).waitFor()

    // The hex view with the composer open: at least 12 rows of bytes on screen.
    await detail.getByRole('tab', { name: 'Hex' }).click()
    const hex = detail.getByRole('grid', { name: 'Hex bytes' })
    await hex.getByRole('row').first().waitFor()
    const withComposer = await rowsInside(hex.getByRole('row'), hex)
    await saveScreenshot(page, 'sessions-layout-1100x700')
    expect(withComposer).toBeGreaterThanOrEqual(12)

    // Folded away, the composer leaves its header (and its way back) only, and the bytes get the room.
    const fold = composer.getByRole('button', { name: 'Hide the composer' })
    expect(await fold.getAttribute('aria-expanded')).toBe('true')
    await fold.click()
    await composer.getByRole('textbox', { name: 'Text to send' }).waitFor({ state: 'detached' })
    await expect.poll(() => rowsInside(hex.getByRole('row'), hex)).toBeGreaterThan(withComposer + 4)
    await saveScreenshot(page, 'sessions-layout-1100x700-folded')
    await composer.getByRole('button', { name: 'Show the composer' }).click()
    await composer.getByRole('textbox', { name: 'Text to send' }).waitFor()

    // The conversation's hex look in the dark theme, in English and in Chinese.
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    await showAs.getByRole('radio', { name: 'Hex' }).click()
    await page.getByRole('button', { name: 'Theme: system' }).click()
    await page.getByRole('button', { name: 'Theme: light' }).click()
    await page.getByRole('button', { name: 'Theme: dark' }).waitFor()
    await first.getByText(/^0000 {2}00 25 4a/).waitFor()
    await saveScreenshot(page, 'sessions-conversation-hex-dark')
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: 'Language' }).click()
    const zhShowAs = page.getByRole('radiogroup', { name: '数据显示为' })
    expect(await zhShowAs.getByRole('radio', { name: '十六进制' }).getAttribute('aria-checked')).toBe('true')
    await page.getByRole('region', { name: '发送' }).getByRole('button', { name: '收起发送面板' }).waitFor()
    await saveScreenshot(page, 'sessions-conversation-hex-zh-dark')
  })

  it('restarts a stopped proxy, and asks before stopping one with open connections (English, light)', async () => {
    const target = await startServer((s) => s.pipe(s))
    cleanups.push(target.close)
    const { page, web } = await open({ width: 1100, height: 700 })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${target.port}` })
    const c = await connectTo(portOf(proxy.listen))
    cleanups.push(() => c.destroy())
    const proxies = page.getByRole('region', { name: 'Proxies' })
    const item = proxies.getByRole('button', { name: new RegExp(`^p1 ${proxy.listen.replace(/\./g, '\\.')}`) })
    await item.getByText('1 open · 1 accepted').waitFor()

    await proxies.getByRole('button', { name: `Stop proxy ${proxy.listen}` }).click()
    const ask = page.getByRole('dialog', { name: `Stop proxy ${proxy.listen}?` })
    await ask.getByText('It has 1 open connection').waitFor()
    await saveScreenshot(page, 'sessions-stop-asks')
    await ask.getByRole('button', { name: 'Cancel' }).click()
    await ask.waitFor({ state: 'detached' })
    expect(await proxies.getByRole('button', { name: `Stop proxy ${proxy.listen}` }).isVisible()).toBe(true)

    await proxies.getByRole('button', { name: `Stop proxy ${proxy.listen}` }).click()
    await ask.getByRole('button', { name: 'Stop and close them' }).click()
    const restart = proxies.getByRole('button', { name: `Restart proxy ${proxy.listen}` })
    await restart.waitFor()
    await item.getByText(/^stopped · 0 open/).waitFor()
    await saveScreenshot(page, 'sessions-proxy-stopped')

    await restart.click()
    await proxies.getByRole('button', { name: `Stop proxy ${proxy.listen}` }).waitFor()
    const again = await connectTo(portOf(proxy.listen))
    cleanups.push(() => again.destroy())
    await rowsOf(page, 'proxy').nth(1).waitFor()
    expect((await driver.call('proxy.list')).map((p) => [p.id, p.listen, p.state])).toEqual([['p1', proxy.listen, 'listening']])

    // In Chinese (light): the same names, the same id.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: 'Language' }).click()
    const zh = page.getByRole('region', { name: '代理' })
    await zh.getByText('活动 1 · 已接受 2').waitFor()
    await zh.getByRole('button', { name: `停止代理 ${proxy.listen}` }).click()
    const zhAsk = page.getByRole('dialog', { name: `停止代理 ${proxy.listen}？` })
    await zhAsk.getByText(/^它还有 1 个打开的连接/).waitFor()
    await zhAsk.getByRole('button', { name: '停止并关闭连接' }).click()
    await zh.getByRole('button', { name: `重新启动代理 ${proxy.listen}` }).waitFor()
    await saveScreenshot(page, 'sessions-proxy-stopped-zh')
  })

  it('asks in Chinese before stopping a server with clients, and restarts it (dark)', async () => {
    const { page, web } = await open({ width: 1100, height: 700, locale: 'zh-CN', colorScheme: 'dark' })
    await talkingSessions(web)
    const servers = page.getByRole('region', { name: '服务器' })
    // What a person sees before stopping: the server's client, counted (its row may be a moment behind the engine).
    await servers.getByText('1 个客户端 · 已接受 1').waitFor()
    const stop = servers.getByRole('button', { name: /^停止服务器 127\.0\.0\.1:\d+$/ })
    await stop.click()
    const ask = page.getByRole('dialog', { name: /^停止服务器 127\.0\.0\.1:\d+？$/ })
    await ask.getByText('它还有 1 个打开的连接').waitFor()
    await saveScreenshot(page, 'sessions-stop-asks-zh-dark')
    await ask.getByRole('button', { name: '停止，保留连接' }).click()
    await servers.getByRole('button', { name: /^重新启动服务器 127\.0\.0\.1:\d+$/ }).waitFor()
    // The client kept its connection: the composer still drives it.
    await rowsOf(page, 'client').click()
    await page.getByRole('region', { name: '发送' }).waitFor()
    await page.getByRole('feed', { name: '会话' }).waitFor()
    await saveScreenshot(page, 'sessions-layout-zh-dark')
    await servers.getByRole('button', { name: /^重新启动服务器 127\.0\.0\.1:\d+$/ }).click()
    await stop.waitFor()
  })

  it('gives the reply-rule editor room for a pattern and a reply, at 1100×700', async () => {
    const { page } = await open({ width: 1100, height: 700 })
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: 'Server', exact: true }).click()
    const form = page.getByRole('dialog', { name: 'New server' })
    await form.getByRole('button', { name: 'Auto-reply rules' }).click()
    await form.getByRole('button', { name: 'Add rule' }).click()
    await form.getByRole('button', { name: 'Add rule' }).click()
    const rule = form.getByRole('group', { name: 'Rule 1' })
    await rule.getByLabel('Pattern', { exact: true }).fill('^GET /api/v1/devices/(\\d+)/status HTTP/1\\.1')
    await rule.getByRole('textbox', { name: 'Reply' }).fill('HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n')
    const pattern = (await rule.getByLabel('Pattern', { exact: true }).boundingBox())!
    const reply = (await rule.getByRole('textbox', { name: 'Reply' }).boundingBox())!
    await saveScreenshot(page, 'sessions-rule-editor-1100x700')
    // Room for some 40 characters of each (a monospace character is about 7 px).
    expect(pattern.width).toBeGreaterThanOrEqual(300)
    expect(reply.width).toBeGreaterThanOrEqual(300)
    // And the dialog is inside the window.
    const dialog = (await form.boundingBox())!
    expect(dialog.x).toBeGreaterThanOrEqual(0)
    expect(dialog.x + dialog.width).toBeLessThanOrEqual(1100)
  })

  it('fits a long duration in its column', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'long.tcap')
    // A connection that lasted 100 hours, written with a clock moved on.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-20T08:00:00Z') })
    try {
      const capture = await LiveCapture.create(file, { overwrite: true })
      const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port: 41001, family: 'IPv4' }, target: '10.0.0.1:6379' })
      vi.setSystemTime(new Date('2026-11-24T12:00:00.250Z'))
      c.close('closed')
      await capture.close()
    } finally {
      vi.useRealTimers()
    }
    const web = await startWeb(['--open', file])
    cleanups.push(() => web.stop('SIGINT'))
    // The default window: below a list of 960 px (a 1100 px window) the duration gives its
    // room to Info, as the start time does below 1200.
    const b = await openBrowser({ width: 1280, height: 800 })
    cleanups.push(() => b.close())
    await b.page.goto(web.url)
    await b.page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: /^long\.tcap/ }).click()
    const grid = b.page.getByRole('grid', { name: 'Connections' })
    const row = grid.getByRole('row').filter({ hasText: '10.0.0.7:41001' })
    const duration = row.getByRole('gridcell').last()
    await expect.poll(() => duration.textContent()).toMatch(/\d+ h/)
    await saveScreenshot(b.page, 'sessions-long-duration')
    const clipped = await duration.evaluate((el) => el.scrollWidth > el.clientWidth)
    expect(clipped, `"${await duration.textContent()}" is clipped`).toBe(false)
    // And on screen: inside the list, not past its right edge.
    const cell = (await duration.boundingBox())!
    const list = (await grid.boundingBox())!
    expect(cell.x + cell.width).toBeLessThanOrEqual(list.x + list.width)
  })

  it('shows whole capture tabs only, never a clipped sliver of the next, as the window narrows', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const files: string[] = []
    for (let i = 1; i <= 6; i++) {
      const f = join(dir, `capture-${i}-of-a-long-day.tcap`)
      await writeSampleCapture(f, { connections: i })
      files.push(f)
    }
    const web = await startWeb(files.flatMap((f) => ['--open', f]))
    cleanups.push(() => web.stop('SIGINT'))
    const b = await openBrowser({ width: 1100, height: 700 })
    cleanups.push(() => b.close())
    const page = b.page
    await page.goto(web.url)
    const nav = page.getByRole('navigation', { name: 'Open captures' })
    const more = nav.getByRole('button', { name: 'All open captures (7)' })
    await more.waitFor()
    /** Tabs partly shown: crossing the strip's end (4 px before the menu button) or its start. */
    const cut = async (): Promise<string[]> => {
      const end = (await more.boundingBox())!.x - 4
      const start = (await nav.boundingBox())!.x
      const out: string[] = []
      for (const tab of await nav.getByRole('button', { name: /^(live|capture-\d)/ }).all()) {
        const box = await tab.boundingBox()
        if (!box) continue
        const crosses = (edge: number): boolean => box.x < edge - 0.5 && box.x + box.width > edge + 0.5
        if (crosses(end) || crosses(start)) out.push((await tab.textContent()) ?? '')
      }
      return out
    }
    await saveScreenshot(page, 'sessions-capture-tabs-1100')
    expect(await cut()).toEqual([])
    // The one chosen from the menu is among the whole tabs shown.
    await more.click()
    await page.getByRole('menu').getByRole('menuitemradio', { name: /^capture-6/ }).click()
    const chosen = nav.getByRole('button', { name: /^capture-6/ })
    const box = (await chosen.boundingBox())!
    expect(box.x + box.width).toBeLessThanOrEqual((await more.boundingBox())!.x)
    expect(await cut()).toEqual([])
    for (const width of [1000, 900]) {
      await page.setViewportSize({ width, height: 700 })
      await expect.poll(cut).toEqual([])
    }
    await saveScreenshot(page, 'sessions-capture-tabs-900')
  })
})
