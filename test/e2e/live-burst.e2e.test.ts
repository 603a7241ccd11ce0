// A burst of connections through a live proxy with the page attached, in real Chromium: a
// busy engine sends the page fewer, coarser batches (event-batcher.ts), and the list still
// counts and lists every connection once the burst is over, down to the last one, closed,
// and the proxy's counts catch up.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { burst, startServer, portOf } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a live list under a burst of connections', () => {
  it('counts and lists all 3,000 connections of a burst, the last one closed', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    const b = await openBrowser()
    cleanups.push(() => b.close())
    const { page } = b
    let frames = 0
    page.on('websocket', (ws) => ws.on('framereceived', () => frames++))
    await page.goto(w.url)
    const grid = page.getByRole('grid', { name: 'Connections' })
    await grid.waitFor()

    const server = await startServer((s) => s.resume().on('end', () => s.end()))
    cleanups.push(server.close)
    const driver = await w.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    await burst(portOf(proxy.listen), 3000, 50)

    const captures = page.getByRole('navigation', { name: 'Open captures' })
    await captures.getByRole('button', { name: /live 3,?000/ }).waitFor()
    await expect.poll(() => grid.getAttribute('aria-rowcount')).toBe('3001')
    await page.getByRole('region', { name: 'Proxies' }).getByText(/0 open · 3,?000 accepted/).waitFor()
    // The last connection's row, reached with End, says it closed.
    await grid.getByRole('row').nth(1).click()
    await page.keyboard.press('End')
    const last = grid.locator('[aria-rowindex="3001"]')
    await last.getByRole('gridcell', { name: 'closed' }).waitFor()
    await saveScreenshot(page, 'live-burst-end')
    // Not a bound (the pace follows the engine's load), a sanity check: far fewer than one frame per connection.
    expect(frames).toBeLessThan(3000)
  })
})
