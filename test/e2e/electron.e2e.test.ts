// The desktop app itself, through Playwright's Electron driver: the window opens, shows the
// connection list, opens a capture named on the command line, and has the File menu. Where
// Electron's binary is not installed (as on machines that install with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1) the test is skipped, saying so; everything the window
// shows is tested in Chromium through web mode instead.
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { _electron, type ElectronApplication } from 'playwright-core'
import { tempDir } from '../helpers/net'
import { electronBinary } from '../helpers/electron'
import { saveScreenshot } from '../helpers/browser'
import { writeSampleCapture } from '../helpers/sample-capture'

const root = resolve(__dirname, '../..')
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the desktop app', () => {
  it('opens its window with the connection list, opens a capture named on the command line, and has a File menu', async (ctx) => {
    const binary = electronBinary()
    if ('missing' in binary) return ctx.skip(`no Electron to run: ${binary.missing}`)

    // The global setup builds the renderer and the CLI; the app needs main and preload too.
    execFileSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' })
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const sample = join(dir, 'from-argv.tcap')
    await writeSampleCapture(sample, { connections: 2 })

    const app: ElectronApplication = await _electron.launch({
      executablePath: binary.path,
      args: [join(root, 'out/main/index.js'), sample],
      cwd: root,
      // Its own profile and captures folder, not the user's.
      env: { ...process.env, XDG_CONFIG_HOME: dir, HOME: dir }
    })
    cleanups.push(() => app.close())
    const page = await app.firstWindow()
    await page.getByRole('grid', { name: 'Connections' }).waitFor()
    await page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: /^from-argv\.tcap 2$/ }).waitFor()
    await saveScreenshot(page, 'electron-window')
    const menus = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.items.map((i) => i.label.replace('&', '')) ?? [])
    expect(menus).toEqual(expect.arrayContaining(['File', 'View', 'Help']))
  })
})
