// A WebSocket chat seen as it happens, in real Chromium against `tcpscope web`: the chat goes
// through the proxy while its WebSocket view is open, and every message shows there as it is
// sent, with no click to reload; the connection list's protocol and Info cells follow too.
// Selects by role and name only.
import { once } from 'node:events'
import { createServer } from 'node:http'
import WebSocket, { WebSocketServer } from 'ws'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { listen, portOf } from '../helpers/net'
import { startWeb } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A chat server: every text message comes back in upper case. */
async function chatServer(): Promise<number> {
  const server = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ server, perMessageDeflate: { threshold: 0 } })
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(String(data).toUpperCase())))
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  cleanups.push(() => wss.close())
  return port
}

describe('a live WebSocket chat in Chromium', () => {
  it('shows each message in the WebSocket view as it is sent, and the list counts them', async () => {
    const origin = await chatServer()
    const web = await startWeb()
    cleanups.push(() => web.stop('SIGINT'))
    const driver = await web.client()
    const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin}` })
    const b = await openBrowser({ width: 1280, height: 800 })
    cleanups.push(() => b.close())
    const page = b.page
    page.setDefaultTimeout(20_000)
    await page.goto(web.url)

    const ws = new WebSocket(`ws://127.0.0.1:${portOf(proxy.listen)}/chat`, { perMessageDeflate: { threshold: 0 } })
    cleanups.push(() => ws.terminate())
    await once(ws, 'open')
    const say = async (text: string): Promise<void> => {
      const reply = once(ws, 'message')
      ws.send(text)
      await reply
    }
    await say('hello')

    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    const row = grid.getByRole('row').nth(1)
    // The upgrade found by decoding in the background: the list says WS, with its messages.
    await expect.poll(() => row.getByRole('gridcell', { name: 'WS', exact: true }).count()).toBe(1)
    await expect.poll(() => row.textContent()).toMatch(/WebSocket 2 messages/)
    await row.click()
    const detail = page.getByRole('region', { name: 'Selected connection' })
    await detail.getByRole('tab', { name: 'WebSocket', exact: true }).click()
    const messages = detail.getByRole('listbox', { name: /^WebSocket messages \(\d+\)$/ })
    await expect.poll(() => messages.getByRole('option').count()).toBe(2)

    // The chat goes on while the view is open: each message and its answer arrive there.
    for (const [i, text] of ['second message', '第三条消息'].entries()) {
      await say(text)
      await expect.poll(() => messages.getByRole('option').count()).toBe(4 + i * 2)
      const names = await messages.getByRole('option').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
      expect(names.slice(-2)).toEqual([
        expect.stringMatching(new RegExp(`^client → server: ${3 + i * 2}, [\\d:.]+, text, ${Buffer.byteLength(text)} B, deflate, ${text}$`)),
        expect.stringMatching(new RegExp(`^server → client: ${4 + i * 2}, [\\d:.]+, text, ${Buffer.byteLength(text.toUpperCase())} B, deflate, ${text.toUpperCase()}$`))
      ])
    }
    await expect.poll(() => row.textContent()).toMatch(/WebSocket 6 messages/)
    await saveScreenshot(page, 'live-websocket')

    // The close, with its code, as it happens.
    ws.close(1000, 'done chatting')
    await once(ws, 'close')
    await messages.getByRole('option', { name: /^client → server: \d+, [\d:.]+, close, \d+ B, 1000 done chatting$/ }).waitFor()
  })
})
