// Accessibility of the protocol views in real Chromium through web mode, light and dark: an
// h2c connection's exchanges, HTTP tab and frames; a gRPC call's messages, a message's fields
// and the .proto loader; a redis connection's Messages tab, a message open on its fields and
// bytes, and its "Decode as…" dialog (Escape gives the focus back to its button). One web mode
// and one page per view, its traffic made once: the page is scanned in light, then opened
// again in dark (helpers/accessibility.ts, describeInScheme) and scanned again, one test per
// state and theme. A failure lists every problem found, each with where. Selects by role and
// name only.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, beforeEach, describe, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { portOf } from '../helpers/net'
import { sharedWebPage } from '../helpers/web-page'
import { SCHEMES, describeInScheme, dialogState, expectNone, violations } from '../helpers/accessibility'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { hasProgram, needProgram } from '../helpers/peers'
import { h2Requests, startH2Origin } from '../helpers/h2-peer'
import { startGrpcSearch } from '../helpers/grpc-peer'
import { startRedis } from '../helpers/redis'

beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))

/** The page is up: its toolbar shows. (Not the Start panel: a page opened again for dark, after the traffic, shows the list instead.) */
const pageUp = (page: Page): Promise<void> => page.getByRole('toolbar', { name: 'Toolbar' }).waitFor()

// The HTTP/2 views on one page, light then dark: the exchanges of an h2c connection, its HTTP tab,
// and its frames, one scan per test, in the order a person opens them.
describe('accessibility of the HTTP/2 views in Chromium', () => {
  const shared = sharedWebPage({ browser: { width: 1280, height: 800 } }, pageUp)
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

  for (const scheme of SCHEMES) {
    describeInScheme(shared, scheme, () => {
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
        await saveScreenshot(shared.page, `accessibility-h2-frames-${scheme}`)
      })
    })
  }
})

// The gRPC view on one page, light then dark: a server-streaming call's messages, one opened on its
// field tree, then the .proto loader open; one scan per test, in the order a person opens them.
describe('accessibility of the gRPC view in Chromium', () => {
  const shared = sharedWebPage({ browser: { width: 1280, height: 800 } }, pageUp)
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

  for (const scheme of SCHEMES) {
    describeInScheme(shared, scheme, () => {
      it('has no serious or critical violation in a call\'s messages and a message\'s fields', async () => {
        await showCall()
        expectNone(await violations(shared.page, `${scheme} gRPC view`))
      })

      it('has none with the .proto loader open', async () => {
        await showCall()
        await detail().getByText('Load .proto…').click()
        await detail().getByRole('textbox', { name: '.proto file path' }).waitFor()
        expectNone(await violations(shared.page, `${scheme} gRPC .proto loader`))
        await saveScreenshot(shared.page, `accessibility-grpc-${scheme}`)
      })
    })
  }
})

// The Messages tab on one page, light then dark: a redis connection through a proxy, a command chosen
// with its fields and bytes; then "Decode as…" open over it. One scan per test.
describe('accessibility of the Messages tab in Chromium', () => {
  const shared = sharedWebPage({ browser: { width: 1280, height: 800 } }, pageUp)
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

  for (const scheme of SCHEMES) {
    describeInScheme(shared, scheme, () => {
      it("has no serious or critical violation in a connection's messages, one open on its fields and bytes", async () => {
        await showMessages()
        expectNone(await violations(shared.page, `${scheme} Messages tab`))
        await saveScreenshot(shared.page, `accessibility-messages-${scheme}`)
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
})
