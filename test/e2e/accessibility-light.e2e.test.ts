// Accessibility in real Chromium through web mode, in light:
// - the window's scans in light (helpers/accessibility-window.ts: every state and dialog, one
//   web mode and one page shared by its tests, one test per state or dialog);
// - the two splitters move by keyboard (arrows, Home, End) and say where they are, and Tab
//   goes through the window in the order it is laid out.
// The window in dark and in Chinese is accessibility-dark.e2e.test.ts; the protocol views,
// accessibility-views.e2e.test.ts: three files, so vitest's two workers run them side by side.
// A failure lists every problem found, each with where. Selects by role and name only.
import { beforeEach, describe, expect, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { sharedWebPage } from '../helpers/web-page'
import { describeWindow } from '../helpers/accessibility-window'
import { chromiumAvailable, saveScreenshot } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))

describeWindow('light')

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
    await saveScreenshot(page, 'accessibility-splitter-focus')
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
