// A proxy's traffic rules from the page served by `tcpscope web`, in real Chromium, with a
// real backend behind the proxy and requests sent by Node's http client:
// - a rule typed in the Rules panel's JSON editor (after a line that is not JSON, and one the
//   engine refuses, each said in one line) mocks GET /api/user: the client gets the mock, the
//   backend nothing, the rule's hits go to 1; the conversation says what the rule did and its
//   "Show what was delivered" shows the request beside the answer; the exchange list marks the
//   exchange as mocked; turned off, the request reaches the backend again;
// - "Mock this response" on a backend exchange makes a rule of it in the editor, which is
//   added, moved up and deleted; a rules file loaded by path is named, and its refused edit said;
//   a script loaded by path shows its hooks and its last error, and is reloaded and unloaded;
// - a rule added in the editor that an earlier rule hides says so in its row (a note named for
//   it), gone while the earlier rule is off, in English and in Chinese;
// - the panel in Chinese and in dark, scanned by axe (WCAG 2.1 A/AA) with the delivered dialog,
//   and the HTTP tab showing a rewritten response as sent and as the client got it.
// Screenshots in /tmp/rules-*.png. Selects by role and name only.
import { once } from 'node:events'
import { createServer, request, type IncomingMessage } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { listen, tempDir, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { violations, expectNone } from '../helpers/accessibility'
import type { EngineClient } from '../../src/shared/engine-client'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const MOCK_RULE = {
  name: 'mock user',
  match: { http: { method: 'GET', path: '/api/user' } },
  steps: [{ respond: { status: 200, json: { id: 1, name: 'mocked' } } }]
}

/** A backend answering JSON, and the paths it was asked for. */
async function backend(): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(req.url ?? '')
    req.resume()
    const body = JSON.stringify({ from: 'backend', path: req.url })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
  const port = await listen(server)
  cleanups.push(
    () =>
      new Promise((r) => {
        server.close(r)
        server.closeAllConnections()
      })
  )
  return { port, seen }
}

/** A GET through the proxy on a connection of its own; the body the client got. */
async function get(port: number, path: string): Promise<string> {
  const req = request({ port, host: '127.0.0.1', path, headers: { Connection: 'close' } })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  let body = ''
  for await (const chunk of res) body += String(chunk)
  return body
}

async function open(opts: { width?: number; height?: number } = {}): Promise<{ page: Page; driver: EngineClient; proxyId: string; port: number; origin: { port: number; seen: string[] } }> {
  const origin = await backend()
  const { web, page } = await openWebPage(cleanups, { browser: { width: opts.width ?? 1400, height: opts.height ?? 900 } })
  const driver = await web.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin.port}` })
  await page.getByRole('complementary', { name: 'Proxies and sessions' }).getByRole('button', { name: `Rules of ${proxy.id}…` }).waitFor()
  return { page, driver, proxyId: proxy.id, port: portOf(proxy.listen), origin }
}

/** Replaces the rule editor's text with `text`, as typed. */
async function typeRule(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(text)
}

const cellsOf = async (row: Locator): Promise<string[]> => (await row.getByRole('cell').allTextContents()).map((c) => c.trim())

describe('the Rules panel, in Chromium', () => {
  it('adds a mock in the JSON editor, counts its hit, marks it in the conversation and the exchange list, and lets requests through when off', async () => {
    const { page, driver, proxyId, port, origin } = await open()
    const sidebar = page.getByRole('complementary', { name: 'Proxies and sessions' })
    await sidebar.getByRole('button', { name: `Rules of ${proxyId}…` }).click()
    const panel = page.getByRole('dialog', { name: `Rules of ${proxyId}` })
    await panel.getByText(/^No rules\./).waitFor()
    const editor = panel.getByRole('textbox', { name: 'Rule as JSON' })

    // Not JSON: said in one line, before the engine is asked.
    await typeRule(page, editor, '{ "match": ')
    await panel.getByRole('button', { name: 'Add rule' }).click()
    await expect.poll(() => panel.getByRole('alert').textContent()).toMatch(/^\s*Not JSON: /)
    // JSON the engine refuses: its one line names the rule and the field.
    await typeRule(page, editor, JSON.stringify({ match: { http: { path: '/x' } }, steps: [{ respond: { status: 42 } }] }))
    await panel.getByRole('button', { name: 'Add rule' }).click()
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('rule 1.steps[0].respond.status: expected a whole number from 100 to 999, got 42')

    await typeRule(page, editor, JSON.stringify(MOCK_RULE, null, 2))
    await page.keyboard.press('Control+Enter')
    const table = panel.getByRole('table', { name: 'Rules, in the order they are tried' })
    const row = table.getByRole('row').nth(1)
    await expect.poll(async () => (await cellsOf(row)).slice(0, 7)).toEqual(['', '1', 'mock user', 'HTTP GET /api/user', 'respond 200 JSON', 'every time', '0'])
    const on = table.getByRole('switch', { name: 'Rule 1 on: mock user' })
    expect(await on.isChecked()).toBe(true)
    expect(await panel.getByRole('alert').count()).toBe(0)
    await sidebar.getByText('1 rule').waitFor()

    // A request through the proxy: the mock answers, the backend is never asked, the hit is counted.
    expect(JSON.parse(await get(port, '/api/user'))).toEqual({ id: 1, name: 'mocked' })
    expect(origin.seen).toEqual([])
    await expect.poll(async () => (await cellsOf(row))[6]).toBe('1')
    await saveScreenshot(page, 'rules-panel-light-en')
    expectNone(await violations(page, 'light Rules panel'))
    await panel.getByRole('button', { name: 'Close' }).click()

    // The conversation says what the rule did; its button shows the request beside the mock's answer.
    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    await grid.getByRole('row').nth(1).click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Conversation' }).click()
    const mark = detail.getByRole('feed', { name: 'Conversation' }).getByRole('article', { name: /^rule mock user: answered GET \/api\/user with 200 \(not sent to the target\) at / })
    await mark.waitFor()
    await mark.getByRole('button', { name: 'Show what was delivered' }).click()
    const delivered = page.getByRole('dialog', { name: 'What rule mock user delivered' })
    const sides = delivered.getByRole('table')
    await expect.poll(() => sides.textContent()).toContain('GET /api/user HTTP/1.1')
    expect(await sides.getByRole('columnheader').allTextContents()).toEqual([expect.stringMatching(/^\s*The request the client sent, \d+ B\s*$/), expect.stringMatching(/^\s*The answer the client got instead, \d+ B\s*$/)])
    expect(await sides.textContent()).toContain('HTTP/1.1 200 OK')
    expect(await sides.textContent()).toContain('{"id":1,"name":"mocked"}')
    await saveScreenshot(page, 'rules-delivered-light-en')
    expectNone(await violations(page, 'light delivered dialog'))
    await delivered.getByRole('button', { name: 'Close' }).click()

    // The HTTP view says it too, above the request it never sent on.
    await detail.getByRole('tab', { name: 'HTTP', exact: true }).click()
    await detail.getByText('rule mock user: answered GET /api/user with 200 (not sent to the target)').waitFor()
    await detail.getByRole('listbox', { name: /^HTTP exchanges/ }).getByRole('option', { name: /^1: GET \/api\/user, 200 \(mock\)/ }).waitFor()
    await detail.getByRole('region', { name: 'Response' }).getByText(/^None from the target: it never got the request\. Rule mock user answered instead/).waitFor()
    await saveScreenshot(page, 'rules-http-view-light-en')

    // The exchange list marks the exchange, with the status the mock answered.
    await page.getByRole('radio', { name: 'Exchanges' }).click()
    const exchanges = page.getByRole('grid', { name: 'HTTP exchanges' })
    const badge = exchanges.getByRole('row').nth(1).getByRole('img', { name: 'Mocked by rule mock user' })
    await badge.waitFor()
    expect(await exchanges.getByRole('row').nth(1).getByRole('gridcell').nth(3).textContent()).toMatch(/^\s*200\s*mock\s*$/)
    await saveScreenshot(page, 'rules-exchange-badge-light-en')
    await page.getByRole('radio', { name: 'List' }).click()

    // Off: the request reaches the backend.
    await sidebar.getByRole('button', { name: `Rules of ${proxyId}…` }).click()
    await on.click()
    await expect.poll(() => on.isChecked()).toBe(false)
    // The switch turns at the click; the engine takes the change a moment later (rules.enable):
    // a request sent in between was still mocked (CI, once).
    await expect.poll(async () => (await driver.call('rules.list', { proxyId })).rules.map((r) => r.enabled)).toEqual([false])
    expect(JSON.parse(await get(port, '/api/user'))).toEqual({ from: 'backend', path: '/api/user' })
    expect(origin.seen).toEqual(['/api/user'])
    expect((await cellsOf(row))[6]).toBe('1')
  })

  it('mocks a recorded response, moves and deletes rules, loads a rules file and says its refused edit', async () => {
    const { page, driver, proxyId, port } = await open()
    await get(port, '/api/other')
    // An exchange of the backend's, mocked from the exchange list's menu.
    await page.getByRole('radio', { name: 'Exchanges' }).click()
    const exchanges = page.getByRole('grid', { name: 'HTTP exchanges' })
    const exchange = exchanges.getByRole('row').nth(1)
    await expect.poll(() => exchange.textContent()).toContain('/api/other')
    await exchange.click({ button: 'right' })
    await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Mock this response…' }).click()
    const panel = page.getByRole('dialog', { name: `Rules of ${proxyId}` })
    const editor = panel.getByRole('textbox', { name: 'Rule as JSON' })
    await expect.poll(() => editor.textContent()).toContain('"name": "mock GET /api/other"')
    const made = JSON.parse((await editor.innerText()).replace(/\u00a0/g, ' ')) as unknown
    expect(made).toEqual({
      name: 'mock GET /api/other',
      match: { http: { method: 'GET', path: '/api/other' } },
      steps: [{ respond: { status: 200, headers: { 'Content-Type': 'application/json' }, json: { from: 'backend', path: '/api/other' } } }]
    })
    await panel.getByText(/^Made from exchange 1 of connection #\d+: check it, then add it\.$/).waitFor()
    await panel.getByRole('button', { name: 'Add rule' }).click()
    const table = panel.getByRole('table', { name: 'Rules, in the order they are tried' })
    await table.getByRole('cell', { name: 'mock GET /api/other', exact: true }).waitFor()
    await saveScreenshot(page, 'rules-mocked-light-en')

    // A second rule, then moved above the first; the focus moves with it.
    await typeRule(page, editor, JSON.stringify({ name: 'slow', match: { http: { path: '/slow*' } }, steps: [{ delay: 300 }, { respond: { status: 204 } }], times: 2 }))
    await panel.getByRole('button', { name: 'Add rule' }).click()
    const labels = async (): Promise<string[]> => {
      const out: string[] = []
      for (const r of (await table.getByRole('row').all()).slice(1)) out.push((await cellsOf(r))[2])
      return out
    }
    await expect.poll(labels).toEqual(['mock GET /api/other', 'slow'])
    expect((await cellsOf(table.getByRole('row').nth(2))).slice(3, 6)).toEqual(['HTTP /slow*', 'wait 300 ms → respond 204', '2 times · 2 left'])
    await table.getByRole('button', { name: 'Move rule 2 up' }).click()
    await expect.poll(labels).toEqual(['slow', 'mock GET /api/other'])
    await expect.poll(() => table.getByRole('button', { name: 'Move rule 1 down' }).evaluate((el) => el === document.activeElement)).toBe(true)
    expect((await driver.call('rules.list', { proxyId })).rules.map((r) => r.label)).toEqual(['slow', 'mock GET /api/other'])
    // Edited: the editor takes it, and follows it when it moves; Save puts it back in its place.
    await table.getByRole('button', { name: 'Edit rule 1' }).click()
    await panel.getByText('Editing rule 1: slow').waitFor()
    await typeRule(page, editor, JSON.stringify({ name: 'slower', match: { http: { path: '/slow*' } }, steps: [{ delay: 500 }] }))
    await table.getByRole('button', { name: 'Move rule 1 down' }).click()
    await panel.getByText('Editing rule 2: slow').waitFor()
    await panel.getByRole('button', { name: 'Save rule' }).click()
    await expect.poll(labels).toEqual(['mock GET /api/other', 'slower'])
    await panel.getByText('New rule').waitFor()
    await table.getByRole('button', { name: 'Delete rule 1' }).click()
    await expect.poll(labels).toEqual(['slower'])

    // A rules file, by path on the engine's host: named, then its refused edit said.
    const dir = tempDir('tcpscope-rules-ui-')
    cleanups.push(dir.cleanup)
    const file = join(dir.dir, 'team-rules.json')
    writeFileSync(file, JSON.stringify({ rules: [MOCK_RULE, { name: 'teapot', match: { http: { path: '/tea' } }, steps: [{ respond: { status: 418 } }], once: true }] }))
    await panel.getByRole('textbox', { name: 'Rules file' }).fill(file)
    await panel.getByRole('button', { name: 'Load rules file' }).click()
    await expect.poll(labels).toEqual(['mock user', 'teapot'])
    await panel.getByText(`From team-rules.json, reloaded on save (${file})`).waitFor()
    expect((await cellsOf(table.getByRole('row').nth(2)))[5]).toBe('once · 1 left')
    writeFileSync(file, JSON.stringify({ rules: [{ name: 'broken', match: { http: { path: '/x' } }, steps: [{ bounce: true }] }] }))
    await expect.poll(() => panel.getByRole('alert').first().textContent(), { timeout: 10_000 }).toMatch(/^\s*Its last edit was not taken: .*team-rules\.json: rule 1 \("broken"\)\.steps\[0\]: unknown field "bounce"/)
    await expect.poll(labels).toEqual(['mock user', 'teapot'])
    await saveScreenshot(page, 'rules-file-error-light-en')

    // The script pane: a script loaded by path, its hooks, its last error (the request still
    // answered), Reload and Unload.
    const script = join(dir.dir, 'hooks.ts')
    writeFileSync(script, "export function onRequest(req: { path: string }): void {\n  if (req.path === '/boom') throw new Error('boom at ' + req.path)\n}\n")
    // A path the engine cannot load is said under its own field, not under the Add rule form.
    const scriptField = panel.getByRole('textbox', { name: 'Script' })
    await scriptField.fill(join(dir.dir, 'nope.ts'))
    await panel.getByRole('button', { name: 'Load script' }).click()
    await expect.poll(() => scriptField.getAttribute('aria-invalid')).toBe('true')
    const refused = panel.getByRole('alert').filter({ hasText: 'nope.ts' })
    await refused.waitFor()
    expect(await scriptField.evaluate((el) => el.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '))).toContain('nope.ts')
    await saveScreenshot(page, 'rules-script-refused-light-en')
    await scriptField.fill(script)
    await panel.getByRole('button', { name: 'Load script' }).click()
    await panel.getByText(`hooks.ts, loaded at`, { exact: false }).waitFor()
    expect(await refused.count()).toBe(0)
    await panel.getByText('Hooks: onRequest').waitFor()
    expect(JSON.parse(await get(port, '/boom'))).toEqual({ from: 'backend', path: '/boom' })
    await expect.poll(() => panel.getByRole('status').filter({ hasText: 'Last error' }).textContent()).toMatch(/Last error: .*boom at \/boom/)
    await expect.poll(() => panel.getByText(/^\d+ calls · 1 errors · \d+ restarts$/).count()).toBe(1)
    await saveScreenshot(page, 'rules-script-light-en')
    await panel.getByRole('button', { name: 'Reload script' }).click()
    await panel.getByRole('button', { name: 'Unload script' }).click()
    await panel.getByText(/^A module of hooks/).waitFor()
    expect(await panel.getByRole('button', { name: 'Reload script' }).count()).toBe(0)
  })

  it('says next to a rule added in the JSON editor that an earlier rule hides it, in English and in Chinese', async () => {
    const { page, driver, proxyId } = await open()
    const tag = { name: 'tag requests', match: { http: { path: { prefix: '/' } } }, steps: [{ rewrite: { request: { headers: { 'x-env': 'staging' } } } }] }
    await driver.call('rules.set', { proxyId, rules: [MOCK_RULE, tag] })
    await page.getByRole('complementary', { name: 'Proxies and sessions' }).getByRole('button', { name: `Rules of ${proxyId}…` }).click()
    const panel = page.getByRole('dialog', { name: `Rules of ${proxyId}` })
    const table = panel.getByRole('table', { name: 'Rules, in the order they are tried' })
    await table.getByRole('switch', { name: 'Rule 2 on: tag requests' }).waitFor()
    expect(await table.getByRole('note').count()).toBe(0)
    await typeRule(page, panel.getByRole('textbox', { name: 'Rule as JSON' }), JSON.stringify({ name: 'to the other server', match: { http: { path: { prefix: '/other/' } } }, steps: [{ reset: true }] }))
    await panel.getByRole('button', { name: 'Add rule' }).click()
    const note = table.getByRole('note', { name: 'Rule 3 never acts' })
    await note.waitFor()
    expect((await note.textContent())?.trim()).toBe('⚠ Never acts: rule 2 “tag requests” matches everything this one matches, and the first rule that matches acts.')
    // In the hidden rule's row, and its Edit button is described by it.
    const row = table.getByRole('row').filter({ has: page.getByRole('switch', { name: 'Rule 3 on: to the other server' }) })
    expect(await row.getByRole('note').count()).toBe(1)
    expect(await row.getByRole('button', { name: 'Edit rule 3' }).evaluate((el) => document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent?.trim())).toMatch(/^⚠ Never acts: rule 2/)
    // The earlier rule switched off hides nothing: the note goes, and comes back with it.
    await table.getByRole('switch', { name: 'Rule 2 on: tag requests' }).click()
    await expect.poll(() => table.getByRole('note').count()).toBe(0)
    await table.getByRole('switch', { name: 'Rule 2 on: tag requests' }).click()
    await note.waitFor()
    await saveScreenshot(page, 'rules-hidden-light-en')
    expectNone(await violations(page, 'Rules panel with a hidden rule'))
    await panel.getByRole('button', { name: 'Close' }).click()

    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /^Language/ }).click()
    await page.getByRole('complementary', { name: '代理与会话' }).getByRole('button', { name: `${proxyId} 的规则…` }).click()
    const zhTable = page.getByRole('dialog', { name: `${proxyId} 的规则` }).getByRole('table', { name: '规则（按尝试顺序）' })
    const zhNote = zhTable.getByRole('note', { name: '规则 3 永远不会生效' })
    await zhNote.waitFor()
    expect((await zhNote.textContent())?.trim()).toBe('⚠ 永远不会生效：规则 2“tag requests”能匹配本规则匹配的一切，而只有第一条匹配的规则会生效。')
    await saveScreenshot(page, 'rules-hidden-light-zh')
    expectNone(await violations(page, 'Rules panel with a hidden rule in Chinese'))
  })

  it('reads in Chinese and in dark, and axe finds nothing serious in the panel or the delivered dialog', async () => {
    const { page, driver, proxyId, port } = await open({ width: 1280, height: 800 })
    await driver.call('rules.set', { proxyId, rules: [MOCK_RULE, { match: { http: { path: '/api/items' } }, steps: [{ rewrite: { response: { json: { '$.from': 'rewritten' } } } }], times: 3 }] })
    expect(JSON.parse(await get(port, '/api/user'))).toEqual({ id: 1, name: 'mocked' })
    expect(JSON.parse(await get(port, '/api/items'))).toEqual({ from: 'rewritten', path: '/api/items' })
    const toolbar = page.getByRole('toolbar', { name: 'Toolbar' })
    await toolbar.getByRole('button', { name: /^Language/ }).click()
    const sidebar = page.getByRole('complementary', { name: '代理与会话' })
    await sidebar.getByText('2 条规则').waitFor()
    await sidebar.getByRole('button', { name: `${proxyId} 的规则…` }).click()
    const panel = page.getByRole('dialog', { name: `${proxyId} 的规则` })
    const table = panel.getByRole('table', { name: '规则（按尝试顺序）' })
    await table.getByRole('switch', { name: '启用规则 1：mock user' }).waitFor()
    expect(await table.getByRole('columnheader').allTextContents()).toEqual(['启用', '#', '规则', '匹配', '步骤', '次数', '命中', ''])
    expect((await cellsOf(table.getByRole('row').nth(2))).slice(3, 7)).toEqual(['HTTP /api/items', '改写响应 (json)', '3 次 · 剩 2 次', '1'])
    await panel.getByRole('textbox', { name: '规则（JSON）' }).waitFor()
    await saveScreenshot(page, 'rules-panel-light-zh')
    expectNone(await violations(page, 'light Rules panel in Chinese'))
    await panel.getByRole('button', { name: '关闭' }).click()

    // Dark (system → light → dark): the panel in Chinese, then in English.
    const theme = page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^主题/ })
    await theme.click()
    await theme.click()
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'))
    await sidebar.getByRole('button', { name: `${proxyId} 的规则…` }).click()
    await table.waitFor()
    await saveScreenshot(page, 'rules-panel-dark-zh')
    expectNone(await violations(page, 'dark Rules panel in Chinese'))
    await panel.getByRole('button', { name: '关闭' }).click()

    // The rewrite's mark and its differences, in Chinese and dark.
    await page.getByRole('grid', { name: '连接', exact: true }).getByRole('row').nth(2).click()
    const detail = page.getByRole('region', { name: '所选连接' })
    await detail.getByRole('tab', { name: '会话' }).click()
    const mark = detail.getByRole('feed').getByRole('article', { name: /^规则 HTTP \/api\/items：改写了对 GET \/api\/items 的响应 200 OK，/ })
    await mark.getByRole('button', { name: '查看实际送达的内容' }).click()
    const delivered = page.getByRole('dialog', { name: '规则 HTTP /api/items 送达的内容' })
    await expect.poll(() => delivered.getByRole('table').textContent()).toContain('− {"from":"backend","path":"/api/items"}')
    expect(await delivered.getByRole('table').textContent()).toContain('+ {"from":"rewritten","path":"/api/items"}')
    await delivered.getByText(/^\d+ 行不同$/).waitFor()
    await saveScreenshot(page, 'rules-delivered-dark-zh')
    expectNone(await violations(page, 'dark delivered dialog in Chinese'))
    await delivered.getByRole('button', { name: '关闭' }).click()

    // The HTTP tab shows the exchange as sent, or as delivered: the response as the client got it.
    await detail.getByRole('tab', { name: 'HTTP', exact: true }).click()
    const shown = detail.getByRole('radiogroup', { name: '显示此交换' })
    expect(await shown.getByRole('radio', { name: '按发送' }).getAttribute('aria-checked')).toBe('true')
    await expect.poll(() => detail.getByRole('region', { name: '响应', exact: true }).textContent()).toContain('backend')
    await shown.getByRole('radio', { name: '按送达' }).click()
    const got = detail.getByRole('region', { name: '响应（客户端实际收到的）' })
    await expect.poll(() => got.textContent()).toContain('rewritten')
    expect(await got.textContent()).not.toContain('backend')
    // the request went on as sent: its pane is the captured one
    await detail.getByRole('region', { name: '请求', exact: true }).waitFor()
    await saveScreenshot(page, 'rules-http-delivered-dark-zh')
    expectNone(await violations(page, 'dark HTTP tab as delivered in Chinese'))
    await shown.getByRole('radio', { name: '按发送' }).click()
    await expect.poll(() => detail.getByRole('region', { name: '响应', exact: true }).textContent()).toContain('backend')
    // "Rewrite requests like this…": a request rewrite made from the exchange, in the proxy's editor.
    await detail.getByRole('region', { name: '请求', exact: true }).getByRole('button', { name: '改写类似的请求…' }).click()
    await expect.poll(() => panel.getByRole('textbox', { name: '规则（JSON）' }).textContent()).toContain('"name": "rewrite GET /api/items"')
    await panel.getByText(/^由连接 #\d+ 的第 1 个交换生成：请改成目标应收到的内容后再添加。$/).waitFor()
    await panel.getByRole('button', { name: '关闭' }).click()

    await page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^语言/ }).click()
    await page.getByRole('complementary', { name: 'Proxies and sessions' }).getByRole('button', { name: `Rules of ${proxyId}…` }).click()
    await page.getByRole('dialog', { name: `Rules of ${proxyId}` }).getByRole('switch', { name: 'Rule 2 on: HTTP /api/items' }).waitFor()
    await saveScreenshot(page, 'rules-panel-dark-en')
    expectNone(await violations(page, 'dark Rules panel'))
  })
})
