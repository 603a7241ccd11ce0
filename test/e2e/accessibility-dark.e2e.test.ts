// Accessibility in real Chromium through web mode, in dark and in Chinese:
// - the window's scans in dark (helpers/accessibility-window.ts: every state and dialog, one
//   web mode and one page shared by its tests, one test per state or dialog);
// - in Chinese, the empty window and a form (names must hold their visible Chinese words).
// The window in light and by keyboard is accessibility-light.e2e.test.ts; the protocol views,
// accessibility-views.e2e.test.ts: three files, so vitest's two workers run them side by side.
// A failure lists every problem found, each with where. Selects by role and name only.
import { beforeEach, describe, it } from 'vitest'
import { sharedWebPage } from '../helpers/web-page'
import { dialogState, expectNone, violations } from '../helpers/accessibility'
import { describeWindow } from '../helpers/accessibility-window'
import { chromiumAvailable } from '../helpers/browser'
import { needProgram } from '../helpers/peers'

beforeEach((ctx) => needProgram(ctx, 'chromium (apt-get install chromium)', chromiumAvailable()))

describeWindow('dark')

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
