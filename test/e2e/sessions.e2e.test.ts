// Proxies and sessions driven from the page served by `tcpscope web`, in real Chromium:
// a server session and a client session started from their forms talk to each other in
// text and hex through the composer, with its preview, FIN, RST and reconnect; a proxy on
// a port in use says so under Listen; a proxy in front of a real redis-server shows what
// redis-cli did. Selects by role and name only.
import { execFileSync } from 'node:child_process'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { startServer, tempDir } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { startRedis } from '../helpers/redis'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(opts: Parameters<typeof openBrowser>[0] = {}): Promise<{ page: Page; web: WebMode }> {
  const web = await startWeb()
  cleanups.push(() => web.stop('SIGINT'))
  // Wide enough for the kind column (a list of 1,100 px or less leaves it to the owner's id): cells are found by their place.
  const b = await openBrowser({ width: 1440, height: 900, ...opts })
  cleanups.push(() => b.close())
  await b.page.goto(web.url)
  await b.page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: /live/ }).waitFor()
  return { page: b.page, web }
}

/** The list's columns, by their place in a row. */
const COLUMN = { kind: 1, owner: 2, target: 4, protocol: 5, info: 6, state: 7, sent: 8, received: 9 } as const
const cell = (row: Locator, col: keyof typeof COLUMN): Locator => row.getByRole('gridcell').nth(COLUMN[col])
/** Waits until a cell says exactly `text` (the list follows the engine live). */
const cellSays = (row: Locator, col: keyof typeof COLUMN, text: string): Promise<void> =>
  cell(row, col).filter({ hasText: new RegExp(`^\\s*${text.replace(/[()]/g, '\\$&')}\\s*$`) }).waitFor()
/** The list row of the connection owned by `owner` (a session or proxy id). */
const rowOf = (page: Page, owner: string): Locator =>
  page.getByRole('grid', { name: 'Connections' }).getByRole('row').filter({ has: page.getByRole('gridcell', { name: owner, exact: true }) })

/** The real port in a sidebar item's listen address. */
async function listenPort(item: Locator): Promise<number> {
  const m = /127\.0\.0\.1:(\d+)/.exec((await item.textContent()) ?? '')
  expect(m).not.toBeNull()
  return Number(m![1])
}

describe('sessions from the UI, in Chromium', () => {
  it('starts a server and a client that talk in text and hex, with preview, FIN, RST and reconnect', async () => {
    const { page } = await open()
    const toolbar = page.getByRole('toolbar', { name: 'Toolbar' })

    await toolbar.getByRole('button', { name: 'Server', exact: true }).click()
    const serverForm = page.getByRole('dialog', { name: 'New server' })
    const listen = serverForm.getByLabel('Listen', { exact: true })
    expect(await listen.evaluate((el) => el === document.activeElement)).toBe(true)
    expect(await serverForm.getByRole('checkbox', { name: 'Echo' }).isChecked()).toBe(false)
    await serverForm.getByRole('button', { name: 'Start' }).click()
    await serverForm.waitFor({ state: 'detached' })
    const serverItem = page.getByRole('region', { name: 'Servers' }).getByRole('button', { name: /^[psc]\d+ 127\.0\.0\.1:\d+/ })
    await serverItem.waitFor()
    const port = await listenPort(serverItem)

    await toolbar.getByRole('button', { name: 'Client', exact: true }).click()
    const clientForm = page.getByRole('dialog', { name: 'New client' })
    await clientForm.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${port}`)
    await clientForm.getByLabel('Target', { exact: true }).press('Enter')
    await clientForm.waitFor({ state: 'detached' })
    await page.getByRole('region', { name: 'Clients' }).getByText('open').first().waitFor()

    // The client's connection is selected: the composer is there for it.
    const clientRow = rowOf(page, 'c1')
    const serverRow = rowOf(page, 's1')
    await serverRow.waitFor()
    const composer = page.getByRole('region', { name: 'Send' })
    const preview = composer.getByRole('group', { name: 'Preview' })
    await composer.getByRole('textbox', { name: 'Text to send' }).fill('hello server\\r\\n')
    await preview.getByText('14 B').waitFor()
    await preview.getByText('68 65 6c 6c 6f 20 73 65 72 76 65 72 0d 0a').waitFor()
    await composer.getByRole('textbox', { name: 'Text to send' }).press('Control+Enter')
    await composer.getByRole('status').getByText(/^Sent 14 B to #\d+$/).waitFor()
    await cellSays(serverRow, 'sent', '14 B')

    // Hex, with a malformed digit first: the preview says where.
    await composer.getByRole('group', { name: 'Payload as' }).getByRole('button', { name: 'Hex' }).click()
    const hex = composer.getByRole('textbox', { name: 'Hex to send' })
    await hex.fill('de ad bg')
    await preview.getByText('bad hex digit "g" at position 8').waitFor()
    expect(await hex.getAttribute('aria-invalid')).toBe('true')
    expect(await composer.getByRole('button', { name: 'Send', exact: true }).isEnabled()).toBe(true)
    await hex.fill('de ad be ef')
    await preview.getByText('de ad be ef').waitFor()
    await saveScreenshot(page, 'sessions-composer-preview')
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    await cellSays(serverRow, 'sent', '18 B')
    await cellSays(clientRow, 'sent', '18 B')

    // A file's exact bytes, read in the page and carried through the transport.
    await composer.getByRole('group', { name: 'Payload as' }).getByRole('button', { name: 'File' }).click()
    await composer.getByLabel('File to send').setInputFiles({ name: 'frame.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0x00, 0xff, 0x5c, 0x0d]) })
    await preview.getByText('00 ff 5c 0d').waitFor()
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    await cellSays(serverRow, 'sent', '22 B')

    // The server's side: what arrived is in its conversation; it answers in text and hex.
    await serverRow.click()
    const detail = page.getByRole('tabpanel')
    // Control characters by name, bytes that are no UTF-8 as ⟨xx⟩ (de ad is U+07AD).
    await detail.getByText('hello serverCRLF').waitFor()
    await detail.getByText('\u07ad⟨be⟩⟨ef⟩').waitFor()
    await detail.getByText('NUL⟨ff⟩\\CR').waitFor()
    await composer.getByRole('group', { name: 'Payload as' }).getByRole('button', { name: 'Text' }).click()
    await composer.getByRole('textbox', { name: 'Text to send' }).fill('hi client')
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    await cellSays(clientRow, 'received', '9 B')
    await composer.getByRole('group', { name: 'Payload as' }).getByRole('button', { name: 'Hex' }).click()
    await composer.getByRole('textbox', { name: 'Hex to send' }).fill('00 ff')
    await composer.getByLabel('Checksum').selectOption('xor8')
    await preview.getByText('00 ff ff').waitFor()
    await composer.getByRole('textbox', { name: 'Hex to send' }).press('Control+Enter')
    await cellSays(clientRow, 'received', '12 B')
    await cellSays(serverRow, 'received', '12 B')

    // FIN from the server: the client keeps its side open (half-closed), and the server
    // can send no more.
    const serverConn = composer.getByRole('group', { name: /^Connection #\d+$/ })
    await serverConn.getByRole('button', { name: 'FIN' }).click()
    await cellSays(clientRow, 'state', 'half-closed (server FIN)')
    await cellSays(serverRow, 'state', 'half-closed (server FIN)')
    // Polled: the composer reads its connection apart from the list's row (conn.get), so it may
    // be a moment behind the row.
    await expect.poll(() => serverConn.getByRole('button', { name: 'FIN' }).isDisabled()).toBe(true)
    await expect.poll(() => composer.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true)

    // RST from the client: both sides see the client's reset.
    await clientRow.click()
    await composer.getByRole('group', { name: /^Connection #\d+$/ }).getByRole('button', { name: 'RST' }).click()
    await cellSays(clientRow, 'state', 'client RST')
    await cellSays(serverRow, 'state', 'client RST')
    await expect.poll(() => composer.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true)

    // Reconnect: a new connection, selected, ready to send again.
    await composer.getByRole('button', { name: 'Reconnect' }).click()
    await rowOf(page, 'c1').nth(1).waitFor()
    await composer.getByRole('group', { name: 'Payload as' }).getByRole('button', { name: 'Text' }).click()
    await composer.getByLabel('Checksum').selectOption('none')
    await composer.getByRole('textbox', { name: 'Text to send' }).fill('again')
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    await cellSays(rowOf(page, 'c1').nth(1), 'sent', '5 B')

    // On an interval: three more sends, then the button says it is over.
    await composer.getByLabel('every (ms)').fill('300')
    await composer.getByLabel('times').fill('3')
    await composer.getByRole('button', { name: 'Start interval' }).click()
    await composer.getByRole('button', { name: 'Stop interval' }).waitFor()
    await cellSays(rowOf(page, 's1').nth(1), 'sent', '20 B')
    await composer.getByRole('button', { name: 'Start interval' }).waitFor()

    // What was sent is in the history, and comes back on a click.
    const history = composer.getByRole('combobox', { name: 'Recent payloads' })
    expect(await history.locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('again'), expect.stringContaining('de ad be ef')]))
    await history.selectOption({ label: 'Hex: de ad be ef' })
    expect(await composer.getByRole('textbox', { name: 'Hex to send' }).inputValue()).toBe('de ad be ef')
    await preview.getByText('de ad be ef').waitFor()

    await page.getByRole('button', { name: 'Theme: system' }).click()
    await page.getByRole('button', { name: 'Theme: light' }).click()
    await page.getByRole('button', { name: 'Theme: dark' }).waitFor()
    await saveScreenshot(page, 'sessions-composer-dark')
  })

  it('holds a client on connect until Resume, and changes how a running server answers', async () => {
    const { page } = await open()
    const toolbar = page.getByRole('toolbar', { name: 'Toolbar' })
    await toolbar.getByRole('button', { name: 'Server', exact: true }).click()
    const serverForm = page.getByRole('dialog', { name: 'New server' })
    await serverForm.getByRole('button', { name: 'Advanced' }).click()
    await serverForm.getByRole('checkbox', { name: 'Hold clients on connect' }).check()
    await serverForm.getByRole('button', { name: 'Start' }).click()
    const servers = page.getByRole('region', { name: 'Servers' })
    const serverItem = servers.getByRole('button', { name: /^[psc]\d+ 127\.0\.0\.1:\d+/ })
    await serverItem.waitFor()
    const port = await listenPort(serverItem)

    await toolbar.getByRole('button', { name: 'Client', exact: true }).click()
    const clientForm = page.getByRole('dialog', { name: 'New client' })
    await clientForm.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${port}`)
    await clientForm.getByLabel('Target', { exact: true }).press('Enter')
    const composer = page.getByRole('region', { name: 'Send' })
    await composer.getByRole('textbox', { name: 'Text to send' }).fill('held')
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    const clientRow = rowOf(page, 'c1')
    const serverRow = rowOf(page, 's1')
    await cellSays(clientRow, 'sent', '4 B')
    await serverItem.getByText('1 held').waitFor()
    // Held: the server has read nothing of it yet.
    expect(await cell(serverRow, 'sent').textContent()).toContain('0 B')

    await serverRow.click()
    const resume = composer.getByRole('button', { name: 'Resume' })
    expect(await resume.isEnabled()).toBe(true)
    await resume.click()
    await cellSays(serverRow, 'sent', '4 B')
    await serverItem.getByText('1 held').waitFor({ state: 'detached' })
    expect(await resume.isDisabled()).toBe(true)

    // Echo switched on while it runs: the client gets back what it sends.
    await servers.getByRole('button', { name: /^Behaviour of server / }).click()
    const behaviour = page.getByRole('dialog', { name: /^Behaviour of server 127\.0\.0\.1:\d+$/ })
    await behaviour.getByRole('checkbox', { name: 'Echo' }).check()
    await behaviour.getByRole('button', { name: 'Apply' }).click()
    await behaviour.waitFor({ state: 'detached' })
    await serverItem.getByText('echo').waitFor()
    await clientRow.click()
    await composer.getByRole('textbox', { name: 'Text to send' }).fill('ping')
    await composer.getByRole('button', { name: 'Send', exact: true }).click()
    await cellSays(clientRow, 'received', '4 B')
  })

  it('says a port in use next to Listen, keeps the form open, and Esc closes it', async () => {
    const busy = await startServer(() => {})
    cleanups.push(busy.close)
    const { page } = await open()
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /New proxy/ }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    const listen = form.getByLabel('Listen', { exact: true })
    expect(await listen.evaluate((el) => el === document.activeElement)).toBe(true)
    await listen.fill(`127.0.0.1:${busy.port}`)
    await form.getByLabel('Target', { exact: true }).fill('127.0.0.1:1')
    await form.getByLabel('Target', { exact: true }).press('Enter')
    await form.getByRole('alert').waitFor()
    // The error is tied to Listen (its description), not to the form or to Target.
    const described = await listen.getAttribute('aria-describedby')
    expect(described).toBeTruthy()
    expect(await page.locator(`[id="${described}"]`).textContent()).toContain('the port is already in use')
    expect(await listen.getAttribute('aria-invalid')).toBe('true')
    expect(await form.getByLabel('Target', { exact: true }).getAttribute('aria-invalid')).toBe('false')
    await saveScreenshot(page, 'sessions-proxy-port-in-use')
    await page.keyboard.press('Escape')
    await form.waitFor({ state: 'detached' })
    expect(await page.getByRole('region', { name: 'Proxies' }).getByText('No proxy yet').isVisible()).toBe(true)
  })

  it('starts a proxy in front of a real redis-server and lists what redis-cli did', async (ctx) => {
    needProgram(ctx, 'redis-server and redis-cli (apt-get install redis-server)', hasProgram('redis-server') && hasProgram('redis-cli'))
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const redis = await startRedis(dir)
    cleanups.push(redis.stop)
    const { page } = await open()
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /New proxy/ }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    await form.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${redis.port}`)
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'detached' })
    const proxies = page.getByRole('region', { name: 'Proxies' })
    const item = proxies.getByRole('button', { name: new RegExp(`→ 127\\.0\\.0\\.1:${redis.port}`) })
    await item.waitFor()
    const port = await listenPort(item)

    expect(execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping']).toString()).toBe('PONG\n')
    const row = rowOf(page, 'p1')
    await cellSays(row, 'state', 'closed')
    expect(await cell(row, 'kind').textContent()).toContain('proxy')
    expect(await cell(row, 'target').textContent()).toContain(`127.0.0.1:${redis.port}`)
    await item.getByText('0 open · 1 accepted').waitFor()
    // Selecting the proxy filters the list to its connections; again shows them all.
    await item.click()
    expect(await page.getByRole('searchbox', { name: 'Filter connections' }).inputValue()).toBe('owner:p1')
    expect(await item.getAttribute('aria-pressed')).toBe('true')
    await row.click()
    await page.getByRole('tabpanel').getByText('PING').first().waitFor()
    expect(await page.getByRole('region', { name: 'Send' }).count()).toBe(0)
    await saveScreenshot(page, 'sessions-redis-proxy')
    await item.click()
    expect(await page.getByRole('searchbox', { name: 'Filter connections' }).inputValue()).toBe('')
  })

  it('shows every option of the forms, in English and Chinese (screenshots)', async () => {
    const { page } = await open()
    const toolbar = page.getByRole('toolbar', { name: 'Toolbar' })
    await toolbar.getByRole('button', { name: 'Server', exact: true }).click()
    const server = page.getByRole('dialog', { name: 'New server' })
    await server.getByRole('button', { name: 'Auto-reply rules' }).click()
    await server.getByRole('button', { name: 'Add rule' }).click()
    await server.getByRole('button', { name: 'Add rule' }).click()
    const rule1 = server.getByRole('group', { name: 'Rule 1' })
    await rule1.getByLabel('Match').selectOption('regex')
    await rule1.getByLabel('Pattern', { exact: true }).fill('^PING (\\w+)')
    await rule1.getByRole('textbox', { name: 'Reply' }).fill('PONG $1\\r\\n')
    const rule2 = server.getByRole('group', { name: 'Rule 2' })
    await rule2.getByLabel('Pattern format').selectOption('hex')
    await rule2.getByLabel('Pattern', { exact: true }).fill('01 03')
    await server.getByRole('button', { name: 'Canned HTTP response' }).click()
    await server.getByRole('button', { name: 'Interval send' }).click()
    await server.getByRole('button', { name: 'Advanced' }).click()
    expect(await server.getByRole('button', { name: 'Advanced' }).getAttribute('aria-expanded')).toBe('true')
    await server.getByLabel('Max connections').waitFor()
    await server.getByRole('checkbox', { name: 'Hold clients on connect' }).waitFor()
    await saveScreenshot(page, 'sessions-server-form')
    // An empty pattern in rule 2 is caught before asking the engine, on its row.
    await rule2.getByLabel('Pattern', { exact: true }).fill('')
    await server.getByRole('button', { name: 'Start' }).click()
    await rule2.getByRole('alert').getByText('Required').waitFor()
    await server.getByRole('button', { name: 'Remove rule 2' }).click()
    expect(await server.getByRole('group', { name: 'Rule 2' }).count()).toBe(0)
    await server.getByRole('button', { name: 'Cancel' }).click()
    await server.waitFor({ state: 'detached' })

    await toolbar.getByRole('button', { name: 'Client', exact: true }).click()
    const client = page.getByRole('dialog', { name: 'New client' })
    await client.getByRole('button', { name: 'Interval send' }).click()
    await client.getByRole('button', { name: 'Advanced' }).click()
    await client.getByRole('checkbox', { name: 'TCP keep-alive' }).check()
    await client.getByLabel('Keep-alive initial delay (ms)').waitFor()
    await client.getByLabel('Local port').fill('70000')
    await client.getByLabel('Target', { exact: true }).fill('127.0.0.1:9')
    await client.getByRole('button', { name: 'Connect' }).click()
    await client.getByText('A whole number from 0 to 65535').waitFor()
    await saveScreenshot(page, 'sessions-client-form')
    await page.keyboard.press('Escape')
    await client.waitFor({ state: 'detached' })

    await toolbar.getByRole('button', { name: 'Language' }).click()
    await page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: '服务器', exact: true }).click()
    const zh = page.getByRole('dialog', { name: '新建服务器' })
    await zh.getByRole('button', { name: '自动回复规则' }).click()
    await zh.getByRole('button', { name: '添加规则' }).click()
    await zh.getByRole('button', { name: '固定 HTTP 响应' }).click()
    await zh.getByRole('button', { name: '定时发送' }).click()
    await zh.getByRole('button', { name: '高级选项' }).click()
    await zh.getByRole('checkbox', { name: '回显' }).waitFor()
    await saveScreenshot(page, 'sessions-server-form-zh')
  })
})
