// The page served by `tcpscope web`, in real Chromium: opened with its token, it follows a
// live proxy (a connection made through it appears) and an opened capture file, through
// the paged and batched contract. Selects by role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { collect, connectTo, startServer, tempDir } from '../helpers/net'
import { portOf } from '../helpers/engine'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, screenshotPath, type Browser } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { LiveCapture } from '../../src/core/capture/live-capture'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function browser(): Promise<Browser> {
  const b = await openBrowser()
  cleanups.push(() => b.close())
  return b
}

describe('web mode in Chromium', () => {
  it('lists a connection made through a proxy, live, and an opened capture file', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    // A capture file to open beside the live one: two connections.
    const file = join(dir, 'earlier.tcap')
    const earlier = await LiveCapture.create(file)
    for (const port of [41001, 41002]) {
      const c = earlier.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '10.0.0.7', port, family: 'IPv4' }, target: '10.0.0.1:6379' })
      c.data('client', Buffer.from('PING\r\n'))
      c.close('closed')
    }
    await earlier.close()

    const w = await startWeb(['--open', file])
    cleanups.push(() => w.stop('SIGINT'))
    const { page } = await browser()
    await page.goto(w.url)
    const grid = page.getByRole('grid', { name: 'Connections' })
    const captures = page.getByRole('navigation', { name: 'Open captures' })
    await captures.getByRole('button', { name: /live 0/ }).waitFor()

    const server = await startServer((s) => s.pipe(s))
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    const echoed = collect(c)
    c.end('hello through the proxy')
    await echoed

    await captures.getByRole('button', { name: /live 1/ }).waitFor()
    await grid.getByRole('gridcell', { name: `127.0.0.1:${server.port}` }).waitFor()
    await grid.getByRole('gridcell', { name: 'closed' }).waitFor()
    await page.getByRole('region', { name: 'Proxies' }).getByText(proxy.listen).waitFor()
    await page.screenshot({ path: screenshotPath('web-mode-live') })

    await captures.getByRole('button', { name: /^earlier\.tcap \d+$/ }).click()
    await grid.getByRole('gridcell', { name: '10.0.0.7:41002' }).waitFor()
    expect(await grid.getAttribute('aria-rowcount')).toBe('3')
    await page.screenshot({ path: screenshotPath('web-mode-file') })
  })
})
