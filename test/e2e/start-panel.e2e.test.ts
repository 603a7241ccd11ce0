// The start panel of an empty window, in real Chromium through web mode: its five choices
// in English and Chinese, each a click from its form; it goes away once a proxy runs and
// comes back from the shortcuts dialog. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function open(opts: Parameters<typeof openBrowser>[0] = {}): Promise<Page> {
  const web = await startWeb()
  cleanups.push(() => web.stop('SIGINT'))
  const b = await openBrowser({ height: 800, width: 1280, ...opts })
  cleanups.push(() => b.close())
  await b.page.goto(web.url)
  return b.page
}

describe('the start panel', () => {
  it('offers the five things to do, opens their forms, leaves once a proxy runs and comes back from Help', async () => {
    const page = await open()
    const panel = page.getByRole('region', { name: 'Start' })
    for (const name of ['Record a TCP service', 'See a browser’s traffic', 'Test a server by hand', 'Be a server', 'Open a capture']) {
      await panel.getByRole('button', { name }).waitFor()
    }
    expect(await panel.getByRole('button', { name: 'Record a TCP service' }).getAttribute('aria-describedby')).toBeTruthy()
    await saveScreenshot(page, 'start-panel')

    await panel.getByRole('button', { name: 'Test a server by hand' }).click()
    const client = page.getByRole('dialog', { name: 'New client' })
    await client.waitFor()
    await page.keyboard.press('Escape')
    await client.waitFor({ state: 'detached' })

    await panel.getByRole('button', { name: 'Record a TCP service' }).click()
    const form = page.getByRole('dialog', { name: 'New proxy' })
    await form.getByLabel('Target', { exact: true }).fill('127.0.0.1:9')
    await form.getByRole('button', { name: 'Start' }).click()
    await form.waitFor({ state: 'detached' })
    await panel.waitFor({ state: 'detached' })

    await page.keyboard.press('?')
    await page.getByRole('button', { name: 'Show the start panel' }).click()
    await page.getByRole('region', { name: 'Start' }).waitFor()
    await page.getByRole('button', { name: 'Close the start panel' }).click()
    await page.getByRole('region', { name: 'Start' }).waitFor({ state: 'detached' })
  })

  it('speaks Chinese', async () => {
    const page = await open({ locale: 'zh-CN', colorScheme: 'dark' })
    const panel = page.getByRole('region', { name: '开始' })
    await panel.getByRole('button', { name: '录制一个 TCP 服务' }).waitFor()
    await panel.getByRole('button', { name: '充当服务器' }).waitFor()
    await saveScreenshot(page, 'start-panel-zh-dark')
  })
})
