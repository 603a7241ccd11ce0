// Accessibility checks for end-to-end tests in Chromium: axe-core's WCAG 2.1 A/AA scan of the
// page as it is, and a dialog's round trip (open, scan, Escape, the focus back on its opener).
// Each returns what it found, one line per problem saying where, so one test can list them all.
// And a describe's tests in one theme, on a page shared by both.
import AxeBuilder from '@axe-core/playwright'
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
  rules: { 'label-content-name-mismatch': { enabled: true } }
}

/** Every serious or critical WCAG 2.1 A/AA violation on the page as it is now, one line each: what, how bad, where. */
export async function violations(page: Page, state: string): Promise<string[]> {
  // Legacy mode: axe.run in the page itself. The default opens a blank page per scan to merge
  // each frame's results there; the window has no frames, and the findings are the same.
  const result = await new AxeBuilder({ page }).options(AXE_OPTIONS).setLegacyMode().analyze()
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
