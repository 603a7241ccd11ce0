// What a person does with tcpscope, end to end in real Chromium against `tcpscope web`:
// starts a proxy from the UI in front of a real nginx, fetches through it with curl, and
// reads the connections as a conversation, in hex and as GBK text; finds a pattern; sees a
// page whose body is markup shown as text, with nothing run; saves the capture and opens it
// again; switches to Chinese and the dark theme. Selects by role and name only.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { tempDir } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { startNginx } from '../helpers/nginx'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'nginx (apt-get install nginx)', hasProgram('nginx'))
  needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>'
const GBK_TEXT = '你好，世界！这是一段 GBK 编码的文字。\r\n'
const flat = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()

/** The list row of connection `id`. */
const row = (page: Page, id: number): Locator =>
  page.getByRole('grid', { name: 'Connections' }).getByRole('row').filter({ has: page.getByRole('gridcell', { name: String(id), exact: true }) })

describe('a session with tcpscope, in Chromium', () => {
  it('proxies nginx from the UI, reads what curl did every way, finds, saves and reopens, in English and Chinese', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const nginx = await startNginx(join(dir, 'nginx'), { 'xss.html': XSS, 'gbk.txt': iconv.encode(GBK_TEXT, 'gbk') })
    cleanups.push(nginx.stop)
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    const b = await openBrowser({ height: 900 })
    cleanups.push(() => b.close())
    const { page } = b
    page.setDefaultTimeout(15_000)
    // Nothing captured may run: no dialog, ever.
    const dialogs: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await page.goto(w.url)

    // A proxy from the UI, in front of nginx.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /New proxy/ }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    await form.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${nginx.port}`)
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'detached' })
    const proxyItem = page.getByRole('region', { name: 'Proxies' }).getByRole('button', { name: /^[psc]\d+ 127\.0\.0\.1:\d+/ })
    const port = Number(/127\.0\.0\.1:(\d+)/.exec((await proxyItem.textContent()) ?? '')![1])

    // curl through it, twice; each is a connection that closes.
    const curl = (path: string): Buffer => execFileSync('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}${path}`])
    expect(curl('/xss.html').toString()).toBe(XSS)
    expect(iconv.decode(curl('/gbk.txt'), 'gbk')).toBe(GBK_TEXT)
    for (const id of [1, 2]) await row(page, id).getByRole('gridcell', { name: 'closed' }).waitFor()
    await saveScreenshot(page, 'journey-list')
    // The client's address, cut short in a narrow column, is whole in its title (the port tells connections apart).
    expect(await row(page, 1).getByRole('gridcell', { name: /^127\.0\.0\.1:\d+$/ }).first().getAttribute('title')).toMatch(/^127\.0\.0\.1:\d+$/)
    // In the default window the Info column has the widest share (it had 100 px, "GET /xss.h…"):
    // the kind column gave way to the owner's id, which says it (p1).
    const info = row(page, 1).getByRole('gridcell', { name: /^GET \/xss\.html/ })
    await expect.poll(async () => (await info.boundingBox())?.width ?? 0).toBeGreaterThanOrEqual(170)
    expect(await row(page, 1).getByRole('gridcell', { name: 'proxy', exact: true }).count()).toBe(0)
    await row(page, 1).getByRole('gridcell', { name: /^p\d+$/ }).waitFor()

    // The conversation: the request, and nginx's answer whose body is markup, as text. An
    // HTTP connection opens in its HTTP tab; the conversation is picked.
    await row(page, 1).click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await expect.poll(() => detail.getByRole('tab', { name: 'HTTP', exact: true }).getAttribute('aria-selected')).toBe('true')
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    const feed = detail.getByRole('feed', { name: 'Conversation' })
    const request = feed.getByRole('article', { name: /^client → server \d+ B at / })
    await expect.poll(() => flat(request)).toContain('GET /xss.html HTTP/1.1CRLF')
    const answer = feed.getByRole('article', { name: /^server → client \d+ B at / })
    // nginx's headers fill the folded lines; the body is one "show more" away.
    await answer.getByRole('button', { name: /^Show more/ }).click()
    await expect.poll(() => flat(answer)).toContain(XSS)
    expect(await flat(answer)).toMatch(/^.*HTTP\/1\.1 200 OKCRLF/)
    expect(await page.getByRole('img').count()).toBe(0)
    await feed.getByRole('article', { name: /^server sent FIN at / }).waitFor()
    await saveScreenshot(page, 'journey-conversation')

    // Hex: the request's first row, then nginx's answer.
    await detail.getByRole('tab', { name: 'Hex' }).click()
    const hex = detail.getByRole('grid', { name: 'Hex bytes' })
    const firstRow = hex.getByRole('row').filter({ hasText: /^00000000/ })
    await expect.poll(() => flat(firstRow)).toBe('00000000 47 45 54 20 2f 78 73 73 2e 68 74 6d 6c 20 48 54 GET /xss.html HT')
    await detail.getByRole('radio', { name: /server → client/ }).click()
    await expect.poll(() => flat(firstRow)).toMatch(/^00000000 48 54 54 50 2f 31 2e 31 20 32 30 30 20 4f 4b 0d HTTP\/1\.1 200 OK\.$/)
    await saveScreenshot(page, 'journey-hex')

    // The second connection as GBK text.
    await row(page, 2).click()
    await detail.getByRole('tab', { name: 'Text' }).click()
    await detail.getByRole('radio', { name: /server → client/ }).click()
    await detail.getByLabel('Encoding').selectOption('gbk')
    const text = detail.getByRole('textbox', { name: 'Stream text' })
    await expect.poll(() => text.textContent()).toContain('你好，世界！这是一段 GBK 编码的文字。CRLF')

    // Find text in GBK through the engine: the match is selected.
    await page.keyboard.press('Control+f')
    const find = detail.getByRole('search', { name: 'Find in the stream' })
    await find.getByRole('radio', { name: 'Text' }).click()
    const query = find.getByRole('textbox', { name: 'Find', exact: true })
    await query.fill('编码')
    await query.press('Enter')
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(/^(1 of 1: )?Match at 0x[0-9a-f]{8}, 4 bytes\.$/)
    await saveScreenshot(page, 'journey-text-gbk-find')
    await query.fill('not in this stream')
    await query.press('Enter')
    await expect.poll(() => flat(find.getByRole('status'))).toMatch(/not found/i)
    await query.press('Escape')

    // Save the capture, open the copy: the same two connections.
    const copy = join(dir, 'journey.tcap')
    await page.keyboard.press('Control+s')
    const save = page.getByRole('dialog', { name: 'Save the live capture as' })
    await save.getByLabel('Path on the engine host').fill(copy)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`Saved 2 connections to ${copy}`)
    await save.getByRole('button', { name: 'Close' }).click()
    await page.keyboard.press('Control+o')
    const open = page.getByRole('dialog', { name: 'Open a capture file' })
    await open.getByLabel('Path on the engine host').fill(copy)
    await open.getByRole('button', { name: 'Open', exact: true }).click()
    await open.waitFor({ state: 'detached' })
    const tabs = page.getByRole('navigation', { name: 'Open captures' })
    await expect.poll(() => tabs.getByRole('button', { name: /^journey\.tcap 2$/ }).getAttribute('aria-pressed')).toBe('true')
    await row(page, 2).click()
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    await expect.poll(() => flat(feed.getByRole('article', { name: /^client → server \d+ B at / }))).toContain('GET /gbk.txt HTTP/1.1CRLF')
    await saveScreenshot(page, 'journey-reopened')

    // Chinese, and the dark theme.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: 'Language' }).click()
    const zhDetail = page.getByRole('region', { name: '所选连接' })
    await zhDetail.getByRole('tab', { name: '会话' }).waitFor()
    const theme = page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^主题/ })
    while (!/深色/.test((await theme.getAttribute('aria-label')) ?? '')) await theme.click()
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toContain('dark')
    await saveScreenshot(page, 'journey-zh-dark')

    expect(dialogs).toEqual([])
  })
})
