// Which detail tab a new user lands on, in real Chromium against `tcpscope web`, over real
// HTTP traffic through the proxy (a keep-alive connection of two requests, and one of one):
// - selecting an HTTP connection opens its HTTP tab;
// - the exchange the HTTP tab shows (the first, or the one chosen there) is the one the Replay
//   tab replays;
// - a tab the person picks (Hex) stays when another HTTP connection is selected;
// - a connection of one exchange replays it without one being chosen.
// Screenshots of the HTTP tab and of the Replay tab after it. Selects by role and name only.
import { once } from 'node:events'
import { Agent, createServer, request, type IncomingMessage } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { listen, portOf } from '../helpers/net'
import { openWebPage } from '../helpers/web-page'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A server that answers each path with its own name. */
async function pathServer(): Promise<number> {
  const server = createServer((req, res) => {
    req.resume()
    const body = `you asked for ${req.url}\n`
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return port
}

/** `paths` in order on one keep-alive connection through the proxy. */
async function oneConnection(proxyPort: number, paths: string[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (const path of paths) {
    const req = request({ port: proxyPort, host: '127.0.0.1', path, agent, setHost: false, headers: { Host: 'paths.test' } })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    res.resume()
    await once(res, 'end')
  }
  agent.destroy()
}

const isSelected = (tab: Locator): Promise<string | null> => tab.getAttribute('aria-selected')

describe('detail tabs for a new user, in Chromium', () => {
  it('opens an HTTP connection in its HTTP tab, replays the exchange chosen there, and keeps a tab the person picked', async () => {
    const origin = await pathServer()
    const { web: w, page } = await openWebPage(cleanups, { browser: { width: 1280, height: 860 } })
    const driver = await w.client()
    const proxyPort = portOf((await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin}` })).listen)
    await oneConnection(proxyPort, ['/first', '/second'])
    await oneConnection(proxyPort, ['/other'])

    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    const detail = page.getByRole('region', { name: 'Selected connection' })
    const tab = (name: string): Locator => detail.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name, exact: true })
    const replayOf = (n: number): Locator => detail.getByRole('region', { name: new RegExp(`^Replay of request ${n} of connection #\\d+$`) })
    const requestText = (n: number) => () => replayOf(n).getByRole('textbox', { name: 'Request bytes as text' }).textContent()

    // Selected: the HTTP tab opens by itself, on the connection's exchanges, the first one shown.
    await grid.getByRole('gridcell', { name: /^GET \/first → 200/ }).click()
    await expect.poll(() => isSelected(tab('HTTP'))).toBe('true')
    const exchanges = detail.getByRole('listbox', { name: 'HTTP exchanges (2)' })
    await expect.poll(() => exchanges.getByRole('option', { name: /^1: GET \/first/ }).getAttribute('aria-selected')).toBe('true')
    // The exchange the HTTP tab shows is the one the Replay tab replays.
    await tab('Replay').click()
    await expect.poll(requestText(1)).toContain('GET /first HTTP/1.1')

    // Another chosen in the HTTP tab is replayed in its place.
    await tab('HTTP').click()
    await exchanges.getByRole('option', { name: /^2: GET \/second, 200, / }).click()
    await expect.poll(() => exchanges.getByRole('option', { name: /^2: GET \/second/ }).getAttribute('aria-selected')).toBe('true')
    await saveScreenshot(page, 'detail-tabs-http')

    await tab('Replay').click()
    await expect.poll(requestText(2)).toContain('GET /second HTTP/1.1')
    await saveScreenshot(page, 'detail-tabs-replay')

    // A tab the person picks stays: the other HTTP connection opens in Hex, not HTTP.
    await tab('Hex').click()
    await grid.getByRole('gridcell', { name: /^GET \/other → 200/ }).click()
    // Its bytes on screen: the connection is shown, past any moment a tab could still change.
    await expect.poll(() => detail.getByRole('grid', { name: 'Hex bytes' }).textContent()).toContain('/other')
    expect(await isSelected(tab('Hex'))).toBe('true')
    expect(await isSelected(tab('HTTP'))).toBe('false')

    // Its one exchange is the one the Replay tab replays, none chosen.
    await tab('Replay').click()
    await expect.poll(requestText(1)).toContain('GET /other HTTP/1.1')
  })
})
