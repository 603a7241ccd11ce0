// Whole-capture replay and recorded servers in real Chromium against `tcpscope web`:
// - three HTTP requests to a real node:http server through a proxy, replayed from the
//   lists' menu against the same server (all matched), then against a server that answers
//   one path differently (that connection is listed, with its differing turn; clicking it
//   selects it; its replay opens, and the replay's header links back to it), and against a
//   server that never answers (the run is cancelled from its progress);
// - a captured TCP conversation served as a recorded server from the menu: a real client
//   gets the recorded answer, the sidebar counts it, and Stop shows what it did.
// Screenshots in English (light) and Chinese (dark). Selects by role and name only.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { collect, connectTo, httpGet, listen, startServer, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const PATHS = ['/a', '/b', '/c']

/** A node:http server answering each path with a small JSON body; `changed` paths answer otherwise. */
async function httpServer(changed: string[] = []): Promise<number> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const body = JSON.stringify(changed.includes(req.url ?? '') ? { path: req.url, build: 'changed on purpose' } : { path: req.url, ok: true })
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return port
}

const WORDS = {
  en: {
    locale: 'en-US',
    grid: 'Connections',
    filter: 'Filter connections',
    menu: 'Actions',
    listed: 'Replay the 3 listed connections…',
    all: 'Replay all connections…',
    serve: 'Serve as recorded server…',
    dialog: 'Replay capture',
    target: 'Target',
    speed: 'Speed',
    timeout: 'Answer timeout (ms)',
    start: 'Replay',
    summary: 'Replay summary',
    allMatched: 'Every answer matched the recording.',
    ownTargets: 'Each connection against its own recorded target',
    progress: 'Replay progress',
    cancel: 'Cancel replay',
    hide: 'Hide',
    cancelled: 'Replay cancelled.',
    again: 'New replay…',
    sidebar: 'Proxies and sessions',
    section: 'Recorded servers',
    listen: 'Listen on',
    serveButton: 'Serve',
    byMessage: 'Answer message by message',
    playsMessages: /#1 · 1 message, line/,
    messagesReport: /✗ 127\.0\.0\.1:\d+ 1 of 1 messages answered; 1 as recorded; 1 more than recorded, not answered/
  },
  zh: {
    locale: 'zh-CN',
    grid: '连接',
    filter: '过滤连接',
    menu: '操作',
    listed: '重放列出的 3 个连接…',
    all: '重放全部连接…',
    serve: '作为录制服务器提供…',
    dialog: '重放抓包',
    target: '目标',
    speed: '速度',
    timeout: '应答超时（毫秒）',
    start: '重放',
    summary: '重放摘要',
    allMatched: '所有应答都与录制一致。',
    ownTargets: '每个连接发往其录制时的目标',
    progress: '重放进度',
    cancel: '取消重放',
    hide: '隐藏',
    cancelled: '重放已取消。',
    again: '新的重放…',
    sidebar: '代理与会话',
    section: '录制服务器',
    listen: '监听',
    serveButton: '提供',
    byMessage: '按消息应答',
    playsMessages: /#1 · 1 条消息，line/,
    messagesReport: /✗ 127\.0\.0\.1:\d+ 已应答 1 条消息中的 1 条；1 条与录制一致；比录制多 1 条，未应答/
  }
}

/** Fills the open replay dialog's fields and starts it. */
async function replay(page: Page, w: (typeof WORDS)['en'], fields: { target: string; speed?: string; timeout?: string }): Promise<void> {
  const dialog = page.getByRole('dialog', { name: w.dialog })
  await dialog.getByRole('textbox', { name: w.target }).fill(fields.target)
  if (fields.speed !== undefined) await dialog.getByRole('textbox', { name: w.speed }).fill(fields.speed)
  if (fields.timeout !== undefined) await dialog.getByRole('textbox', { name: w.timeout }).fill(fields.timeout)
  await dialog.getByRole('button', { name: w.start, exact: true }).click()
}

describe('whole-capture replay in the UI', () => {
  it('lists what differs against a changed server, selects it, and cancels a run that hangs', async () => {
    const w = WORDS.en
    const same = await httpServer()
    const changed = await httpServer(['/b'])
    const silent = await startServer((s) => void s.resume())
    cleanups.push(silent.close)
    const { web, page } = await openWebPage(cleanups, { browser: { locale: w.locale, width: 1200, height: 760 } })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${same}` })
    for (const path of PATHS) await httpGet(portOf(proxy.listen), path)

    const grid = page.getByRole('grid', { name: w.grid, exact: true })
    const first = grid.getByRole('row').nth(1)
    // Only the proxy's connections (the replays land in the live capture too).
    const filtered = async (): Promise<void> => {
      await page.getByRole('searchbox', { name: w.filter }).fill(`owner:${proxy.id}`)
      // Applied (the filter box waits for typing to pause): the sidebar's proxy shows as the one listed.
      await expect.poll(() => page.getByRole('complementary', { name: w.sidebar }).getByRole('button', { pressed: true }).count()).toBe(1)
      // A new query empties the list's pages until its rows come: the rows already counted are
      // drawn blank meanwhile, and a right click on a blank row opens no menu (CI, once).
      await expect.poll(() => first.textContent()).toMatch(/127\.0\.0\.1/)
    }
    await filtered()
    await expect.poll(() => grid.getByRole('row').count()).toBe(1 + PATHS.length)
    await first.click({ button: 'right' })
    await page.getByRole('menu', { name: w.menu }).getByRole('menuitem', { name: w.listed }).click()
    const dialog = page.getByRole('dialog', { name: w.dialog })
    await saveScreenshot(page, 'replay-capture-form-en')
    await replay(page, w, { target: `127.0.0.1:${same}`, speed: '0' })
    const summary = dialog.getByRole('region', { name: w.summary })
    await expect.poll(() => summary.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/^\s*3 connections · 3 matched\s*$/)
    await expect.poll(() => summary.getByText(w.allMatched).count()).toBe(1)
    expect(await summary.textContent()).toContain(`Against 127.0.0.1:${same}`)

    // Against a server that answers /b otherwise: that connection, and its differing turn.
    await dialog.getByRole('button', { name: w.again }).click()
    await replay(page, w, { target: `127.0.0.1:${changed}` })
    await expect.poll(() => summary.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/3 connections · 2 matched · 1 differed/)
    const differing = summary.getByRole('list', { name: 'Connections that differed' })
    const item = differing.getByRole('listitem').first()
    expect(await item.textContent()).toMatch(/#2\s*→ 127\.0\.0\.1:\d+\s*0 of 1 turns as recorded/)
    expect(await item.textContent()).toMatch(/turn 1: \d+ B of \d+ B/)
    await saveScreenshot(page, 'replay-capture-summary-en')
    const openReplay = item.getByRole('button', { name: /^Open replay #\d+$/ })
    const replayId = Number(/#(\d+)/.exec((await openReplay.textContent()) ?? '')![1])
    await item.getByRole('button', { name: 'Show connection #2' }).click()
    await expect.poll(() => dialog.count()).toBe(0)
    await expect.poll(() => grid.getByRole('row', { selected: true }).getByRole('gridcell').first().textContent()).toMatch(/^\s*2\s*$/)
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await expect.poll(() => detail.textContent()).toContain('#2 127.0.0.1:')

    // Its replay, from the summary again (the button opens the last one): its header links back to #2.
    await page.getByRole('button', { name: 'Replay…', exact: true }).click()
    await dialog.getByRole('button', { name: 'Show' }).click()
    await summary.getByRole('button', { name: `Open replay #${replayId}` }).click()
    const back = detail.getByRole('button', { name: 'replay of #2' })
    await back.waitFor()
    await expect.poll(() => detail.textContent()).toContain(`#${replayId} `)
    await saveScreenshot(page, 'replay-capture-source-link-en')
    await back.click()
    await expect.poll(() => detail.textContent()).toContain('#2 127.0.0.1:')

    // A server that never answers, with a long answer timeout: hidden, counted on the button, then cancelled.
    await filtered()
    await first.click({ button: 'right' })
    await page.getByRole('menu', { name: w.menu }).getByRole('menuitem', { name: w.listed }).click()
    await replay(page, w, { target: `127.0.0.1:${silent.port}`, timeout: '600000' })
    const progress = dialog.getByRole('group', { name: w.progress })
    await expect.poll(() => progress.textContent()).toMatch(/0 of 3 connections/)
    await saveScreenshot(page, 'replay-capture-progress-en')
    await dialog.getByRole('button', { name: w.hide }).click()
    await page.getByRole('button', { name: 'Replaying 0/3…' }).click()
    await expect.poll(() => progress.textContent()).toMatch(/0 of 3 connections/)
    await dialog.getByRole('button', { name: w.cancel }).click()
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 20_000 }).toContain(w.cancelled)
    expect(await page.getByRole('button', { name: 'Replay…', exact: true }).count()).toBe(1)

    // Replay… on a row: that connection, in the Replay tab.
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect.poll(() => grid.getByRole('row').nth(3).textContent()).toMatch(/127\.0\.0\.1/)
    await grid.getByRole('row').nth(3).click({ button: 'right' })
    await page.getByRole('menu', { name: w.menu }).getByRole('menuitem', { name: 'Replay…', exact: true }).click()
    await expect.poll(() => page.getByRole('tab', { name: 'Replay' }).getAttribute('aria-selected')).toBe('true')
    await expect.poll(() => detail.textContent()).toContain('#3 127.0.0.1:')
  })
})

/** A page whose live capture holds one PING answered +PONG (a line server, as redis would answer), through a proxy framing it as `frame` says. */
async function pageWithPing(locale: string, scheme: 'light' | 'dark', frame?: string): Promise<Page> {
  const pong = await startServer((s: Socket) => {
    s.on('data', () => s.write('+PONG\r\n'))
    s.on('end', () => s.end())
  })
  cleanups.push(pong.close)
  const { web, page } = await openWebPage(cleanups, { browser: { locale, colorScheme: scheme, width: 1200, height: 760 } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${pong.port}`, ...(frame !== undefined ? { frame } : {}) })
  const client = await connectTo(portOf(proxy.listen))
  const answered = once(client, 'data')
  client.write('PING\r\n')
  await answered
  client.end()
  await once(client, 'close')
  return page
}

describe('recorded servers in the UI', () => {
  for (const [lang, w, scheme] of [
    ['en', WORDS.en, 'light'],
    ['en', WORDS.en, 'dark'],
    ['zh', WORDS.zh, 'light'],
    ['zh', WORDS.zh, 'dark']
  ] as const) {
    it(`serves a captured conversation to a real client, counts it, and reports it on Stop (${lang}, ${scheme})`, async () => {
      const page = await pageWithPing(w.locale, scheme)

      const grid = page.getByRole('grid', { name: w.grid, exact: true })
      const row = grid.getByRole('row').nth(1)
      await expect.poll(() => row.textContent()).toMatch(/127\.0\.0\.1/)
      await row.click({ button: 'right' })
      const menu = page.getByRole('menu', { name: w.menu })
      await saveScreenshot(page, `replay-menu-${lang}-${scheme}`)
      await menu.getByRole('menuitem', { name: w.serve }).click()
      const form = page.getByRole('dialog', { name: /#1/ })
      expect(await form.getByRole('textbox', { name: w.listen }).inputValue()).toBe('127.0.0.1:0')
      await form.getByRole('button', { name: w.serveButton, exact: true }).click()
      await expect.poll(() => form.count()).toBe(0)

      const section = page.getByRole('complementary', { name: w.sidebar }).getByRole('region', { name: w.section })
      await expect.poll(() => section.textContent()).toMatch(/127\.0\.0\.1:\d+/)
      const listen = /127\.0\.0\.1:(\d+)/.exec((await section.textContent())!)![0]
      const player = await connectTo(portOf(listen))
      const got = collect(player)
      const answer = once(player, 'data')
      player.write('PING\r\n')
      await answer
      player.end()
      expect((await got).toString()).toBe('+PONG\r\n')
      await expect.poll(() => section.textContent(), { timeout: 10_000 }).toMatch(lang === 'en' ? /1 client\b/ : /1 个客户端/)
      await saveScreenshot(page, `recorded-server-running-${lang}-${scheme}`)

      await section.getByRole('button', { name: lang === 'en' ? `Stop the recorded server on ${listen}` : `停止 ${listen} 上的录制服务器` }).click()
      const report = section.getByRole('group', { name: lang === 'en' ? `What the clients of ${listen} did` : `${listen} 的客户端情况` })
      await expect.poll(() => report.textContent()).toMatch(lang === 'en' ? /✓ 127\.0\.0\.1:\d+ 1 of 1 turns played; 1 as recorded/ : /✓ 127\.0\.0\.1:\d+ 已播放 1 个回合中的 1 个；1 个与录制一致/)
      await saveScreenshot(page, `recorded-server-stopped-${lang}-${scheme}`)

      // The same capture replayed against its own targets: a summary in this language.
      await row.click({ button: 'right' })
      await menu.getByRole('menuitem', { name: w.all }).click()
      const dialog = page.getByRole('dialog', { name: w.dialog })
      await dialog.getByRole('button', { name: w.start, exact: true }).click()
      await expect.poll(() => dialog.getByRole('region', { name: w.summary }).getByText(w.allMatched).count(), { timeout: 30_000 }).toBe(1)
      expect(await dialog.getByRole('region', { name: w.summary }).textContent()).toContain(w.ownTargets)
      // The replay's own connection in the list, marked with what it replayed.
      await expect.poll(() => grid.getByRole('row').nth(2).textContent()).toContain('↻ #1')
      await saveScreenshot(page, `replay-capture-summary-${lang}-${scheme}`)
    })
  }

  for (const [lang, w, scheme] of [
    ['en', WORDS.en, 'light'],
    ['zh', WORDS.zh, 'dark']
  ] as const) {
    it(`answers message by message: a message split in two is one, one more than recorded is told (${lang}, ${scheme})`, async () => {
      const page = await pageWithPing(w.locale, scheme, 'line')

      const grid = page.getByRole('grid', { name: w.grid, exact: true })
      const row = grid.getByRole('row').nth(1)
      await expect.poll(() => row.textContent()).toMatch(/127\.0\.0\.1/)
      await row.click({ button: 'right' })
      await page.getByRole('menu', { name: w.menu }).getByRole('menuitem', { name: w.serve }).click()
      const form = page.getByRole('dialog', { name: /#1/ })
      await form.getByRole('checkbox', { name: w.byMessage }).check()
      await saveScreenshot(page, `recorded-server-by-message-dialog-${lang}-${scheme}`)
      await form.getByRole('button', { name: w.serveButton, exact: true }).click()
      await expect.poll(() => form.count()).toBe(0)

      const section = page.getByRole('complementary', { name: w.sidebar }).getByRole('region', { name: w.section })
      await expect.poll(() => section.textContent()).toMatch(w.playsMessages)
      const listen = /127\.0\.0\.1:(\d+)/.exec((await section.textContent())!)![0]
      const player = await connectTo(portOf(listen))
      const got = collect(player)
      const answer = once(player, 'data')
      // The recorded line in two writes, then a line the recording does not have.
      player.write('PI')
      await new Promise((r) => setTimeout(r, 50))
      player.write('NG\r\nPING again\r\n')
      await answer
      player.end()
      expect((await got).toString()).toBe('+PONG\r\n')
      await expect.poll(() => section.textContent(), { timeout: 10_000 }).toMatch(lang === 'en' ? /1 client\b/ : /1 个客户端/)
      await section.getByRole('button', { name: lang === 'en' ? `Stop the recorded server on ${listen}` : `停止 ${listen} 上的录制服务器` }).click()
      const report = section.getByRole('group', { name: lang === 'en' ? `What the clients of ${listen} did` : `${listen} 的客户端情况` })
      await expect.poll(() => report.textContent()).toMatch(w.messagesReport)
      await saveScreenshot(page, `recorded-server-by-message-${lang}-${scheme}`)
    })
  }
})
