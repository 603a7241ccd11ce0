// `tcpscope web` with its page open in real Chromium, for end-to-end tests: the engine and
// the browser are stopped by the test's cleanups, in the reverse order they started; or one
// of each shared by a describe's tests (sharedWebPage).
import { afterAll, beforeAll, beforeEach } from 'vitest'
import type { Page } from 'playwright-core'
import { chromiumAvailable, openBrowser, type Browser } from './browser'
import { startWeb, type WebMode } from './web'

export interface WebPageOptions {
  /** `tcpscope web`'s arguments. */
  args?: string[]
  browser?: Parameters<typeof openBrowser>[0]
  /** Before the page loads: listeners and permissions that must see it from the start. */
  beforeLoad?: (b: Browser, web: WebMode) => unknown
}

export async function openWebPage(cleanups: Array<() => unknown>, opts: WebPageOptions = {}): Promise<{ web: WebMode; browser: Browser; page: Page }> {
  const web = await startWeb(opts.args)
  cleanups.push(() => web.stop('SIGINT'))
  const browser = await openBrowser(opts.browser)
  cleanups.push(() => browser.close())
  const page = browser.page
  page.setDefaultTimeout(20_000)
  await opts.beforeLoad?.(browser, web)
  await page.goto(web.url)
  return { web, browser, page }
}

/** Runs `list`'s cleanups, last first, and empties it. */
export async function runCleanups(list: Array<() => unknown>): Promise<void> {
  for (const c of list.splice(0).reverse()) await c()
}

export interface SharedPage {
  web: WebMode
  page: Page
  /** Run after the describe's last test, last first: what its hooks start goes here too. */
  cleanups: Array<() => unknown>
  /** Loads the page again and waits for what it must show first (the engine's state stays). */
  reload(): Promise<void>
}

/**
 * One web mode and one page for the tests of the describe this is called in: starting them is
 * most of a short test's cost on two cores. They open before its first test (then `ready` waits
 * for what the page must show first) and close after its last; `web` and `page` are there from
 * the first beforeAll on. A test that fails reloads the page, so a dialog it left open cannot
 * fail the next test. Without Chromium nothing opens: the file's own needProgram check skips
 * (or, under CI, fails) each test.
 */
export function sharedWebPage(opts: WebPageOptions, ready: (page: Page) => Promise<unknown>): SharedPage {
  const shared = {
    cleanups: [],
    reload: async () => {
      await shared.page.reload()
      await ready(shared.page)
    }
  } as unknown as SharedPage
  beforeAll(async () => {
    if (!chromiumAvailable()) return
    Object.assign(shared, await openWebPage(shared.cleanups, opts))
    await ready(shared.page)
  })
  afterAll(() => runCleanups(shared.cleanups))
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      if (shared.page) await shared.reload()
    })
  })
  return shared
}
