// Saving the live capture as a new user meets it, in real Chromium against `tcpscope web`:
// the save dialog shows the folder a relative name lands in (and the folder follows the last
// save), a download hands the capture to the browser as a file that opens as the same
// capture, a connection open when the capture was saved reads "open when saved" in the copy,
// and closing the tab with unsaved connections asks first. Selects by role and name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import type { Page } from 'playwright-core'
import { collect, connectTo, startServer, tempDir, portOf } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot, type Browser } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function browser(opts: Parameters<typeof openBrowser>[0] = {}): Promise<Browser> {
  const b = await openBrowser(opts)
  cleanups.push(() => b.close())
  return b
}

async function web(): Promise<WebMode> {
  const w = await startWeb()
  cleanups.push(() => w.stop('SIGINT'))
  return w
}

function folder(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

const tabs = (page: Page) => page.getByRole('navigation', { name: /^(Open captures|已打开的抓包)$/ })
const grid = (page: Page) => page.getByRole('grid', { name: /^(Connections|连接)$/ })

/** Web mode with one connection closed and one kept open through a proxy. */
async function webWithTraffic(): Promise<{ w: WebMode; connectAgain: () => Promise<void> }> {
  const w = await web()
  const server = await startServer((s) => s.pipe(s))
  cleanups.push(server.close)
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const closed = await connectTo(portOf(proxy.listen))
  const echoed = collect(closed)
  closed.end('closed one')
  await echoed
  const open: Socket = await connectTo(portOf(proxy.listen))
  cleanups.push(() => open.destroy())
  open.write('kept open')
  await new Promise((r) => open.once('data', r))
  const connectAgain = async (): Promise<void> => {
    const c = await connectTo(portOf(proxy.listen))
    const got = collect(c)
    c.end('one more')
    await got
  }
  return { w, connectAgain }
}

describe('saving the live capture, in Chromium', () => {
  it('shows the save folder, lands a relative name there, downloads the capture, reads "open when saved", and asks before the tab closes', async () => {
    const dir = folder()
    const { w, connectAgain } = await webWithTraffic()
    const { page } = await browser()
    await page.goto(w.url)
    await tabs(page).getByRole('button', { name: /^live 2$/ }).waitFor()
    const status = page.getByRole('status', { name: 'Status' })
    await expect.poll(() => status.textContent()).toContain('not saved')

    // The folder a bare name would go to is on screen before anything is typed: the user's home.
    await page.keyboard.press('Control+s')
    const save = page.getByRole('dialog', { name: 'Save the live capture as' })
    await save.getByText(homedir(), { exact: true }).waitFor()

    // A save by full path; the folder follows it, and a bare name lands beside it.
    const first = join(dir, 'first.tcap')
    await save.getByLabel('Path on the engine host').fill(first)
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`Saved 2 connections to ${first}`)
    await save.getByText(dir, { exact: true }).waitFor()
    await expect.poll(() => status.textContent()).toContain(`saved to ${first}`)
    await save.getByLabel('Path on the engine host').fill('second.tcap')
    await save.getByText(`Saves as ${join(dir, 'second.tcap')}`).waitFor()
    await saveScreenshot(page, 'saving-folder-en-light')
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    const second = join(dir, 'second.tcap')
    await expect.poll(() => save.getByRole('status').textContent()).toBe(`Saved 2 connections to ${second}`)
    expect(statSync(second).size).toBeGreaterThan(0)
    expect(existsSync(join(process.cwd(), 'second.tcap'))).toBe(false)

    // The download: a file in the browser's downloads, the same size as the copy saved by path.
    const downloading = page.waitForEvent('download')
    await save.getByRole('button', { name: 'Download', exact: true }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toMatch(/^capture-[\dT-]+Z\.tcap$/)
    const downloaded = join(dir, download.suggestedFilename())
    await download.saveAs(downloaded)
    await save.waitFor({ state: 'detached' })
    expect(readFileSync(downloaded).length).toBe(statSync(second).size)
    expect(readFileSync(downloaded).subarray(0, 8).toString('latin1')).toBe(readFileSync(second).subarray(0, 8).toString('latin1'))
    await expect.poll(() => page.getByRole('status').filter({ hasText: /^Downloaded 2 connections as capture-/ }).count()).toBe(1)

    // The downloaded file opens as a capture, by a bare name in the same folder; the connection
    // the copy caught open says so, the closed one is closed.
    await page.getByRole('button', { name: 'Open capture…' }).click()
    const open = page.getByRole('dialog', { name: 'Open a capture file' })
    await open.getByLabel('Path on the engine host').fill(download.suggestedFilename())
    await open.getByRole('button', { name: 'Open', exact: true }).click()
    await open.waitFor({ state: 'detached' })
    await expect.poll(() => tabs(page).getByRole('button', { name: new RegExp(`^${download.suggestedFilename().replace(/\./g, '\\.')} 2$`) }).getAttribute('aria-pressed')).toBe('true')
    await grid(page).getByRole('gridcell', { name: 'open when saved', exact: true }).waitFor()
    await grid(page).getByRole('gridcell', { name: 'closed', exact: true }).waitFor()
    expect(await grid(page).getByRole('gridcell', { name: 'cut', exact: true }).count()).toBe(0)
    await saveScreenshot(page, 'saving-open-when-saved-en-light')

    // Downloaded and nothing since: saved. A new connection makes it unsaved, and closing the tab asks first.
    await tabs(page).getByRole('button', { name: /^live 2$/ }).click()
    await expect.poll(() => status.textContent()).toMatch(/2 connections$/)
    await connectAgain()
    await tabs(page).getByRole('button', { name: /^live 3$/ }).waitFor()
    await expect.poll(() => status.textContent()).toContain('not saved')
    const asked = page.waitForEvent('dialog')
    await page.close({ runBeforeUnload: true })
    const question = await asked
    expect(question.type()).toBe('beforeunload')
    await question.dismiss()
    expect(page.isClosed()).toBe(false)
  })

  for (const [locale, colorScheme] of [
    ['zh-CN', 'dark'],
    ['en-US', 'dark'],
    ['zh-CN', 'light']
  ] as const) {
    it(`the save dialog and "open when saved" read right in ${locale}, ${colorScheme}`, async () => {
      const dir = folder()
      const { w } = await webWithTraffic()
      const { page } = await browser({ locale, colorScheme })
      const zh = locale === 'zh-CN'
      await page.goto(w.url)
      await tabs(page).getByRole('button', { name: zh ? /^实时 2$/ : /^live 2$/ }).waitFor()
      await page.keyboard.press('Control+s')
      const save = page.getByRole('dialog', { name: zh ? '将实时抓包另存为' : 'Save the live capture as' })
      const copy = join(dir, 'copy.tcap')
      await save.getByLabel(zh ? '引擎主机上的路径' : 'Path on the engine host').fill(copy)
      await save.getByRole('button', { name: zh ? '保存' : 'Save', exact: true }).click()
      await save.getByText(dir, { exact: true }).waitFor()
      await save.getByLabel(zh ? '引擎主机上的路径' : 'Path on the engine host').fill('again.tcap')
      await save.getByRole('button', { name: zh ? '下载' : 'Download', exact: true }).waitFor()
      await saveScreenshot(page, `saving-folder-${zh ? 'zh' : 'en'}-${colorScheme}`)
      await save.getByRole('button', { name: zh ? '关闭' : 'Close', exact: true }).click()

      const driver = await w.client()
      const opened = await driver.call('capture.open', { path: copy })
      await tabs(page).getByRole('button', { name: /^copy\.tcap 2$/ }).click()
      expect(opened.connections).toBe(2)
      await grid(page).getByRole('gridcell', { name: zh ? '保存时仍打开' : 'open when saved', exact: true }).waitFor()
      await saveScreenshot(page, `saving-open-when-saved-${zh ? 'zh' : 'en'}-${colorScheme}`)
    })
  }
})
