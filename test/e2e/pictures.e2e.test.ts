// The pictures of a capture, in real Chromium over web mode: a proxy in front of a real
// echo server carries a conversation of several turns (one chunk long enough to fold),
// one the client resets, and one whose target refuses. The conversation shows both
// directions with FIN and RST where they happened and unfolds the long chunk; the flow
// diagram draws the turns as arrows named by their sizes, and a click on one moves the
// selection; the timeline draws a bar per connection, and a click selects it. Selects by
// role and name only.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { Locator, Page } from 'playwright-core'
import { connectTo, REFUSED_PORT, startServer, portOf } from '../helpers/net'
import { startWeb, type WebMode } from '../helpers/web'
import { chromiumAvailable, openBrowser, saveScreenshot, type Browser } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

const cleanups: Array<() => unknown> = []
beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function browser(opts: Parameters<typeof openBrowser>[0] = {}): Promise<Browser> {
  const b = await openBrowser({ width: 1400, height: 900, ...opts })
  cleanups.push(() => b.close())
  return b
}

/** Resolves with the next `n` bytes the socket reads. */
function read(s: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    let got = 0
    const onData = (d: Buffer): void => {
      parts.push(d)
      got += d.length
      if (got < n) return
      s.off('data', onData)
      resolve(Buffer.concat(parts))
    }
    s.on('data', onData)
  })
}

/** One exchange: write, then wait for the echo, so each is a turn of its own. */
async function exchange(s: Socket, text: string): Promise<void> {
  const echoed = read(s, Buffer.byteLength(text))
  s.write(text)
  await echoed
}

/** The long chunk: 120 numbered lines, far past a folded chunk's eight. */
const LONG = Array.from({ length: 120 }, (_, i) => `line ${String(i).padStart(3, '0')} of the long chunk`).join('\r\n') + '\r\n'

/**
 * Three connections through a proxy in front of an echo server: #1 talks in turns and
 * closes with FIN both ways, #2 is reset by its client, #3 goes through a second proxy
 * whose target refuses.
 */
async function recordConnections(w: WebMode): Promise<{ proxyPort: number }> {
  const server = await startServer((s) => {
    s.on('error', () => {})
    s.pipe(s)
  })
  cleanups.push(server.close)
  const driver = await w.client()
  const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })

  const talk = await connectTo(portOf(proxy.listen))
  await exchange(talk, 'PING hello\r\n')
  await exchange(talk, LONG)
  await exchange(talk, 'QUIT\r\n')
  talk.end()
  await once(talk, 'end')
  await once(talk, 'close')

  const rude = await connectTo(portOf(proxy.listen))
  rude.on('error', () => {})
  await exchange(rude, 'about to reset\r\n')
  rude.resetAndDestroy()

  const closed = { port: REFUSED_PORT }
  const refused = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${closed.port}` })
  // The proxy accepts, then resets its client when the target refuses.
  const doomed = connect({ port: portOf(refused.listen), host: '127.0.0.1' })
  doomed.on('error', () => {})
  await new Promise((resolve) => doomed.on('close', resolve))
  return { proxyPort: portOf(proxy.listen) }
}

async function selectConnection(page: Page, id: number): Promise<void> {
  const grid = page.getByRole('grid', { name: 'Connections' })
  await grid.getByRole('row').filter({ has: page.getByRole('gridcell', { name: String(id), exact: true }) }).click()
}

async function waitForEnds(w: WebMode, ended = 3): Promise<void> {
  const driver = await w.client()
  for (let i = 0; i < 200; i++) {
    const page = await driver.call('conn.page', { capture: 'live', offset: 0, limit: 10 })
    if (page.rows.filter((r) => r.end !== 'open').length === ended) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the three connections did not end')
}

const feed = (page: Page): Locator => page.getByRole('feed', { name: 'Conversation' })

describe('pictures of a capture in Chromium', () => {
  it('shows the conversation with both directions, FIN and RST in place, and unfolds a long chunk', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    const { proxyPort } = await recordConnections(w)
    await waitForEnds(w)
    const { page } = await browser()
    await page.goto(w.url)

    await selectConnection(page, 1)
    const conv = feed(page)
    await conv.getByRole('article', { name: /^client → server 12 B at \d\d:\d\d:\d\d\.\d{3}$/ }).waitFor()
    await conv.getByRole('article', { name: /^server → client 12 B at / }).waitFor()
    await conv.getByRole('article', { name: /^client sent FIN at / }).waitFor()
    await conv.getByRole('article', { name: /^server sent FIN at / }).waitFor()
    await conv.getByRole('article', { name: /^closed normally at / }).waitFor()

    const long = conv.getByRole('article', { name: new RegExp(`^client → server ${(LONG.length / 1024).toFixed(2)} KiB at `) })
    await expect.poll(() => long.textContent()).toContain('line 000 of the long chunk')
    expect(await long.textContent()).not.toContain('line 119')
    await saveScreenshot(page, 'pictures-conversation')
    await long.getByRole('button', { name: /^Show more/ }).click()
    await expect.poll(() => long.textContent()).toContain('line 119 of the long chunk')
    await long.getByRole('button', { name: 'Show less' }).waitFor()
    await saveScreenshot(page, 'pictures-conversation-unfolded')

    await selectConnection(page, 2)
    await feed(page).getByRole('article', { name: /^client reset the connection \(RST\) at / }).waitFor()
    await feed(page).getByRole('article', { name: /^closed: reset by the client at / }).waitFor()

    await selectConnection(page, 3)
    await feed(page).getByRole('article', { name: /^connect failed: connection refused/ }).waitFor()
    await saveScreenshot(page, 'pictures-conversation-refused')

    // A live connection: what it says next appears at the end, where the view follows it.
    const live = await connectTo(proxyPort)
    cleanups.push(() => live.destroy())
    await exchange(live, 'first words\r\n')
    await selectConnection(page, 4)
    await feed(page).getByRole('article', { name: /^server → client 13 B at / }).waitFor()
    await exchange(live, 'and then some more\r\n')
    await feed(page).getByRole('article', { name: /^server → client 20 B at / }).waitFor()
    live.end()
    await feed(page).getByRole('article', { name: /^client sent FIN at / }).waitFor()
  })

  it('draws the turns as a flow diagram whose arrows move the selection', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    await recordConnections(w)
    await waitForEnds(w)
    const { page } = await browser()
    await page.goto(w.url)

    await selectConnection(page, 1)
    await page.getByRole('tab', { name: 'Flow' }).click()
    const turns = page.getByRole('list', { name: 'Turns' })
    const size = `${(LONG.length / 1024).toFixed(2)} KiB`
    await turns.getByRole('button', { name: /^client → server 12 B at \+\d/ }).waitFor()
    await turns.getByRole('button', { name: /^server → client 12 B at / }).waitFor()
    await turns.getByRole('button', { name: new RegExp(`^client → server ${size} at `) }).waitFor()
    await turns.getByRole('button', { name: /^client FIN at / }).waitFor()
    await turns.getByRole('button', { name: /^server FIN at / }).waitFor()
    await turns.getByRole('button', { name: /^closed normally at / }).waitFor()
    expect(await turns.getByRole('listitem').count()).toBe(9)

    const range = page.getByRole('status', { name: 'Selected range' })
    expect(await range.textContent()).toBe('')
    await turns.getByRole('button', { name: new RegExp(`^server → client ${size} at `) }).click()
    await expect.poll(() => range.textContent()).toBe(`server → client 12–${12 + LONG.length} (${size})`)
    await saveScreenshot(page, 'pictures-flow')

    // The conversation shows the chunk the flow pointed at.
    await page.getByRole('tab', { name: 'Conversation' }).click()
    await feed(page).getByRole('article', { name: new RegExp(`^server → client ${size} at `) }).waitFor()

    await selectConnection(page, 2)
    await page.getByRole('tab', { name: 'Flow' }).click()
    await page.getByRole('list', { name: 'Turns' }).getByRole('button', { name: /^client RST at / }).waitFor()
    await page.getByRole('list', { name: 'Turns' }).getByRole('button', { name: /^closed at .*: reset by the client$/ }).waitFor()
    await saveScreenshot(page, 'pictures-flow-reset')

    await selectConnection(page, 3)
    await page.getByRole('list', { name: 'Turns' }).getByRole('button', { name: /^connect failed at .*: connection refused/ }).waitFor()
    await saveScreenshot(page, 'pictures-flow-refused')
  })

  it('draws the capture as a timeline whose bars select their connection, zooms and fits', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    await recordConnections(w)
    await waitForEnds(w)
    const { page } = await browser()
    await page.goto(w.url)

    await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Timeline' }).click()
    const timeline = page.getByRole('listbox', { name: 'Connection timeline' })
    await timeline.getByRole('option', { name: /^#1 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+, closed, .*, 3\.30 KiB sent, 3\.30 KiB received$/ }).waitFor()
    await timeline.getByRole('option', { name: /^#2 .*, client RST, / }).waitFor()
    const failed = timeline.getByRole('option', { name: /^#3 .*, connect failed, / })
    await failed.waitFor()
    expect(await timeline.getByRole('option', { selected: true }).count()).toBe(0)
    await saveScreenshot(page, 'pictures-timeline')

    await timeline.getByRole('option', { name: /^#2 / }).click()
    await timeline.getByRole('option', { name: /^#2 /, selected: true }).waitFor()
    await feed(page).getByRole('article', { name: /^client reset the connection \(RST\) at / }).waitFor()

    // The keys move the selection and zoom; Fit all comes back to the whole capture.
    await page.keyboard.press('ArrowDown')
    await timeline.getByRole('option', { name: /^#3 /, selected: true }).waitFor()
    const fitAll = page.getByRole('button', { name: 'Fit all' })
    expect(await fitAll.getAttribute('aria-pressed')).toBe('true')
    await page.keyboard.press('+')
    expect(await fitAll.getAttribute('aria-pressed')).toBe('false')
    await page.getByRole('button', { name: 'Zoom out' }).click()
    await fitAll.click()
    expect(await fitAll.getAttribute('aria-pressed')).toBe('true')
    await saveScreenshot(page, 'pictures-timeline-selected')
  })

  it('reads in Chinese and in the dark theme', async () => {
    const w = await startWeb()
    cleanups.push(() => w.stop('SIGINT'))
    await recordConnections(w)
    await waitForEnds(w)
    const { page } = await browser({ locale: 'zh-CN', colorScheme: 'dark' })
    await page.goto(w.url)

    await page.getByRole('radiogroup', { name: '连接视图' }).getByRole('radio', { name: '时间线' }).click()
    const timeline = page.getByRole('listbox', { name: '连接时间线' })
    await timeline.getByRole('option', { name: /^#1 .*，已关闭，/ }).click()
    await page.getByRole('feed', { name: '会话' }).getByRole('article', { name: /^客户端发送 FIN，/ }).waitFor()
    await saveScreenshot(page, 'pictures-zh-dark-conversation')
    await page.getByRole('tab', { name: '流程' }).click()
    await page.getByRole('list', { name: '往来' }).getByRole('button', { name: /^服务器 FIN，\+/ }).waitFor()
    await saveScreenshot(page, 'pictures-zh-dark-flow')
  })
})
