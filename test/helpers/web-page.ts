// `tcpscope web` with its page open in real Chromium, for end-to-end tests: the engine and
// the browser are stopped by the test's cleanups, in the reverse order they started; or one
// of each shared by a describe's tests (sharedWebPage).
import { afterAll, beforeAll, beforeEach, expect } from 'vitest'
import type { Locator, Page } from 'playwright-core'
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

const TOOLBAR = /^(Toolbar|工具栏)$/
/** A shared page is ready once its toolbar shows, in either language (a test may have left it in Chinese). */
export const toolbarShown = (page: Page): Promise<void> => page.getByRole('toolbar', { name: TOOLBAR }).waitFor()

export interface Look {
  /** The app's language, chosen as a person does, on its toolbar. */
  language?: 'en' | 'zh-CN'
  /** The system's colour scheme, which the app's theme follows. */
  colorScheme?: 'light' | 'dark'
  width?: number
  height?: number
}

/** The toolbar's language and theme buttons, by their names in either language (common.ts). */
const LANGUAGE_BUTTON = /^(Language: 中 \(Chinese\)|语言：EN（英文）)$/
const THEME_BUTTON = /^(Theme: (system|light|dark)|主题：(跟随系统|浅色|深色))$/
const FOLLOWS_SYSTEM = new Set(['Theme: system', '主题：跟随系统'])

/**
 * A shared page shown as a test wants it, with no reload: a page load costs about a second of
 * Chromium's CPU on two cores, switching its language a few milliseconds. The theme goes back
 * to following the system (a test may have chosen one), whose scheme is `colorScheme`; the
 * language is chosen on the toolbar, as a person does (the first load follows the browser's
 * locale, which the tests of a fresh page check).
 */
export async function showAs(page: Page, look: Look): Promise<void> {
  const toolbar = page.getByRole('toolbar', { name: TOOLBAR })
  await page.emulateMedia({ colorScheme: look.colorScheme ?? 'light' })
  await page.setViewportSize({ width: look.width ?? 1280, height: look.height ?? 800 })
  const theme = toolbar.getByRole('button', { name: THEME_BUTTON })
  for (let i = 0; i < 3 && !FOLLOWS_SYSTEM.has((await theme.getAttribute('aria-label')) ?? ''); i++) await theme.click()
  const language = look.language ?? 'en'
  if ((await page.evaluate(() => document.documentElement.lang)) !== language) {
    await toolbar.getByRole('button', { name: LANGUAGE_BUTTON }).click()
    await page.waitForFunction((l) => document.documentElement.lang === l, language)
  }
}

/**
 * Selects the first connection of `grid` (the connection list) whose row has a cell named
 * `cell` (its target's address, say), and waits until the list says it is selected. On a
 * shared page a test's row comes into a list that already has rows, and a click that lands
 * while the list redraws for it can miss: the click is made again until the row is selected.
 */
export async function selectRow(grid: Locator, cell: string): Promise<Locator> {
  const named = grid.page().getByRole('gridcell', { name: cell, exact: true })
  const row = grid.getByRole('row').filter({ has: named }).first()
  await expect
    .poll(async () => {
      if ((await row.getAttribute('aria-selected')) !== 'true') await row.getByRole('gridcell', { name: cell, exact: true }).click()
      return row.getAttribute('aria-selected')
    })
    .toBe('true')
  return row
}

