// Raw TCP replay in real Chromium against `tcpscope web`, over a real redis-cli session
// captured through a proxy in front of a real redis-server (SET k v, GET k):
// - replayed by turns, every turn gets its recorded answer;
// - the SET turn's value edited in the text editor, the GET turn's answer differs and its
//   diff opens;
// - "Open replay #N" selects the replay's own connection, which leads back to its source,
//   where the edit and the result are as they were;
// - the same in Chinese, in the dark theme;
// - a conversation of 1500 turns lists only the rows on screen, and the keys reach its end.
// Screenshots of each. Selects by role and accessible name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { once } from 'node:events'
import { connectTo, startServer, tempDir, portOf } from '../helpers/net'
import { needPeer, needProgram } from '../helpers/peers'
import type { WebMode } from '../helpers/web'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { redisCli, startReplayRedis } from '../core/replay/redis-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const WORDS = {
  en: {
    grid: 'Connections',
    detail: 'Selected connection',
    replayTab: 'Replay',
    rawMode: 'Raw TCP',
    panel: 'Raw TCP replay',
    turns: 'Client turns',
    replay: 'Replay the connection (Ctrl+Enter)',
    result: 'Replay result',
    edit: (n: number) => `Edit turn ${n + 1}`,
    editor: (n: number) => `Bytes of turn ${n + 1}`,
    edited: (n: number) => new RegExp(`^Turn ${n + 1}: sends .* \\(edited,`),
    summary: (m: number, of: number) => new RegExp(`^matched ${m} of ${of} · the connection ended closed`),
    row: (n: number, verdict: 'matched ✓' | 'differs ✗') => new RegExp(`^turn ${n + 1}: sent .* · ${verdict}$`),
    diff: (n: number) => `Turn ${n + 1}: the recorded answer and the replayed one`,
    openReplay: (id: number) => `Open the replay’s connection #${id} in the live capture`,
    goToSource: (id: number) => `Go to the source connection #${id}`,
    theme: 'Theme: system',
    strategy: 'Strategy',
    byMessage: 'by message',
    messagesResult: 'Replay result by message',
    /** Every step matched (`all`), or none did. */
    messagesSummary: (all: boolean) => new RegExp(`^${all ? '(\\d+) of \\1' : '0 of \\d+'} messages got the recorded answers \\(resp\\)`),
    sentRow: (key: string) => new RegExp(`^#\\d+ → SET ${key} v \\(\\d+ B\\)(matched ✓|differs ✗)$`),
    okAnswer: /^← \+OK \(5 B\)matched ✓$/,
    recordedOk: /✗ recorded \+OK \(5 B\)$/,
    target: 'Target'
  },
  zh: {
    grid: '连接',
    detail: '所选连接',
    replayTab: '重放',
    rawMode: '原始 TCP',
    panel: '原始 TCP 重放',
    turns: '客户端轮次',
    replay: '重放此连接（Ctrl+Enter）',
    result: '重放结果',
    edit: (n: number) => `编辑第 ${n + 1} 轮`,
    editor: (n: number) => `第 ${n + 1} 轮的字节`,
    edited: (n: number) => new RegExp(`^第 ${n + 1} 轮：发送 .*（已编辑，`),
    summary: (m: number, of: number) => new RegExp(`^${of} 轮中 ${m} 轮一致 · 连接结束：已关闭`),
    row: (n: number, verdict: 'matched ✓' | 'differs ✗') => new RegExp(`^第 ${n + 1} 轮：发送 .* · ${verdict === 'matched ✓' ? '一致 ✓' : '不同 ✗'}$`),
    diff: (n: number) => `第 ${n + 1} 轮：录制的应答与重放的应答`,
    openReplay: (id: number) => `在实时抓包中打开重放的连接 #${id}`,
    goToSource: (id: number) => `转到源连接 #${id}`,
    theme: '主题：跟随系统',
    strategy: '策略',
    byMessage: '按消息',
    messagesResult: '按消息的重放结果',
    messagesSummary: (all: boolean) => new RegExp(`^${all ? '(\\d+) 条消息中 \\1' : '\\d+ 条消息中 0'} 条得到录制的应答（resp）`),
    sentRow: (key: string) => new RegExp(`^#\\d+ → SET ${key} v（\\d+ B）(一致 ✓|不同 ✗)$`),
    okAnswer: /^← \+OK（5 B）一致 ✓$/,
    recordedOk: /✗ 录制为 \+OK（5 B）$/,
    target: '目标'
  }
}
type Words = (typeof WORDS)['en']

/** A redis-cli session (SET, then GET) through a new proxy of the page's engine; the captured connection's id. */
async function capturedSession(w: WebMode, key: string): Promise<{ connId: number; target: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const redis = await startReplayRedis(dir)
  cleanups.push(() => redis.stop())
  const driver = await w.client()
  const target = `127.0.0.1:${redis.port}`
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target })
  await redisCli(portOf(proxy.listen), [`SET ${key} v`, `GET ${key}`])
  // redis-cli has exited: its connection closes through the proxy moments later.
  for (let i = 0; ; i++) {
    // The page's engine serves every test of the file: this one's is the connection to its own redis.
    const { rows } = await driver.call('conn.page', { capture: 'live', offset: 0, limit: 1000, filter: `target:${target}` })
    const closed = rows.find((c) => c.end !== 'open' && c.target === target)
    if (closed) return { connId: closed.id, target }
    if (i > 400) throw new Error('the redis-cli connection did not close')
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function openRawReplay(page: Page, words: Words, target: string): Promise<Locator> {
  await selectRow(page.getByRole('grid', { name: words.grid, exact: true }), target)
  const detail = page.getByRole('region', { name: words.detail })
  await detail.getByRole('tab', { name: words.replayTab, exact: true }).click()
  await detail.getByRole('radio', { name: words.rawMode }).check()
  return detail.getByRole('region', { name: words.panel })
}

/** The number of turns listed, once all are: the last two are SET and GET. */
async function turnCount(panel: Locator, words: Words): Promise<number> {
  const list = panel.getByRole('list', { name: words.turns })
  await expect.poll(() => list.getAttribute('aria-busy')).toBe('false')
  return Number(await list.getByRole('listitem').first().getAttribute('aria-setsize'))
}

/** Changes the SET turn's value `v` to `w` in the text editor (its bytes end `$1␍␊v␍␊`). */
async function editSetValue(page: Page, panel: Locator, words: Words, set: number): Promise<void> {
  await panel.getByRole('button', { name: words.edit(set), exact: true }).click()
  const editor = panel.getByRole('textbox', { name: words.editor(set) })
  await editor.click()
  await page.keyboard.press('Control+End')
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('Backspace')
  await page.keyboard.type('w')
  await panel.getByRole('listitem', { name: words.edited(set) }).waitFor()
}

describe('raw TCP replay in Chromium', () => {
  // One engine and one page for the file's tests: each replays a session with a redis (or an
  // echo server) of its own, and finds its connection by that target.
  const shared = sharedWebPage({ browser: { width: 1280, height: 860 } }, toolbarShown)

  it('replays a redis-cli session turn by turn, then with an edited turn whose answer differs, and opens the replay', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    const words = WORDS.en
    const { connId, target } = await capturedSession(w, `tcpscope-e2e-${process.pid}-${Date.now()}`)
    const panel = await openRawReplay(page, words, target)
    const n = await turnCount(panel, words)
    expect(n).toBeGreaterThanOrEqual(2)
    const set = n - 2
    const get = n - 1

    // As captured: every answer as recorded.
    await panel.getByRole('button', { name: words.replay }).click()
    const result = panel.getByRole('region', { name: words.result })
    await result.getByRole('status').filter({ hasText: words.summary(n, n) }).waitFor()
    for (let i = 0; i < n; i++) await result.getByRole('button', { name: words.row(i, 'matched ✓') }).waitFor()
    await saveScreenshot(page, 'replay-raw-matched')

    // The SET turn's value edited: the GET turn gets the new value back, not the recorded one.
    await editSetValue(page, panel, words, set)
    await page.keyboard.press('Control+Enter')
    await result.getByRole('status').filter({ hasText: words.summary(n - 1, n) }).waitFor()
    await expect.poll(() => result.getByRole('button', { name: words.row(set, 'matched ✓') }).textContent()).toContain('(edited)')
    const differing = result.getByRole('button', { name: words.row(get, 'differs ✗') })
    // The first differing turn's diff opens by itself; the row folds and opens it again.
    await expect.poll(() => differing.getAttribute('aria-expanded')).toBe('true')
    await differing.click()
    expect(await differing.getAttribute('aria-expanded')).toBe('false')
    await differing.press('ArrowUp')
    await result.getByRole('button', { name: words.row(set, 'matched ✓') }).press('Enter')
    await panel.getByRole('region', { name: words.diff(set) }).waitFor()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    expect(await differing.getAttribute('aria-expanded')).toBe('true')
    const diff = panel.getByRole('region', { name: words.diff(get) })
    await diff.waitFor()
    await expect.poll(() => diff.textContent()).toMatch(/w/)
    await saveScreenshot(page, 'replay-raw-diff')
    await page.getByRole('button', { name: words.theme }).click()
    await page.getByRole('button', { name: 'Theme: light' }).click()
    await saveScreenshot(page, 'replay-raw-diff-dark')

    // The replay's own connection, selected in the live capture; it leads back to the source.
    const openLink = result.getByRole('button', { name: /^Open the replay’s connection #\d+ in the live capture$/ })
    const replayId = Number(/#(\d+)/.exec((await openLink.getAttribute('aria-label'))!)![1])
    expect(replayId).not.toBe(connId)
    await openLink.click()
    const grid = page.getByRole('grid', { name: words.grid, exact: true })
    await grid.getByRole('row', { selected: true }).getByRole('gridcell', { name: String(replayId), exact: true }).waitFor()
    const back = page.getByRole('region', { name: words.panel }).getByRole('button', { name: words.goToSource(connId) })
    await back.waitFor()
    await saveScreenshot(page, 'replay-raw-replay-conn')
    await back.click()
    await grid.getByRole('row', { selected: true }).getByRole('gridcell', { name: String(connId), exact: true }).waitFor()
    // Back at the source, its edit and the replay's result are as they were.
    await panel.getByRole('listitem', { name: words.edited(set) }).waitFor()
    await result.getByRole('status').filter({ hasText: words.summary(n - 1, n) }).waitFor()
  })

  it('in Chinese, in the dark theme: the same replay, edit and diff by their Chinese names', async (ctx) => {
    if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
    const { web: w, page } = shared
    await showAs(page, { language: 'zh-CN', colorScheme: 'dark', width: 1280, height: 860 })
    const words = WORDS.zh
    const { target } = await capturedSession(w, `tcpscope-e2e-zh-${process.pid}-${Date.now()}`)
    const panel = await openRawReplay(page, words, target)
    const n = await turnCount(panel, words)
    await editSetValue(page, panel, words, n - 2)
    await panel.getByRole('button', { name: words.replay }).click()
    const result = panel.getByRole('region', { name: words.result })
    await result.getByRole('status').filter({ hasText: words.summary(n - 1, n) }).waitFor()
    await panel.getByRole('region', { name: words.diff(n - 1) }).waitFor()
    await saveScreenshot(page, 'replay-raw-zh-dark')
    await page.getByRole('button', { name: words.theme }).click()
    await saveScreenshot(page, 'replay-raw-zh-light')
  })

  for (const [lang, scheme] of [
    ['en', 'light'],
    ['zh', 'dark']
  ] as const) {
    it(`replays by message: each answer told by its summary, matched, then against a server that answers otherwise (${lang}, ${scheme})`, async (ctx) => {
      if (!needPeer('redis-server', 'redis-cli')) return ctx.skip()
      const words = WORDS[lang]
      const { web: w, page } = shared
      await showAs(page, { language: lang === 'en' ? 'en' : 'zh-CN', colorScheme: scheme, width: 1280, height: 860 })
      const key = `tcpscope-e2e-msg-${process.pid}-${Date.now()}`
      const { target } = await capturedSession(w, key)
      const panel = await openRawReplay(page, words, target)
      await turnCount(panel, words)
      await panel.getByRole('radiogroup', { name: words.strategy }).getByRole('radio', { name: words.byMessage }).click()
      await panel.getByRole('button', { name: words.replay }).click()
      const result = panel.getByRole('region', { name: words.messagesResult })
      const status = result.getByRole('status')
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(words.messagesSummary(true))
      const items = result.getByRole('list', { name: words.messagesResult }).getByRole('listitem')
      await expect.poll(async () => (await items.allTextContents()).map((x) => x.trim()).filter((x) => words.sentRow(key).test(x))).toHaveLength(1)
      expect((await items.allTextContents()).map((x) => x.trim()).filter((x) => words.okAnswer.test(x))).toHaveLength(1)
      await saveScreenshot(page, `replay-raw-by-message-${lang}-${scheme}`)

      // Against a server that echoes: every answer differs, each shown beside what was recorded.
      const echo = await startServer((sock) => sock.on('data', (d) => sock.write(d)).on('end', () => sock.end()))
      cleanups.push(() => echo.close())
      await panel.getByRole('textbox', { name: words.target }).fill(`127.0.0.1:${echo.port}`)
      await panel.getByRole('button', { name: words.replay }).click()
      await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(words.messagesSummary(false))
      await expect.poll(async () => (await items.allTextContents()).some((x) => words.recordedOk.test(x.trim()))).toBe(true)
      await saveScreenshot(page, `replay-raw-by-message-differs-${lang}-${scheme}`)
    })
  }

  it('lists a conversation of 1500 turns by the rows on screen; End reaches the last', async () => {
    const echo = await startServer((sock) => sock.on('data', (d) => sock.write(d)).on('end', () => sock.end()))
    cleanups.push(() => echo.close())
    const { web: w, page } = shared
    await showAs(page, { width: 1280, height: 860 })
    const driver = await w.client()
    const target = `127.0.0.1:${echo.port}`
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target })
    const sock = await connectTo(portOf(proxy.listen))
    for (let i = 0; i < 1500; i++) {
      sock.write(`message ${i}\n`)
      await once(sock, 'data')
    }
    sock.end()
    await once(sock, 'close')

    const words = WORDS.en
    const panel = await openRawReplay(page, words, target)
    await expect.poll(() => turnCount(panel, words), { timeout: 20_000 }).toBe(1500)
    const list = panel.getByRole('list', { name: words.turns })
    expect(await list.getByRole('listitem').count()).toBeLessThan(100)
    await list.getByRole('listitem', { name: /^Turn 1: sends 10 B, recorded answer 10 B$/ }).click()
    await page.keyboard.press('End')
    await list.getByRole('listitem', { name: /^Turn 1500: sends 13 B, recorded answer 13 B$/ }).waitFor()
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Turn 1500: sends 13 B, recorded answer 13 B')
    await page.keyboard.press('Enter')
    await panel.getByRole('textbox', { name: words.editor(1499) }).waitFor()
    await saveScreenshot(page, 'replay-raw-long')
  })
})
