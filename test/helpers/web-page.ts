// `tcpscope web` with its page open in real Chromium, for end-to-end tests: the engine and
// the browser are stopped by the test's cleanups, in the reverse order they started.
import type { Page } from 'playwright-core'
import { openBrowser, type Browser } from './browser'
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
