// Accessibility in real Chromium through web mode:
// - axe-core (WCAG 2.1 A and AA) finds nothing serious or critical, in light and in dark, in
//   the empty window, a capture with an HTTP connection open on its HTTP tab (and a
//   WebSocket one on its WebSocket tab, and the capture's exchanges), the replay panel,
//   every dialog the toolbar, the sidebar and the lists open, and the Held queue with a
//   chunk and an HTTP request held by breakpoints, each open in its editor (and in Chinese,
//   with an HTTP tab);
//   and in Chinese, the empty window and a form (names must hold their visible Chinese words);
//   a redis connection's Messages tab, a message open on its fields and bytes, and its
//   "Decode as…" dialog;
// - Escape closes each of those dialogs and gives the focus back to what opened it;
// - the two splitters move by keyboard (arrows, Home, End) and say where they are, and Tab
//   goes through the window in the order it is laid out.
// One web mode and one page per theme, shared by its tests: one test per state or dialog. A
// failure lists every problem found, each with where.
// Selects by role and name only.
import { once } from 'node:events'
import { createServer, request, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { listen, startServer } from '../helpers/net'
import { portOf } from '../helpers/engine'
import { sharedWebPage } from '../helpers/web-page'
import { dialogState, expectNone, violations } from '../helpers/accessibility'
import type { EngineClient } from '../../src/shared/engine-client'
import type { ProxyInfo } from '../../src/shared/events'
import { chromiumAvailable, screenshotPath } from '../helpers/browser'
import { needProgram } from '../helpers/peers'
import { h2Requests, startH2Origin } from '../helpers/h2-peer'
import { startGrpcSearch } from '../helpers/grpc-peer'
import { startRedis } from '../helpers/redis'
import { hasProgram } from '../helpers/peers'
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))

type Scheme = 'light' | 'dark'

/** An origin answering JSON to HTTP and echoing WebSocket messages. */
async function originServer(cleanups: Array<() => unknown>): Promise<number> {
  const server = createServer((req, res) => {
    req.resume()
    const body = JSON.stringify({ path: req.url, ok: true })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
    res.end(body)
  })
  const wss = new WebSocketServer({ server })
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(binary ? data : `echo ${String(data)}`)))
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  cleanups.push(() => wss.close())
  return port
}

async function get(port: number, path: string): Promise<void> {
  const req = request({ port, host: '127.0.0.1', path, headers: { Connection: 'close' } })
  req.end()
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  res.resume()
  await once(res, 'end')
}

async function chat(port: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`)
  await once(ws, 'open')
  ws.send('hello')
  await once(ws, 'message')
  ws.close(1000, 'bye')
  await once(ws, 'close')
}

/** A connection to `port` left open: a proxy with one asks before it stops. */
async function holdOpen(cleanups: Array<() => unknown>, port: number): Promise<void> {
  const s = connect({ port, host: '127.0.0.1' })
  s.on('error', () => {})
  await once(s, 'connect')
  cleanups.push(() => s.destroy())
}

/**
 * Every state of the window this file scans, in one theme, one test per state or dialog, all on
 * one page (sharedWebPage). The nested describes add to the engine's state in order (nothing,
 * then proxies running with nothing connected, then a capture, then messages held by
 * breakpoints), each in its beforeAll; vitest runs them in the order they are written, so each
 * state is scanned as the window shows it at that stage. A test depends on no other test: it
 * opens what it scans and closes it again.
 */
function describeWindow(scheme: Scheme): void {
  describe(`accessibility in Chromium, ${scheme}`, () => {
    const shared = sharedWebPage({ browser: { colorScheme: scheme, width: 1280, height: 800 } }, (page) => page.getByRole('region', { name: 'Start' }).waitFor())
    const suiteCleanups = shared.cleanups
    let page: Page
    let origin: number
    let wsOrigin: number
    const toolbar = (): Locator => page.getByRole('toolbar', { name: 'Toolbar' })
    const sidebar = (): Locator => page.getByRole('complementary', { name: 'Proxies and sessions' })
    const grid = (): Locator => page.getByRole('grid', { name: 'Connections', exact: true })
    const detail = (): Locator => page.getByRole('region', { name: 'Selected connection' })

    beforeAll(async () => {
      if (!chromiumAvailable()) return
      page = shared.page
      origin = await originServer(suiteCleanups)
      wsOrigin = await originServer(suiteCleanups)
    })

    it('has no serious or critical WCAG 2.1 A/AA violation in the empty window', async () => {
      expectNone(await violations(page, `${scheme} empty window`))
    })

    for (const [button, dialog] of [
      [/New proxy$/, 'New proxy'],
      ['Server', 'New server'],
      ['Client', 'New client'],
      ['Open capture…', 'Open a capture file'],
      ['Save capture as…', 'Save the live capture as'],
      ['Keyboard shortcuts', 'Keyboard shortcuts']
    ] as const) {
      it(`scans the toolbar's ${dialog} dialog, and Escape gives the focus back to its button`, async () => {
        const found: string[] = []
        const opener = toolbar().getByRole('button', { name: button, exact: true })
        await dialogState(page, found, dialog, () => opener.click(), opener, `${scheme} ${dialog} dialog`)
        expectNone(found)
      })
    }
    for (const [item, dialog] of [
      ['Certificate authority…', 'Certificate authority'],
      ['Terminal…', 'Intercept a terminal']
    ] as const) {
      it(`scans Intercept's ${dialog} dialog, and Escape gives the focus back to the menu's button`, async () => {
        const found: string[] = []
        const intercept = toolbar().getByRole('button', { name: 'Intercept', exact: true })
        const open = async (): Promise<void> => {
          await intercept.click()
          await page.getByRole('menuitem', { name: item }).click()
        }
        await dialogState(page, found, dialog, open, intercept, `${scheme} ${dialog} dialog`)
        expectNone(found)
      })
    }

    describe('with proxies and a server running, nothing connected yet', () => {
      let driver: EngineClient
      let proxy: ProxyInfo
      let wsProxy: ProxyInfo
      beforeAll(async () => {
        if (!chromiumAvailable()) return
        driver = await shared.web.client()
        proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin}` })
        wsProxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${wsOrigin}` })
        await driver.call('server.start', { listen: '127.0.0.1:0' })
        // A stopped proxy beside the running ones.
        const stopped = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin}` })
        await driver.call('proxy.stop', { proxyId: stopped.id })
      })

      it('has no serious or critical violation while the list says nothing has connected yet', async () => {
        await grid().getByText(/^No connections yet/).waitFor()
        expectNone(await violations(page, `${scheme} running, no connection yet`))
      })

      for (const [item, dialog] of [
        ['Save setup as…', 'Save setup as'],
        ['Setups…', 'Setups'],
        ['Import setup…', 'Import setup']
      ] as const) {
        it(`scans the ${dialog} dialog, and Escape gives the focus back to the Setups button`, async () => {
          const found: string[] = []
          const setups = sidebar().getByRole('button', { name: 'Setups', exact: true })
          const open = async (): Promise<void> => {
            await setups.click()
            await page.getByRole('menuitem', { name: item }).click()
          }
          await dialogState(page, found, dialog, open, setups, `${scheme} ${dialog} dialog`)
          expectNone(found)
        })
      }

      describe('with a capture: two HTTP exchanges, a WebSocket conversation, a connection left open', () => {
        beforeAll(async () => {
          if (!chromiumAvailable()) return
          await get(portOf(proxy.listen), '/api/items')
          await get(portOf(proxy.listen), '/api/other')
          await chat(portOf(wsProxy.listen))
          await holdOpen(suiteCleanups, portOf(proxy.listen))
        })

        /** Selects the HTTP connection's first exchange on its HTTP tab. */
        async function openFirstExchange(): Promise<void> {
          await grid().getByRole('gridcell', { name: `127.0.0.1:${origin}` }).first().click()
          await detail().getByRole('tab', { name: 'HTTP', exact: true }).click()
          await detail().getByRole('listbox', { name: /^HTTP exchanges/ }).getByRole('option').first().click()
          await detail().getByRole('region', { name: 'Response' }).waitFor()
        }

        it('has no serious or critical violation on the WebSocket tab', async () => {
          await grid().getByRole('gridcell', { name: `127.0.0.1:${wsOrigin}` }).first().click()
          await detail().getByRole('tab', { name: 'WebSocket', exact: true }).click()
          await detail().getByRole('listbox', { name: /^WebSocket messages/ }).getByRole('option').first().click()
          expectNone(await violations(page, `${scheme} WebSocket tab`))
        })

        it('has no serious or critical violation on the HTTP tab', async () => {
          await openFirstExchange()
          await page.screenshot({ path: screenshotPath(`accessibility-http-${scheme}`) })
          expectNone(await violations(page, `${scheme} HTTP tab`))
        })

        it('has no serious or critical violation in the replay panel', async () => {
          await openFirstExchange()
          await detail().getByRole('tab', { name: 'Replay', exact: true }).click()
          await detail().getByRole('region', { name: /^Replay of request 1 of connection #\d+$/ }).waitFor()
          await page.screenshot({ path: screenshotPath(`accessibility-replay-${scheme}`) })
          expectNone(await violations(page, `${scheme} replay panel`))
        })

        it("has no serious or critical violation in the capture's exchanges, the selected one among them", async () => {
          await openFirstExchange()
          await page.getByRole('radio', { name: 'Exchanges' }).click()
          await page.getByRole('grid', { name: 'HTTP exchanges' }).getByRole('row', { selected: true }).waitFor()
          const found = await violations(page, `${scheme} exchanges view`)
          await page.getByRole('radio', { name: 'List' }).click()
          expectNone(found)
        })

        const sidebarDialogs: Array<[string, () => [string | RegExp, string | RegExp]]> = [
          ['Breakpoints', () => [`Breakpoints of ${proxy.id}…`, `Breakpoints of ${proxy.id}`]],
          ['Faults', () => [`Faults of ${proxy.id}…`, `Faults of ${proxy.id}`]],
          ['Stop proxy', () => [`Stop proxy ${proxy.listen}`, `Stop proxy ${proxy.listen}?`]],
          ['Behaviour of server', () => [/^Behaviour of server /, /^Behaviour of server /]]
        ]
        for (const [what, names] of sidebarDialogs) {
          it(`scans the sidebar's ${what} dialog, and Escape gives the focus back to its button`, async () => {
            const [button, dialog] = names()
            const found: string[] = []
            const opener = sidebar().getByRole('button', { name: button })
            await dialogState(page, found, dialog, () => opener.click(), opener, `${scheme} ${String(dialog)} dialog`)
            expectNone(found)
          })
        }

        it('scans the Replay capture dialog, and Escape gives the focus back to its button', async () => {
          const found: string[] = []
          const replayAll = page.getByRole('button', { name: 'Replay…', exact: true })
          await dialogState(page, found, 'Replay capture', () => replayAll.click(), replayAll, `${scheme} Replay capture dialog`)
          expectNone(found)
        })

        it('scans the dialog serving a connection as a recorded server, and Escape gives the focus back to the list', async () => {
          const found: string[] = []
          const serve = async (): Promise<void> => {
            await grid().getByRole('row').nth(1).click({ button: 'right' })
            await page.getByRole('menu', { name: 'Actions' }).getByRole('menuitem', { name: 'Serve as recorded server…' }).click()
          }
          await dialogState(page, found, /^Serve connection #\d+ as a recorded server$/, serve, grid(), `${scheme} recorded server dialog`)
          expectNone(found)
        })

        describe('with a chunk and an HTTP request held by breakpoints', () => {
          const queue = (): Locator => page.getByRole('region', { name: 'Held messages' })
          const held = (): Locator => queue().getByRole('listbox', { name: 'Messages held by breakpoints' })
          beforeAll(async () => {
            if (!chromiumAvailable()) return
            // A chunk on its way to an echo server, and an HTTP request.
            const echo = await startServer((s) => {
              s.on('error', () => {})
              s.pipe(s)
            })
            suiteCleanups.push(() => echo.close())
            const echoProxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${echo.port}` })
            await driver.call('break.add', { proxyId: echoProxy.id, rule: { match: 'text', pattern: 'PASS', stream: 'upstream', timeoutMs: 0 } })
            await driver.call('break.add', { proxyId: proxy.id, rule: { match: 'http-request', method: 'POST' } })
            const c = connect({ port: portOf(echoProxy.listen), host: '127.0.0.1' })
            c.on('error', () => {})
            suiteCleanups.push(() => c.destroy())
            await once(c, 'connect')
            c.write('PASS secret\r\n')
            const post = request({ port: portOf(proxy.listen), host: '127.0.0.1', method: 'POST', path: '/form', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
            post.on('error', () => {})
            suiteCleanups.push(() => post.destroy())
            post.end('name=short')
            await held().getByRole('option').nth(1).waitFor()
          })

          it('has no serious or critical violation with the held chunk open in its editor', async () => {
            await held().getByRole('option', { name: /chunk/ }).click()
            await queue().getByRole('textbox', { name: /^Held message \d+$/ }).waitFor()
            await page.screenshot({ path: screenshotPath(`accessibility-held-${scheme}`) })
            expectNone(await violations(page, `${scheme} held chunk`))
          })

          it('has no serious or critical violation with the held HTTP request open in its editor', async () => {
            await held().getByRole('option', { name: /HTTP request/ }).click()
            await queue().getByRole('textbox', { name: 'Body' }).waitFor()
            expectNone(await violations(page, `${scheme} held HTTP request`))
          })

          // The names of the rows and of the buttons must hold their Chinese words too.
          it('has no serious or critical violation in Chinese, with the held HTTP request open and an HTTP tab', async () => {
            await held().getByRole('option', { name: /HTTP request/ }).click()
            await queue().getByRole('textbox', { name: 'Body' }).waitFor()
            await toolbar().getByRole('button', { name: /^Language/ }).click()
            await page.getByRole('region', { name: '已拦截的消息' }).getByRole('button', { name: /^放行 F8：/ }).waitFor()
            await page.getByRole('grid', { name: '连接', exact: true }).getByRole('row').nth(1).click()
            const zhDetail = page.getByRole('region', { name: '所选连接' })
            await zhDetail.getByRole('tab', { name: 'HTTP', exact: true }).click()
            await zhDetail.getByRole('listbox', { name: /^HTTP 交换/ }).getByRole('option').first().waitFor()
            const found = await violations(page, `${scheme} held HTTP request and HTTP tab in Chinese`)
            // Back to English, as the other tests expect the page.
            await page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /^语言/ }).click()
            await toolbar().waitFor()
            expectNone(found)
          })
        })
      })
    })
  })
}

/** Where the focus is, as a part of the window in the order they are laid out: 0 toolbar … 6 status bar. */
function focusedPart(page: Page): Promise<number> {
  return page.evaluate(() => {
    const el = document.activeElement
    if (!el || el === document.body) return -1
    const label = el.getAttribute('aria-label')
    if (el.closest('[role="toolbar"][aria-label="Toolbar"]')) return 0
    if (el.closest('aside')) return 1
    if (el.getAttribute('role') === 'separator') return label === 'Sidebar width' ? 2 : 4
    if (el.closest('[aria-label="Selected connection"]')) return 5
    if (el.closest('[role="status"][aria-label="Status"]')) return 6
    return 3
  })
}

for (const scheme of ['light', 'dark'] as const) describeWindow(scheme)

describe('accessibility in Chromium, in Chinese', () => {
  const shared = sharedWebPage({ browser: { locale: 'zh-CN', width: 1280, height: 800 } }, (page) => page.getByRole('region', { name: '开始' }).waitFor())

  it('has no serious or critical WCAG 2.1 A/AA violation in the empty window', async () => {
    expectNone(await violations(shared.page, 'zh-CN empty window'))
  })

  it('scans the New proxy dialog (a form), and Escape gives the focus back to its button', async () => {
    const found: string[] = []
    const opener = shared.page.getByRole('toolbar', { name: '工具栏' }).getByRole('button', { name: /新建代理$/ })
    await dialogState(shared.page, found, '新建代理', () => opener.click(), opener, 'zh-CN New proxy dialog')
    expectNone(found)
  })
})

describe('the window by keyboard in Chromium', () => {
  const shared = sharedWebPage({ browser: { width: 1280, height: 800 } }, (page) => page.getByRole('toolbar', { name: 'Toolbar' }).waitFor())
  const value = (l: Locator): Promise<number> => l.getAttribute('aria-valuenow').then(Number)
  const width = async (l: Locator): Promise<number> => (await l.boundingBox())!.width
  const height = async (l: Locator): Promise<number> => (await l.boundingBox())!.height

  it('moves the sidebar splitter by keyboard within its bounds, and says where it is', async () => {
    const { page } = shared
    const sidebarSplit = page.getByRole('separator', { name: 'Sidebar width' })
    const sidebar = page.getByRole('complementary', { name: 'Proxies and sessions' })
    // Between the sidebar and the rest: its share of the width, within its bounds.
    expect(await sidebarSplit.getAttribute('aria-orientation')).toBe('vertical')
    expect([await sidebarSplit.getAttribute('aria-valuemin'), await sidebarSplit.getAttribute('aria-valuemax')]).toEqual(['10', '40'])
    expect(await value(sidebarSplit)).toBe(20)
    const controlsSidebar = await sidebarSplit.evaluate((el) => document.getElementById(el.getAttribute('aria-controls') ?? '')?.querySelector('aside') !== null)
    expect(controlsSidebar).toBe(true)
    const narrow = await width(sidebar)
    await sidebarSplit.focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => value(sidebarSplit)).toBe(25)
    expect(await width(sidebar)).toBeGreaterThan(narrow + 40)
    await page.keyboard.press('End')
    await expect.poll(() => value(sidebarSplit)).toBe(40)
    await page.keyboard.press('Home')
    await expect.poll(() => value(sidebarSplit)).toBe(10)
    await page.keyboard.press('ArrowLeft')
    expect(await value(sidebarSplit)).toBe(10)
    expect(await width(sidebar)).toBeLessThan(narrow)
    // Back where it started, as the other tests expect the window.
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('ArrowRight')
    await expect.poll(() => value(sidebarSplit)).toBe(20)
  })

  it("moves the list splitter by keyboard, and says where it is: the list's share of the height", async () => {
    const { page } = shared
    const listSplit = page.getByRole('separator', { name: 'Connection list height' })
    const grid = page.getByRole('grid', { name: 'Connections', exact: true })
    expect(await listSplit.getAttribute('aria-orientation')).toBe('horizontal')
    expect([await listSplit.getAttribute('aria-valuemin'), await listSplit.getAttribute('aria-valuemax')]).toEqual(['15', '85'])
    expect(await value(listSplit)).toBe(32)
    const low = await height(grid)
    await listSplit.focus()
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => value(listSplit)).toBe(37)
    expect(await height(grid)).toBeGreaterThan(low + 20)
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => value(listSplit)).toBe(32)
    await page.screenshot({ path: screenshotPath('accessibility-splitter-focus') })
  })

  // Through the toolbar, the sidebar, its splitter, the list, its splitter, the detail. (The
  // sidebar of an empty window has its Setups menu to focus.)
  it('tabs from the top through the window in the order it is laid out', async () => {
    const { page } = shared
    await page.getByRole('toolbar', { name: 'Toolbar' }).getByRole('button', { name: /New proxy$/ }).focus()
    const parts: number[] = [await focusedPart(page)]
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab')
      const part = await focusedPart(page)
      if (part <= 0 && parts.length > 1) break
      if (part !== parts.at(-1)) parts.push(part)
    }
    expect(parts).toEqual([0, 1, 2, 3, 4, 5])
  })
})

// The HTTP/2 views on one page per theme: the exchanges of an h2c connection, its HTTP tab,
// and its frames, one scan per test, in the order a person opens them.
for (const scheme of ['light', 'dark'] as const) {
  describe(`accessibility of the HTTP/2 views in Chromium, ${scheme}`, () => {
    const shared = sharedWebPage({ browser: { colorScheme: scheme, width: 1280, height: 800 } }, (page) => page.getByRole('region', { name: 'Start' }).waitFor())
    const detail = (): Locator => shared.page.getByRole('region', { name: 'Selected connection' })
    const exchanges = (): Locator => shared.page.getByRole('grid', { name: 'HTTP exchanges' })

    beforeAll(async () => {
      if (!chromiumAvailable()) return
      const origin = await startH2Origin(shared.cleanups)
      const driver = await shared.web.client()
      const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${origin.port}` })
      await h2Requests(portOf(proxy.listen), [{ path: '/a' }, { path: '/b', method: 'POST', body: 'x' }])
    })

    /** The Exchanges view, and (with `open`) stream 3's exchange opened on its HTTP tab: each test starts from there, whatever ran before. */
    async function showExchanges(open: boolean): Promise<void> {
      await shared.page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
      const row = exchanges().getByRole('row').filter({ hasText: 'h2c · 3' })
      await row.waitFor({ timeout: 30_000 })
      if (!open) return
      await row.click()
      await detail().getByRole('tab', { name: 'HTTP', exact: true }).click()
      await detail().getByRole('button', { name: /^Start line POST \/b HTTP\/2 / }).waitFor()
    }

    it('has no serious or critical violation in the exchanges of an h2c connection', async () => {
      await showExchanges(false)
      expectNone(await violations(shared.page, `${scheme} h2 exchanges`))
    })

    it('has none in an h2 exchange on its HTTP tab', async () => {
      await showExchanges(true)
      expectNone(await violations(shared.page, `${scheme} h2 HTTP tab`))
    })

    it("has none in its stream's frames", async () => {
      await showExchanges(true)
      await detail().getByRole('button', { name: "Show stream 3's frames" }).click()
      await detail().getByRole('grid', { name: 'HTTP/2 frames' }).getByRole('row').filter({ hasText: 'HEADERS' }).first().click()
      expectNone(await violations(shared.page, `${scheme} h2 frames`))
      await shared.page.screenshot({ path: screenshotPath(`accessibility-h2-frames-${scheme}`) })
    })
  })
}

// The gRPC view on one page per theme: a server-streaming call's messages, one opened on its
// field tree, then the .proto loader open; one scan per test, in the order a person opens them.
for (const scheme of ['light', 'dark'] as const) {
  describe(`accessibility of the gRPC view in Chromium, ${scheme}`, () => {
    const shared = sharedWebPage({ browser: { colorScheme: scheme, width: 1280, height: 800 } }, (page) => page.getByRole('region', { name: 'Start' }).waitFor())
    const detail = (): Locator => shared.page.getByRole('region', { name: 'Selected connection' })
    const exchanges = (): Locator => shared.page.getByRole('grid', { name: 'HTTP exchanges' })

    beforeAll(async () => {
      if (!chromiumAvailable()) return
      const search = await startGrpcSearch(shared.cleanups)
      const driver = await shared.web.client()
      const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${search.port}` })
      await search.calls(`127.0.0.1:${portOf(proxy.listen)}`)
    })

    /** The Watch call opened on its gRPC view, its second message chosen: each test starts from there, whatever ran before. */
    async function showCall(): Promise<void> {
      await shared.page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
      const row = exchanges().getByRole('row').filter({ hasText: '/demo.Search/Watch' })
      await row.waitFor({ timeout: 30_000 })
      await row.click()
      await detail().getByRole('tab', { name: 'HTTP', exact: true }).click()
      await detail().getByRole('listbox', { name: 'gRPC messages (4)' }).getByRole('option').nth(2).click()
      await detail().getByRole('tree', { name: 'Fields of message 2' }).getByRole('treeitem').first().waitFor()
    }

    it('has no serious or critical violation in a call\'s messages and a message\'s fields', async () => {
      await showCall()
      expectNone(await violations(shared.page, `${scheme} gRPC view`))
    })

    it('has none with the .proto loader open', async () => {
      await showCall()
      await detail().getByText('Load .proto…').click()
      await detail().getByRole('textbox', { name: '.proto file path' }).waitFor()
      expectNone(await violations(shared.page, `${scheme} gRPC .proto loader`))
      await shared.page.screenshot({ path: screenshotPath(`accessibility-grpc-${scheme}`) })
    })
  })
}

// The Messages tab on one page per theme: a redis connection through a proxy, a command chosen
// with its fields and bytes; then "Decode as…" open over it. One scan per test.
for (const scheme of ['light', 'dark'] as const) {
  describe(`accessibility of the Messages tab in Chromium, ${scheme}`, () => {
    const shared = sharedWebPage({ browser: { colorScheme: scheme, width: 1280, height: 800 } }, (page) => page.getByRole('region', { name: 'Start' }).waitFor())
    const detail = (): Locator => shared.page.getByRole('region', { name: 'Selected connection' })
    beforeEach((ctx) => needProgram(ctx, 'redis-server and redis-cli', hasProgram('redis-server') && hasProgram('redis-cli')))

    beforeAll(async () => {
      if (!chromiumAvailable() || !hasProgram('redis-server') || !hasProgram('redis-cli')) return
      const redis = await startRedis(mkdtempSync(join(tmpdir(), 'tcpscope-redis-')))
      shared.cleanups.push(redis.stop)
      const driver = await shared.web.client()
      const proxy = await driver.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${redis.port}` })
      await promisify(execFile)('redis-cli', ['-p', String(portOf(proxy.listen)), 'SET', 'k', 'v'])
    })

    /** The redis connection on its Messages tab, its SET chosen: each test starts from there, whatever ran before. */
    async function showMessages(): Promise<void> {
      const row = shared.page.getByRole('grid', { name: 'Connections', exact: true }).getByRole('row').filter({ hasText: 'RESP' }).first()
      await row.waitFor({ timeout: 30_000 })
      await row.click()
      await detail().getByRole('tab', { name: 'Messages', exact: true }).click()
      await detail().getByRole('listbox', { name: /^Messages \(\d+\)$/ }).getByRole('option', { name: /SET k v/ }).click()
      await detail().getByRole('tree', { name: /^Fields of message #\d+$/ }).getByRole('treeitem').first().waitFor()
    }

    it("has no serious or critical violation in a connection's messages, one open on its fields and bytes", async () => {
      await showMessages()
      expectNone(await violations(shared.page, `${scheme} Messages tab`))
      await shared.page.screenshot({ path: screenshotPath(`accessibility-messages-${scheme}`) })
    })

    it('scans the Decode as… dialog, and Escape gives the focus back to its button', async () => {
      await showMessages()
      const found: string[] = []
      const button = detail().getByRole('button', { name: 'Decode as…', exact: true })
      await dialogState(shared.page, found, /^Decode connection #\d+ as…$/, () => button.click(), button, `${scheme} Decode as… dialog`)
      expectNone(found)
    })
  })
}
