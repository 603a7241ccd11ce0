// The Hex and Text views of a redis connection whose commands traffic rules acted on, in
// real Chromium against `tcpscope web`, with redis-server and redis-cli through the proxy:
// "As delivered" shows each direction as its receiver got it (the GET a rule answered gone
// from what redis got, the SET as the rule rewrote it; the rule's answer in what the client
// got), marks what a rule changed and names the rule; "As sent" is the capture again. A
// connection no rule touched has no switch. In English (light) and in Chinese (dark),
// scanned by axe. Screenshots in /tmp/rules-bytes-*.png. Selects by role, name and title.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Locator } from 'playwright-core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { selectRow, sharedWebPage, showAs, toolbarShown } from '../helpers/web-page'
import { startRedis } from '../helpers/redis'
import { tempDir, portOf } from '../helpers/net'
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

const flat = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim()

/** The bytes the hex grid shows, read back from its hex column (a short stream: every row is on screen). */
async function hexBytes(grid: Locator): Promise<string> {
  const cells = await grid.getByRole('gridcell').allTextContents()
  const hex = cells.filter((_, i) => i % 3 === 1).join(' ')
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex').toString('latin1')
}

describe('the Hex and Text views as sent and as delivered, in Chromium', () => {
  // One engine and one page for both tests: each proxies to a redis of its own, and finds
  // its connection's row by that redis's address.
  const shared = sharedWebPage({ browser: { width: 1280, height: 800 } }, toolbarShown)

  it('shows what redis and the client got, marking what the rules changed', async () => {
    const tmp = tempDir()
    cleanups.push(tmp.cleanup)
    const redis = await startRedis(tmp.dir)
    cleanups.push(redis.stop)
    const { web, page } = shared
    await showAs(page, { width: 1280, height: 800 })
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
    const { stdout } = await run('sh', ['-c', `printf 'GET feature-flag\\nSET greeting hello\\nGET greeting\\n' | redis-cli -p ${port}`])
    expect(stdout.split('\n').filter(Boolean)).toEqual(['on', 'OK', 'hello world'])

    // Once the row says what it was decoded as (a click while it is redrawn may miss).
    const row = page.getByRole('grid', { name: 'Connections', exact: true }).getByRole('row').filter({ has: page.getByRole('gridcell', { name: `127.0.0.1:${redis.port}`, exact: true }) })
    await row.getByText('RESP').waitFor()
    await selectRow(page.getByRole('grid', { name: 'Connections', exact: true }), `127.0.0.1:${redis.port}`)
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Hex' }).click()
    const hex = detail.getByRole('grid', { name: 'Hex bytes' })
    const status = detail.getByRole('status').filter({ hasText: 'in all' })
    await expect.poll(() => hexBytes(hex)).toContain('feature-flag')
    const sentClient = await hexBytes(hex)
    expect(sentClient).not.toContain('hello world')

    // As delivered: redis never got the GET a rule answered, and got the SET rewritten.
    const shownAs = detail.getByRole('radiogroup', { name: 'Show the bytes' })
    await shownAs.getByRole('radio', { name: 'As delivered' }).click()
    await expect.poll(() => hexBytes(hex)).toContain('hello world')
    const toRedis = await hexBytes(hex)
    expect(toRedis).not.toContain('feature-flag')
    expect(toRedis).toContain('*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$11\r\nhello world\r\n')
    expect(await hex.getByTitle(/^Rule "louder" \(rewrite\): what the receiver got instead of the \d+ bytes sent$/).count()).toBeGreaterThan(0)
    await expect.poll(() => flat(status)).toMatch(/^As delivered .* in all$/)
    // The caret on a rewritten byte (gone to by its delivered offset): the status line names the rule.
    await detail.getByRole('textbox', { name: 'Go to offset' }).fill(String(toRedis.indexOf('hello world')))
    await page.keyboard.press('Enter')
    await expect.poll(() => flat(status)).toContain('Rule "louder" (rewrite)')
    await saveScreenshot(page, 'rules-bytes-hex-light-en')
    expectNone(await violations(page, 'light Hex view as delivered'))

    // The other way: the client got the rule's answer first, where redis's answers were.
    await detail.getByRole('radiogroup', { name: 'Direction' }).getByRole('radio', { name: /^server → client/ }).click()
    // (redis-cli asks COMMAND DOCS first: the stream is long, so its end is gone to.)
    await hex.focus()
    await page.keyboard.press('Control+End')
    await expect.poll(() => hexBytes(hex)).toMatch(/\$2\r\non\r\n\+OK\r\n\$11\r\nhello world\r\n$/)
    expect(await hex.getByTitle(/^Rule "flag on" \(respond\): its answer to the other side, put in here$/).count()).toBeGreaterThan(0)

    // Text, as delivered too.
    await detail.getByRole('tab', { name: 'Text' }).click()
    await detail.getByRole('radiogroup', { name: 'Direction' }).getByRole('radio', { name: /^client → server/ }).click()
    const text = detail.getByRole('textbox', { name: 'Stream text' })
    await expect.poll(() => flat(text)).toContain('hello world')
    expect(await flat(text)).not.toContain('feature-flag')
    expect(await text.getByTitle(/^Rule "louder" \(rewrite\)/).count()).toBeGreaterThan(0)
    await saveScreenshot(page, 'rules-bytes-text-light-en')
    expectNone(await violations(page, 'light Text view as delivered'))

    // As sent: the capture, as before.
    await shownAs.getByRole('radio', { name: 'As sent' }).click()
    await expect.poll(() => flat(text)).toContain('feature-flag')
    expect(await flat(text)).not.toContain('hello world')
    await expect.poll(() => flat(status)).not.toContain('As delivered')
    await detail.getByRole('tab', { name: 'Hex' }).click()
    await expect.poll(() => hexBytes(hex)).toBe(sentClient)

    // In Chinese and dark.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /^Language/ }).click()
    const theme = page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^主题/ })
    await theme.click()
    await theme.click()
    await page.waitForFunction(() => document.documentElement.classList.contains('dark'))
    const zhDetail = page.getByRole('region', { name: '所选连接' })
    await zhDetail.getByRole('radiogroup', { name: '显示字节' }).getByRole('radio', { name: '按送达' }).click()
    const zhHex = zhDetail.getByRole('grid', { name: '十六进制字节' })
    await expect.poll(() => hexBytes(zhHex)).toContain('hello world')
    expect(await zhHex.getByTitle(/^规则“louder”（rewrite）/).count()).toBeGreaterThan(0)
    await expect.poll(() => flat(zhDetail.getByRole('status').filter({ hasText: '共' }))).toMatch(/^按送达 /)
    await saveScreenshot(page, 'rules-bytes-hex-dark-zh')
    expectNone(await violations(page, 'dark Hex view as delivered in Chinese'))
  })

  it('offers no switch for a connection no rule acted on', async () => {
    const tmp = tempDir()
    cleanups.push(tmp.cleanup)
    const redis = await startRedis(tmp.dir)
    cleanups.push(redis.stop)
    const { web, page } = shared
    await showAs(page, { width: 1280, height: 800 })
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
    await run('sh', ['-c', `printf 'SET a b\\nGET a\\n' | redis-cli -p ${portOf(proxy.listen)}`])
    const row = page.getByRole('grid', { name: 'Connections', exact: true }).getByRole('row').filter({ has: page.getByRole('gridcell', { name: `127.0.0.1:${redis.port}`, exact: true }) })
    await row.getByText('RESP').waitFor()
    await selectRow(page.getByRole('grid', { name: 'Connections', exact: true }), `127.0.0.1:${redis.port}`)
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'Hex' }).click()
    await expect.poll(() => hexBytes(detail.getByRole('grid', { name: 'Hex bytes' }))).toContain('GET')
    expect(await detail.getByRole('radiogroup', { name: 'Show the bytes' }).count()).toBe(0)
  })
})
