// Setups from the page served by `tcpscope web`, in real Chromium: a proxy started from the
// UI is saved under a name, exported as JSON (the download holds it), removed, imported
// back under a new name and opened, and it runs again on its port; a web mode started again
// on the same data folder offers what ran last time and starts it; a bad file's import
// names each wrong field; the menu and the offer speak Chinese; a splitter moved stays
// where it was in a new run with an empty localStorage. Selects by role and name only.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { connectTo, freePort, startServer } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const dataDir = (): string => mkdtempSync(join(tmpdir(), 'tcpscope-setups-e2e-'))

/** Web mode on `dir`, stopped (SIGINT) at the end of the test unless the test stops it first. */
async function web(dir: string): Promise<WebMode> {
  const w = await startWeb([], { dataDir: dir })
  let stopped = false
  const stop = w.stop
  w.stop = async (signal) => {
    stopped = true
    return stop(signal)
  }
  cleanups.push(() => !stopped && stop('SIGINT'))
  return w
}

async function browse(w: WebMode, opts: Parameters<typeof openBrowser>[0] = {}): Promise<Page> {
  const b = await openBrowser({ width: 1280, height: 800, ...opts })
  cleanups.push(() => b.close())
  await b.page.goto(w.url)
  await b.page.getByRole('navigation', { name: /Open captures|打开的抓包/ }).waitFor()
  return b.page
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

async function chooseSetups(page: Page, item: string | RegExp): Promise<void> {
  await page.getByRole('complementary', { name: /^(Proxies and sessions|代理与会话)$/ }).getByRole('button', { name: /^(Setups|配置)/ }).click()
  await page.getByRole('menu').getByRole('menuitem', { name: item }).click()
}

describe('setups in the page, in Chromium', () => {
  it('saves a proxy as a named setup, exports it, and after an import under a new name opens it on its port again', async () => {
    const target = await startServer((s) => s.pipe(s))
    cleanups.push(target.close)
    const w = await web(dataDir())
    const page = await browse(w)

    await page.getByRole('toolbar').first().getByRole('button', { name: /New proxy/ }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    // A port the setup opens again later, which no test beside this one can take meanwhile (freePort).
    await form.getByLabel('Listen', { exact: true }).fill(`127.0.0.1:${await freePort()}`)
    await form.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${target.port}`)
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'detached' })
    const proxies = page.getByRole('region', { name: 'Proxies' })
    const item = proxies.getByRole('button', { name: /^p1 127\.0\.0\.1:\d+/ })
    await item.waitFor()
    const listen = /127\.0\.0\.1:\d+/.exec((await item.textContent()) ?? '')![0]

    await chooseSetups(page, 'Save setup as…')
    const save = page.getByRole('dialog', { name: 'Save setup as' })
    await save.getByText('Saves 1 proxy, with every option, breakpoint and toxic.').waitFor()
    await save.getByLabel('Name', { exact: true }).fill('redis pair')
    await saveScreenshot(page, 'setups-save-as')
    await save.getByLabel('Name', { exact: true }).press('Enter')
    await save.waitFor({ state: 'detached' })
    await page.getByRole('status').filter({ hasText: 'Saved as “redis pair” (1 proxy).' }).waitFor()
    // Focus came back to the menu's button.
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toMatch(/^Setups/)

    await chooseSetups(page, 'Setups…')
    const list = page.getByRole('dialog', { name: 'Setups' })
    const row = list.getByRole('row', { name: /redis pair/ })
    await row.getByRole('cell', { name: '1 proxy' }).waitFor()
    await saveScreenshot(page, 'setups-list')
    const downloaded = page.waitForEvent('download')
    await list.getByRole('button', { name: 'Export JSON of redis pair' }).click()
    const download = await downloaded
    expect(download.suggestedFilename()).toBe('redis pair.tcpscope-setup.json')
    const exported = join(dataDir(), download.suggestedFilename())
    await download.saveAs(exported)
    const doc = JSON.parse(readFileSync(exported, 'utf8')) as { kind: string; proxies: Array<{ start: { listen: string; target: string } }> }
    expect(doc.kind).toBe('tcpscope-setup')
    expect(doc.proxies.map((p) => p.start)).toMatchObject([{ listen, target: `127.0.0.1:${target.port}` }])

    // Delete asks first; Cancel keeps it, Delete removes it.
    await list.getByRole('button', { name: 'Delete redis pair' }).click()
    const ask = page.getByRole('dialog', { name: 'Delete setup “redis pair”?' })
    await ask.getByRole('button', { name: 'Cancel' }).click()
    await ask.waitFor({ state: 'detached' })
    await list.getByRole('button', { name: 'Delete redis pair' }).click()
    await ask.getByRole('button', { name: 'Delete' }).click()
    await list.getByText(/No saved setup yet/).waitFor()
    await page.keyboard.press('Escape')
    await list.waitFor({ state: 'detached' })

    // The proxy goes: stopped, then removed from the sidebar.
    await proxies.getByRole('button', { name: `Stop proxy ${listen}` }).click()
    await proxies.getByRole('button', { name: `Remove proxy ${listen}` }).waitFor()
    await saveScreenshot(page, 'setups-proxy-stopped')
    await proxies.getByRole('button', { name: `Remove proxy ${listen}` }).click()
    await item.waitFor({ state: 'detached' })

    await chooseSetups(page, 'Import setup…')
    const imp = page.getByRole('dialog', { name: 'Import setup' })
    await imp.getByLabel('Setup file (.json)').setInputFiles(exported)
    await expect.poll(() => imp.getByLabel('Name', { exact: true }).inputValue()).toBe('redis pair')
    await imp.getByLabel('Name', { exact: true }).fill('redis again')
    await imp.getByRole('button', { name: 'Import' }).click()
    await imp.waitFor({ state: 'detached' })

    await chooseSetups(page, 'Setups…')
    await list.getByRole('button', { name: 'Open redis again' }).click()
    await list.waitFor({ state: 'detached' })
    await page.getByRole('status').filter({ hasText: '“redis again”: started 1 proxy.' }).waitFor()
    await proxies.getByRole('button', { name: `Stop proxy ${listen}` }).waitFor()
    const c = await connectTo(Number(listen.split(':')[1]))
    c.destroy()
    await saveScreenshot(page, 'setups-opened')
  })

  it('offers what ran last time when web mode starts again on the same data folder, and starts it', async () => {
    const dir = dataDir()
    const first = await web(dir)
    const page = await browse(first)
    const toolbar = page.getByRole('toolbar').first()
    await toolbar.getByRole('button', { name: /New proxy/ }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    // Ports the setup starts on again, which no test beside this one can take meanwhile (freePort).
    const [proxyPort, serverPort] = [await freePort(), await freePort()]
    await form.getByLabel('Listen', { exact: true }).fill(`127.0.0.1:${proxyPort}`)
    await form.getByLabel('Target', { exact: true }).fill('127.0.0.1:9')
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'detached' })
    await toolbar.getByRole('button', { name: 'Server', exact: true }).click()
    const serverForm = page.getByRole('dialog', { name: 'New server' })
    await serverForm.getByLabel('Listen', { exact: true }).fill(`127.0.0.1:${serverPort}`)
    await serverForm.getByRole('button', { name: 'Start' }).click()
    await serverForm.waitFor({ state: 'detached' })
    await page.getByRole('region', { name: 'Servers' }).getByRole('button', { name: `s1 127.0.0.1:${serverPort}` }).waitFor()
    expect(await first.stop('SIGINT')).toBe(0)

    const again = await web(dir)
    const page2 = await browse(again)
    const offer = page2.getByRole('region', { name: 'Last time' })
    await offer.getByText('Start the 1 proxy and 1 server from last time?').waitFor()
    await page2.getByRole('region', { name: 'Start' }).waitFor()
    await saveScreenshot(page2, 'setups-offer')
    await offer.getByRole('button', { name: 'Start' }).click()
    await page2.getByRole('status').filter({ hasText: 'From last time: started 1 proxy and 1 server.' }).waitFor()
    await page2.getByRole('region', { name: 'Proxies' }).getByRole('button', { name: new RegExp(`^Stop proxy 127\\.0\\.0\\.1:${proxyPort}\\b`) }).waitFor()
    await page2.getByRole('region', { name: 'Servers' }).getByRole('button', { name: new RegExp(`^Stop server 127\\.0\\.0\\.1:${serverPort}\\b`) }).waitFor()
    expect(await offer.count()).toBe(0)
  })

  it('names each wrong field of a bad file, and says a file that is not JSON is not', async () => {
    const dir = dataDir()
    const w = await web(dir)
    const page = await browse(w)
    const bad = join(dir, 'broken.json')
    writeFileSync(bad, JSON.stringify({ kind: 'tcpscope-setup', version: 1, proxies: [{ start: { listen: 'nowhere', target: 5 } }], servers: [{ listen: '127.0.0.1:0', echo: 'yes' }], colour: 'red' }))
    const notJson = join(dir, 'notes.json')
    writeFileSync(notJson, '{ proxies: oops')

    await chooseSetups(page, 'Import setup…')
    const imp = page.getByRole('dialog', { name: 'Import setup' })
    const file = imp.getByLabel('Setup file (.json)')
    await file.setInputFiles(notJson)
    await imp.getByRole('alert').filter({ hasText: /^This file is not JSON: / }).waitFor()

    await file.setInputFiles(bad)
    await expect.poll(() => imp.getByLabel('Name', { exact: true }).inputValue()).toBe('broken')
    await imp.getByRole('button', { name: 'Import' }).click()
    const problems = imp.getByRole('alert').filter({ hasText: 'What is wrong in the file:' }).getByRole('listitem')
    await problems.first().waitFor()
    const lines = await problems.allTextContents()
    expect(lines.length).toBeGreaterThanOrEqual(3)
    expect(lines.some((l) => l.trim().startsWith('colour:'))).toBe(true)
    expect(lines.some((l) => l.trim().startsWith('proxies[0].start.'))).toBe(true)
    expect(lines.some((l) => l.trim().startsWith('servers[0].echo'))).toBe(true)
    await saveScreenshot(page, 'setups-import-problems')
    await page.keyboard.press('Escape')
    await imp.waitFor({ state: 'detached' })
  })

  it('speaks Chinese: the menu, the offer, a part that did not start and the dialogs (dark)', async () => {
    const dir = dataDir()
    const first = await web(dir)
    const driver = await first.client()
    // Ports the setup starts on again, which no test beside this one can take meanwhile (freePort):
    // only the port this test blocks may fail.
    const taken = await driver.call('proxy.start', { listen: `127.0.0.1:${await freePort()}`, target: '127.0.0.1:9' })
    await driver.call('proxy.start', { listen: `127.0.0.1:${await freePort()}`, target: '127.0.0.1:9' })
    await driver.call('server.start', { listen: `127.0.0.1:${await freePort()}` })
    // SIGINT writes the last setup before it stops what runs.
    expect(await first.stop('SIGINT')).toBe(0)
    // Someone else listens on the first proxy's port now.
    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(Number(taken.listen.split(':')[1]), '127.0.0.1', done))
    cleanups.push(() => new Promise((done) => blocker.close(done)))

    const again = await web(dir)
    const page = await browse(again, { locale: 'zh-CN', colorScheme: 'dark' })
    const offer = page.getByRole('region', { name: '上次' })
    await offer.getByText('启动上次的 2 个代理和 1 个服务器？').waitFor()
    await offer.getByRole('button', { name: '暂不' }).waitFor()
    await saveScreenshot(page, 'setups-offer-zh-dark')

    await page.getByRole('complementary', { name: '代理与会话' }).getByRole('button', { name: /^配置/ }).click()
    const menu = page.getByRole('menu')
    for (const name of ['配置另存为…', '配置列表…', '导入配置…', '导出当前配置…']) await menu.getByRole('menuitem', { name: new RegExp(`^${escape(name)}`) }).waitFor()
    await saveScreenshot(page, 'setups-menu-zh-dark')
    await page.keyboard.press('Escape')

    await offer.getByRole('button', { name: '启动' }).click()
    // Waits for the note, then reads it, so that a different outcome fails with what it said.
    const outcome = page.getByRole('alert').filter({ hasText: '上次的配置：' })
    await outcome.waitFor()
    await expect.poll(() => outcome.textContent()).toMatch(new RegExp(`^\\s*上次的配置：已启动 1 个代理和 1 个服务器。\\s*1 项未能启动：\\s*代理 ${escape(taken.listen)} → 127\\.0\\.0\\.1:9 未能启动：`))
    await outcome.getByRole('listitem').filter({ hasText: `代理 ${taken.listen} → 127.0.0.1:9 未能启动：` }).waitFor()
    await saveScreenshot(page, 'setups-failure-zh-dark')

    await chooseSetups(page, /^配置另存为…/)
    const save = page.getByRole('dialog', { name: '配置另存为' })
    await save.getByText('保存 1 个代理和 1 个服务器，包括所有选项、断点和故障。').waitFor()
    await save.getByLabel('名称', { exact: true }).fill('本地 测试')
    await save.getByRole('button', { name: '保存' }).click()
    await save.waitFor({ state: 'detached' })
    await chooseSetups(page, '配置列表…')
    const list = page.getByRole('dialog', { name: '配置' })
    await list.getByRole('cell', { name: '1 个代理和 1 个服务器' }).waitFor()
    await saveScreenshot(page, 'setups-list-zh-dark')
  })

  it('keeps a splitter where it was moved and the list\'s sort column, in a new run with an empty localStorage', async () => {
    const dir = dataDir()
    const first = await web(dir)
    const page = await browse(first)
    const sidebar = page.getByRole('complementary', { name: 'Proxies and sessions' })
    const splitter = page.getByRole('separator', { name: 'Sidebar width' })
    const before = Number(await splitter.getAttribute('aria-valuenow'))
    await splitter.focus()
    for (let i = 0; i < 3; i++) await splitter.press('ArrowRight')
    await expect.poll(async () => Number(await splitter.getAttribute('aria-valuenow'))).toBe(before + 15)
    const width = (await sidebar.boundingBox())!.width
    // The list's sort column: by bytes sent, largest first.
    const sent = page.getByRole('grid', { name: 'Connections', exact: true }).getByRole('columnheader', { name: /sent/ })
    for (let i = 0; i < 2 && (await sent.getAttribute('aria-sort')) !== 'descending'; i++) {
      const was = await sent.getAttribute('aria-sort')
      await sent.getByRole('button', { name: 'Sort by ↑ sent' }).click()
      await expect.poll(() => sent.getAttribute('aria-sort')).not.toBe(was)
    }
    expect(await sent.getAttribute('aria-sort')).toBe('descending')
    // Written to the engine once the keys stop (half a second later).
    const driver = await first.client()
    await expect.poll(async () => (await driver.call('ui.state.get')) ?? '').toContain(`"main":[${before + 15},`)
    await expect.poll(async () => (await driver.call('ui.state.get')) ?? '').toContain('"connections":{"key":"sent","descending":true}')
    expect(await first.stop('SIGINT')).toBe(0)

    const again = await web(dir)
    const page2 = await browse(again)
    await expect.poll(() => page2.getByRole('separator', { name: 'Sidebar width' }).getAttribute('aria-valuenow')).toBe(String(before + 15))
    expect(Math.round((await page2.getByRole('complementary', { name: 'Proxies and sessions' }).boundingBox())!.width)).toBe(Math.round(width))
    await expect.poll(() => page2.getByRole('grid', { name: 'Connections', exact: true }).getByRole('columnheader', { name: /sent/ }).getAttribute('aria-sort')).toBe('descending')
  })
})
