// A redis connection whose commands traffic rules acted on, in the Messages tab in real
// Chromium against `tcpscope web`, with redis-server and redis-cli through the proxy:
// a GET answered by a rule says so above its fields, and "As delivered" shows the answer the
// client got instead (its fields and bytes); a SET a rule rewrote shows what redis got; a
// message no rule touched has no switch, and "Mock this reply…" makes a rule answering it as
// recorded. In English (light) and in Chinese (dark), scanned
// by axe. Then the script's onMessage: a SET it changed shows what redis got, and a PING it
// dropped says the receiver got nothing (not "delivered as sent"). Screenshots in
// /tmp/rules-messages-*.png. Selects by role and name only.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openWebPage } from '../helpers/web-page'
import { startRedis } from '../helpers/redis'
import { connectTo, tempDir, portOf, waitFor } from '../helpers/net'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { violations, expectNone } from '../helpers/accessibility'

const run = promisify(execFile)
const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'redis-server and redis-cli (apt-get install redis)', hasProgram('redis-server') && hasProgram('redis-cli'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the Messages tab as sent and as delivered, in Chromium', () => {
  it("shows a mocked GET's answer and a rewritten SET as their receivers got them", async () => {
    const tmp = tempDir()
    cleanups.push(tmp.cleanup)
    const redis = await startRedis(tmp.dir)
    cleanups.push(redis.stop)
    const { web, page } = await openWebPage(cleanups, { browser: { width: 1280, height: 800 } })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    await driver.call('rules.set', {
      proxyId: proxy.id,
      rules: [
        { name: 'flag on', match: { resp: { command: 'GET', key: 'feature-flag' } }, steps: [{ respond: { resp: { bulk: 'on' } } }] },
        { name: 'louder', match: { resp: { command: 'SET', key: 'greeting' } }, steps: [{ rewrite: { bytes: [{ find: 'hello', with: 'hello world' }] } }] }
      ]
    })
    const port = String(portOf(proxy.listen))
    // One connection: redis-cli reads commands from stdin, one after another.
    const { stdout } = await run('sh', ['-c', `printf 'GET feature-flag\\nSET greeting hello\\nGET greeting\\n' | redis-cli -p ${port}`])
    expect(stdout.split('\n').filter(Boolean)).toEqual(['on', 'OK', 'hello world'])

    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    // Clicked once the row has settled (closed, its protocol decoded), as byte-views does: a
    // click while the live list redraws the row can land on the row it replaces.
    const row = grid.getByRole('row').filter({ has: page.getByRole('gridcell', { name: 'RESP', exact: true }) }).filter({ has: page.getByRole('gridcell', { name: 'closed', exact: true }) })
    await row.click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Messages' }).click()
    const list = detail.getByRole('listbox', { name: /^Messages/ })
    await list.getByRole('option', { name: /SET greeting hello/ }).waitFor()

    // The mocked GET: what the rule did, and the answer the client got instead.
    await list.getByRole('option', { name: /GET feature-flag/ }).click()
    const fields = detail.getByRole('region', { name: 'Message fields' })
    await fields.getByText('rule flag on: answered GET feature-flag (not sent to the target)').waitFor()
    const shown = fields.getByRole('radiogroup', { name: 'Show the message' })
    await shown.getByRole('radio', { name: 'As delivered' }).click()
    await fields.getByRole('tree', { name: /^The answer the client got instead of message #\d+$/ }).waitFor()
    const bytes = fields.getByRole('region', { name: 'Bytes delivered' })
    await expect.poll(() => bytes.textContent()).toContain('$2..on..')
    await saveScreenshot(page, 'rules-messages-light-en')
    expectNone(await violations(page, 'light Messages tab as delivered'))

    // The rewritten SET: what redis got instead.
    await list.getByRole('option', { name: /SET greeting hello/ }).click()
    await fields.getByText('rule louder: rewrote SET greeting hello').waitFor()
    expect(await shown.getByRole('radio', { name: 'As delivered' }).getAttribute('aria-checked')).toBe('true')
    await fields.getByRole('tree', { name: /^Message #\d+, as the target got it$/ }).waitFor()
    await expect.poll(() => bytes.textContent()).toContain('hello world')
    await shown.getByRole('radio', { name: 'As sent' }).click()
    await expect.poll(() => fields.getByRole('region', { name: /^Bytes of message #\d+$/ }).textContent()).not.toContain('hello world')

    // A message no rule touched: no switch.
    await list.getByRole('option', { name: /GET greeting/ }).click()
    await fields.getByRole('tree', { name: /^Fields of message #\d+$/ }).waitFor()
    expect(await fields.getByRole('radiogroup', { name: 'Show the message' }).count()).toBe(0)

    // "Mock this reply…": a rule answering the GET with the reply recorded for it, in the proxy's editor.
    await list.getByRole('option', { name: /GET greeting/ }).click()
    await fields.getByRole('button', { name: 'Mock this reply…' }).click()
    const panel = page.getByRole('dialog', { name: `Rules of ${proxy.id}` })
    const editor = panel.getByRole('textbox', { name: 'Rule as JSON' })
    await expect.poll(() => editor.textContent()).toContain('"name": "answer GET greeting as recorded"')
    expect(JSON.parse((await editor.innerText()).replace(/\u00a0/g, ' '))).toEqual({
      name: 'answer GET greeting as recorded',
      match: { message: { dir: 'client', protocol: 'resp', summary: { exact: 'GET greeting' } } },
      steps: [{ respond: { text: '$11\r\nhello world\r\n' } }]
    })
    await panel.getByText(/^Made from message #\d+ of connection #\d+: it answers with the reply recorded for it\./).waitFor()
    await panel.getByRole('button', { name: 'Close' }).click()

    // In Chinese and dark.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /^Language/ }).click()
    const theme = page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^主题/ })
    await theme.click()
    await theme.click()
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'))
    const zhDetail = page.getByRole('region', { name: '所选连接' })
    await zhDetail.getByRole('listbox', { name: /^消息/ }).getByRole('option', { name: /GET feature-flag/ }).click()
    const zhFields = zhDetail.getByRole('region', { name: '消息字段' })
    await zhFields.getByRole('radiogroup', { name: '显示此消息' }).getByRole('radio', { name: '按送达' }).click()
    await zhFields.getByRole('tree', { name: /^客户端收到的代替消息 #\d+ 的应答$/ }).waitFor()
    await saveScreenshot(page, 'rules-messages-dark-zh')
    expectNone(await violations(page, 'dark Messages tab as delivered in Chinese'))
  })

  it("shows a SET the script changed as redis got it, and a PING it dropped as not delivered", async () => {
    const tmp = tempDir()
    cleanups.push(tmp.cleanup)
    const redis = await startRedis(tmp.dir)
    cleanups.push(redis.stop)
    const { web, page } = await openWebPage(cleanups, { browser: { width: 1280, height: 800 } })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    const hooks = join(tmp.dir, 'hooks.js')
    writeFileSync(
      hooks,
      `export function onMessage(msg, ctx) {
  if (msg.dir !== 'client') return
  if (msg.fields.command === 'PING') return ctx.drop()
  if (msg.fields.command === 'SET' && msg.fields.key === 'color') msg.text = msg.text.replace('$4\\r\\nblue', '$7\\r\\ncrimson')
}
`
    )
    await driver.call('script.load', { proxyId: proxy.id, path: hooks })
    const s = await connectTo(portOf(proxy.listen))
    let got = ''
    s.on('data', (c: Buffer) => (got += c.toString('latin1')))
    s.write('*3\r\n$3\r\nSET\r\n$5\r\ncolor\r\n$4\r\nblue\r\n*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$5\r\ncolor\r\n')
    // No +PONG: redis never got the PING.
    await waitFor(() => got === '+OK\r\n$7\r\ncrimson\r\n' && got, 'the replies')
    s.end()

    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    const row = grid.getByRole('row').filter({ has: page.getByRole('gridcell', { name: 'RESP', exact: true }) }).filter({ has: page.getByRole('gridcell', { name: 'closed', exact: true }) })
    await row.click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Messages' }).click()
    const list = detail.getByRole('listbox', { name: /^Messages/ })
    await list.getByRole('option', { name: /SET color blue/ }).click()
    const fields = detail.getByRole('region', { name: 'Message fields' })
    await fields.getByText(/the script changed SET color blue/).waitFor()
    const shown = fields.getByRole('radiogroup', { name: 'Show the message' })
    await shown.getByRole('radio', { name: 'As delivered' }).click()
    const gotTree = fields.getByRole('tree', { name: /^Message #\d+, as the target got it$/ })
    await expect.poll(() => gotTree.textContent()).toContain('crimson')
    // The hex view breaks its text every 16 bytes.
    await expect.poll(() => fields.getByRole('region', { name: 'Bytes delivered' }).textContent()).toContain('$7..crim')
    expect(await fields.getByText('It was delivered as sent.').count()).toBe(0)
    await saveScreenshot(page, 'rules-messages-script-changed')

    await list.getByRole('option', { name: /PING/ }).click()
    await fields.getByText(/the script dropped PING/).first().waitFor()
    expect(await shown.getByRole('radio', { name: 'As delivered' }).getAttribute('aria-checked')).toBe('true')
    await fields.getByText(/^The receiver got nothing: /).waitFor()
    expect(await fields.getByText('It was delivered as sent.').count()).toBe(0)
    await saveScreenshot(page, 'rules-messages-script-dropped')
    expectNone(await violations(page, 'Messages tab: a message the script dropped, as delivered'))
  })
})
