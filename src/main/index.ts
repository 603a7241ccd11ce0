// The composition root of the desktop app: one engine per run, recording to a new capture
// file, its IPC, the menu and the window; and a quit path that lets the engine finish the
// capture before the process goes.

import { app, BrowserWindow, dialog, ipcMain, Menu } from 'electron'
import { join } from 'node:path'
import { Engine } from '../core/engine'
import { resolveAppLocation } from './app-location'
import { newCapturePath } from './capture-path'
import { serveEngineOverIpc } from './ipc'
import { appMenuTemplate } from './menu'
import { createWindow } from './window'

/** Past this, quit anyway: the capture format survives a cut, a hung quit helps nobody. */
const ENGINE_CLOSE_TIMEOUT_MS = 5_000

let engine: Engine | undefined
let mainWindow: BrowserWindow | undefined
/** Quitting waits once for the engine: `closing` holds further quits, `closed` lets them through. */
let engineState: 'open' | 'closing' | 'closed' = 'open'

async function start(): Promise<void> {
  const dev = !app.isPackaged
  const location = resolveAppLocation({
    packaged: app.isPackaged,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    indexHtmlPath: join(__dirname, '../renderer/index.html')
  })
  let created: Engine
  try {
    created = await Engine.create({ capturePath: newCapturePath(app.getPath('userData')) })
  } catch (err) {
    dialog.showErrorBox('tcpscope cannot start', err instanceof Error ? err.message : String(err))
    app.exit(1)
    return
  }
  engine = created
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ dev, platform: process.platform })))
  app.setAboutPanelOptions({ applicationName: 'tcpscope', applicationVersion: app.getVersion() })

  mainWindow = createWindow({ location, preloadPath: join(__dirname, '../preload/index.js') })
  serveEngineOverIpc(ipcMain, created, mainWindow.webContents, (frame) => location.isAppUrl(frame.url), (message, err) =>
    err === undefined ? console.warn(message) : console.error(message, err)
  )
  mainWindow.on('closed', () => {
    mainWindow = undefined
  })
}

async function closeEngine(): Promise<void> {
  if (!engine) return
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error('tcpscope: the engine did not close in time; quitting anyway')
      resolve()
    }, ENGINE_CLOSE_TIMEOUT_MS)
  })
  try {
    await Promise.race([engine.close(), timeout])
  } catch (err) {
    console.error('tcpscope: closing the engine failed:', err)
  } finally {
    clearTimeout(timer)
  }
}

// A second launch would record into a second capture beside the first; show this one instead.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  app.on('before-quit', (event) => {
    if (engineState === 'closed' || !engine) return
    // Hold the quit until the capture is complete on disk, then quit for real.
    event.preventDefault()
    if (engineState === 'closing') return
    engineState = 'closing'
    void closeEngine().finally(() => {
      engineState = 'closed'
      app.quit()
    })
  })

  // The engine lives only as long as its window: with no window there is nothing to show it.
  app.on('window-all-closed', () => app.quit())

  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('tcpscope: startup failed:', err)
      app.exit(1)
    })
}
