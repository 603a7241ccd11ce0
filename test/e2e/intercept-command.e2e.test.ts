// Intercept ▸ "A command…" in real Chromium against `tcpscope web --allow-commands`, by role
// and name only: curl run from the dialog (under the real proxychains4) reaches a local HTTP
// server, its connection appears in the list at its real destination, its output and exit in
// its panel; a line that needs a shell and a program that is not there are one line each; a
// running program is stopped from its panel. Without --allow-commands the page is refused,
// saying which switch allows it. Screenshots of the dialog and the panel, English and Chinese.
import { createServer } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { listen, tempDir } from '../helpers/net'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { openWebPage, runCleanups } from '../helpers/web-page'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => {
  needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable())
  needProgram(ctx, 'proxychains4 and curl', hasProgram('proxychains4') && hasProgram('curl'))
  const data = tempDir('tcpscope-ui-cmd-')
  process.env.TCPSCOPE_DATA_DIR = data.dir
  cleanups.push(() => data.cleanup())
})
afterEach(async () => {
  await runCleanups(cleanups)
  delete process.env.TCPSCOPE_DATA_DIR
})

async function open(args: string[]): Promise<Page> {
  const { page } = await openWebPage(cleanups, { args, browser: { width: 1280, height: 820 } })
  await page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: /live/ }).waitFor()
  return page
}

async function openForm(page: Page, menu = 'Intercept', item = 'A command…'): Promise<ReturnType<Page['getByRole']>> {
  await page.getByRole('button', { name: menu, exact: true }).click()
  await page.getByRole('menu', { name: menu }).getByRole('menuitem', { name: item }).click()
  return page.getByRole('dialog', { name: menu === 'Intercept' ? 'Intercept a command' : '拦截命令' })
}

describe('Intercept ▸ A command…, in Chromium', () => {
  it('runs curl through tcpscope: its connection in the list, its output and exit in its panel; refuses bad lines; stops a running program', async () => {
    const http = createServer((req, res) => res.end(`hello from the server ${req.url}\n`))
    const port = await listen(http)
    cleanups.push(() => new Promise((r) => http.close(r)))
    const page = await open(['--allow-commands'])

    let form = await openForm(page)
    await form.getByRole('textbox', { name: 'Command line' }).fill(`curl -sS http://127.0.0.1:${port}/hello`)
    await form.getByRole('checkbox', { name: /Intercept TLS/ }).waitFor()
    await saveScreenshot(page, 'intercept-command-form-en')
    await form.getByRole('button', { name: 'Start' }).click()

    const panel = page.getByRole('dialog', { name: 'Command c1' })
    await panel.getByRole('status').filter({ hasText: 'exited with code 0 · 1 connection' }).waitFor()
    expect(await panel.getByRole('log', { name: 'Standard output' }).textContent()).toBe('hello from the server /hello\n')
    expect(await panel.getByRole('definition').first().textContent()).toContain(`curl -sS http://127.0.0.1:${port}/hello`)
    await saveScreenshot(page, 'intercept-command-done-en')
    await panel.getByRole('button', { name: 'Close' }).click()

    // Its connection, at its real destination, in the list; the sidebar lists the command.
    const row = page.getByRole('grid', { name: 'Connections' }).getByRole('row').filter({ hasText: `127.0.0.1:${port}` })
    await row.filter({ hasText: 'GET /hello' }).waitFor()
    const section = page.getByRole('region', { name: 'Commands' })
    await section.getByRole('button', { name: /exited with code 0/ }).waitFor()

    // What needs a shell is refused under the field; a program that is not there is one line.
    form = await openForm(page)
    await form.getByRole('textbox', { name: 'Command line' }).fill(`curl http://127.0.0.1:${port}/ | wc -c`)
    await form.getByRole('button', { name: 'Start' }).click()
    await form.getByRole('alert').filter({ hasText: '“|” acts only in a shell' }).waitFor()
    await form.getByRole('textbox', { name: 'Command line' }).fill('no-such-program-here --help')
    await form.getByRole('button', { name: 'Start' }).click()
    await form.getByRole('alert').filter({ hasText: /^\s*no-such-program-here: command not found\s*$/ }).waitFor()
    await form.getByRole('button', { name: 'Cancel' }).click()

    // A program that runs until stopped: its panel says so, and Stop ends it.
    form = await openForm(page)
    await form.getByRole('textbox', { name: 'Command line' }).fill(`sh -c 'echo waiting; exec sleep 60'`)
    await form.getByRole('button', { name: 'Start' }).click()
    const running = page.getByRole('dialog', { name: 'Command c2' })
    await running.getByRole('status').filter({ hasText: /running · pid \d+/ }).waitFor()
    await running.getByRole('log', { name: 'Standard output' }).filter({ hasText: 'waiting' }).waitFor()
    await saveScreenshot(page, 'intercept-command-running-en')
    await running.getByRole('button', { name: 'Stop' }).click()
    await running.getByRole('status').filter({ hasText: 'ended by SIGTERM · no connection' }).waitFor()
    await running.getByText(/opened no TCP connection that tcpscope saw/).waitFor()
    await running.getByRole('button', { name: 'Remove' }).click()
    await section.getByRole('button', { name: /sleep|sh -c/ }).waitFor({ state: 'detached' })

    // In Chinese: the menu, the form and a command's panel.
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: 'Language' }).click()
    form = await openForm(page, '拦截', '命令…')
    await form.getByRole('textbox', { name: '命令行' }).fill(`curl -sS http://127.0.0.1:${port}/zh`)
    await form.getByRole('checkbox', { name: /拦截 TLS/ }).check()
    await saveScreenshot(page, 'intercept-command-form-zh')
    await form.getByRole('button', { name: '启动' }).click()
    const zh = page.getByRole('dialog', { name: '命令 c3' })
    await zh.getByRole('status').filter({ hasText: '已退出，退出码 0 · 1 个连接' }).waitFor()
    await zh.getByRole('log', { name: '标准输出' }).filter({ hasText: 'hello from the server' }).waitFor()
    await saveScreenshot(page, 'intercept-command-done-zh')
  })

  it('is refused in web mode without --allow-commands, naming the switch', async () => {
    const page = await open([])
    const form = await openForm(page)
    await form.getByRole('textbox', { name: 'Command line' }).fill('curl -s http://127.0.0.1:9/')
    await form.getByRole('button', { name: 'Start' }).click()
    await form.getByRole('alert').filter({ hasText: 'start tcpscope web with --allow-commands to allow it' }).waitFor()
    expect(await page.getByRole('region', { name: 'Commands' }).count()).toBe(0)
  })
})
