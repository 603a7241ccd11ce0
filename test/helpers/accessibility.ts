// Accessibility checks for end-to-end tests in Chromium: axe-core's WCAG 2.1 A/AA scan of the
// page as it is, and a dialog's round trip (open, scan, Escape, the focus back on its opener).
// Each returns what it found, one line per problem saying where, so one test can list them all.
// And a describe's tests in one theme, on a page shared by both.
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { beforeAll, describe, expect } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { chromiumAvailable } from './browser'
import type { SharedPage } from './web-page'

/** The window's two themes: it follows the system's (prefers-color-scheme) until the user picks one. */
export type Scheme = 'light' | 'dark'
export const SCHEMES: readonly Scheme[] = ['light', 'dark']

const AXE_OPTIONS = {
  runOnly: { type: 'tag' as const, values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  // WCAG 2.5.3 (a control's name contains its visible label): axe marks its rule experimental,
  // and a scan by tags leaves experimental rules out unless asked.
  rules: { 'label-content-name-mismatch': { enabled: true } },
  // Only violations are read: axe still runs every rule on every node, but gathers no list of
  // what passed, and none crosses back from the page. A scan took 224 ms instead of 407 on
  // average over accessibility-dark's 56 (two runs each way, 2 cores, nothing else running).
  resultTypes: ['violations' as const],
  reporter: 'no-passes' as const
}

/**
 * The axe-core that @axe-core/playwright runs (4.13), which the suite has always scanned with.
 * The newer one at the top of node_modules (4.14) fails the Chinese sort button of the
 * duration column on WCAG 2.5.3 (name "按时长排序", column "时长"), where 4.13 passes it and
 * every other column's: that rule's handling of CJK text is an open issue upstream
 * (dequelabs/axe-core#5308); moving to 4.14 is a change of its own.
 */
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js', { paths: [dirname(require.resolve('@axe-core/playwright'))] })

/** axe-core itself, as a script for the page; read once per test file. */
let axeSource: string | undefined

/**
 * Every serious or critical WCAG 2.1 A/AA violation on the page as it is now, one line each:
 * what, how bad, where.
 */
export async function violations(page: Page, state: string): Promise<string[]> {
  // axe.run in the page itself, axe put in once per page load. The window has no frames, so
  // @axe-core/playwright's runner (legacy mode) found the same, but it evaluated axe's 550 KB
  // in the page twice for each scan: about a third of a scan's time, 160 ms each on two cores.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate((axeSource ??= readFileSync(AXE_SCRIPT, 'utf8')))
  const result = await page.evaluate((options) => (window as unknown as { axe: typeof import('axe-core') }).axe.run(document, options), AXE_OPTIONS)
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${state}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/** Whether `l` has the focus, within a moment. */
async function focusComesTo(l: Locator): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (await l.evaluate((el) => el === document.activeElement)) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

/**
 * Opens a dialog with `open`, scans it, closes it with Escape and checks the focus went back
 * to `returnsTo` (the control that opened it, or the menu's button when a menu item did).
 */
export async function dialogState(page: Page, found: string[], name: string | RegExp, open: () => Promise<unknown>, returnsTo: Locator, state: string): Promise<void> {
  await open()
  const dialog = page.getByRole('dialog', { name })
  await dialog.waitFor()
  found.push(...(await violations(page, state)))
  await page.keyboard.press('Escape')
  await dialog.waitFor({ state: 'detached' })
  if (!(await focusComesTo(returnsTo))) {
    const at = await page.evaluate(() => document.activeElement?.outerHTML.replace(/\s+/g, ' ').slice(0, 80))
    found.push(`${state}: Escape left the focus on ${at}, not on what opened the dialog`)
  }
}

/** Fails with every problem found, one a line. */
export function expectNone(found: string[]): void {
  expect(found, found.join('\n')).toEqual([])
}

/**
 * `body`'s tests in a describe named for `scheme`, on the shared page in that theme. The page
 * follows the system's theme (prefers-color-scheme), so one web mode, its traffic and one
 * page serve both themes: starting another web mode is most of a describe's cost. Changing
 * theme loads the page again, so each theme's tests start from a page that opened in it, as
 * a page of its own would, whatever the other theme's tests left open.
 */
export function describeInScheme(shared: SharedPage, scheme: Scheme, body: () => void): void {
  describe(scheme, () => {
    beforeAll(async () => {
      if (!chromiumAvailable()) return
      const dark = scheme === 'dark'
      if ((await shared.page.evaluate(() => document.documentElement.classList.contains('dark'))) === dark) return
      await shared.page.emulateMedia({ colorScheme: scheme })
      await shared.reload()
      await shared.page.waitForFunction((d) => document.documentElement.classList.contains('dark') === d, dark)
    })
    body()
  })
}
