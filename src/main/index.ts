// The composition root of the desktop app: one engine per run, recording to a new capture
// file, its IPC, the shell's menu, dialogs and command line, and the window; and a quit
// path that lets the engine finish the capture before the process goes.

// First, before anything that allocates: the process's V8 flags.
import '../core/small-young-generation'
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme } from 'electron'
import { join } from 'node:path'
import { Engine } from '../core/engine'
import type { FileDialogRequest, ShellState } from '../shared/shell'
import { resolveAppLocation } from './app-location'
import { capturePathsFromArgv } from './argv'
import { newCapturePath } from './capture-path'
import { guardClose, closeLabels, type CloseChoice, type CloseGuard } from './close-guard'
import { askWhereToSaveDownloads } from './downloads'
import { chooseFileNatively } from './file-dialogs'
import { serveEngineOverIpc } from './ipc'
import { appMenuTemplate, runMenuAction, type MenuAction } from './menu'
import { menuLabels } from './menu-labels'
import { OpenedFiles, receiveOpenedFiles } from './opened-files'
import { serveShell, ShellPort } from './shell'
import { createWindow } from './window'

/** Past this, quit anyway: the capture format survives a cut, a hung quit helps nobody. */
const ENGINE_CLOSE_TIMEOUT_MS = 5_000

let engine: Engine | undefined
let mainWindow: BrowserWindow | undefined
let shellPort: ShellPort | undefined
let closeGuard: CloseGuard | undefined
/** Quitting waits once for the engine: `closing` holds further quits, `closed` lets them through. */
let engineState: 'open' | 'closing' | 'closed' = 'open'
/** Captures to open: from the command line, a second launch, macOS; held until the page is there. */
const openedFiles = new OpenedFiles()

/** What the menu shows until the page says (it keeps recent files and the user's choices). */
let shellState: ShellState = { recent: [], language: 'en', theme: 'system', canClose: false }

const log = (message: string, err?: unknown): void => (err === undefined ? console.warn(message) : console.error(message, err))

function chooseFile(request: FileDialogRequest): Promise<string | undefined> {
  if (!mainWindow) return Promise.resolve(undefined)
  return chooseFileNatively(dialog, mainWindow, request, shellState.language)
}

function rebuildMenu(dev: boolean): void {
  const act = (action: MenuAction): void => {
    runMenuAction(action, { choose: chooseFile, send: (command) => shellPort?.send(command) }).catch((err: unknown) => log('tcpscope: a menu action failed:', err))
  }
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ dev, platform: process.platform, state: shellState, act })))
}

/** Where a save by a bare name goes at first: Documents, or the home folder where there is none. */
function documentsFolder(): string {
  try {
    return app.getPath('documents')
  } catch {
    return app.getPath('home')
  }
}

/** Where the page's downloads are offered at first: Downloads, or the home folder where there is none. */
function downloadsFolder(): string {
  try {
    return app.getPath('downloads')
  } catch {
    return app.getPath('home')
  }
}

async function start(): Promise<void> {
  const dev = !app.isPackaged
  const location = resolveAppLocation({
    packaged: app.isPackaged,
    devServerUrl: process.env.ELECTRON_RENDERER_URL,
    indexHtmlPath: join(__dirname, '../renderer/index.html')
  })
  let created: Engine
  try {
    // What crossed the proxies is the user's alone: readable by its owner only.
    // The CA lives in userData; the CLI works the same folder out on its own (data-dir.ts).
    created = await Engine.create({ capturePath: newCapturePath(app.getPath('userData')), mode: 0o600, saveFolder: documentsFolder(), dataDir: app.getPath('userData'), keepLastSetup: true })
  } catch (err) {
    dialog.showErrorBox('tcpscope cannot start', err instanceof Error ? err.message : String(err))
    app.exit(1)
    return
  }
  engine = created
  // The page follows the system's language until the user picks one; so does the menu.
  if (app.getLocale().toLowerCase().startsWith('zh')) shellState = { ...shellState, language: 'zh-CN' }
  rebuildMenu(dev)
  app.setAboutPanelOptions({ applicationName: 'tcpscope', applicationVersion: app.getVersion() })

  const win = createWindow({ location, preloadPath: join(__dirname, '../preload/index.js') })
  mainWindow = win
  const trusted = (frame: { url: string }): boolean => location.isAppUrl(frame.url)
  serveEngineOverIpc(ipcMain, created, win.webContents, trusted, log)
  askWhereToSaveDownloads(win.webContents.session, {
    downloads: downloadsFolder,
    words: () => {
      const l = menuLabels(shellState.language)
      return { title: l.saveFile, allFiles: l.allFiles }
    }
  })
  const port = new ShellPort(win.webContents)
  shellPort = port
  serveShell(
    ipcMain,
    win.webContents,
    trusted,
    {
      state: (state) => {
        shellState = state
        // Native dialogs and the title bar follow the page's theme.
        nativeTheme.themeSource = state.theme
        rebuildMenu(dev)
      },
      choose: chooseFile
    },
    log
  )
  openedFiles.add(capturePathsFromArgv(process.argv, { packaged: app.isPackaged, cwd: process.cwd() }))
  openedFiles.connect((path) => port.send({ kind: 'open', path }))
  closeGuard = guardClose(win, closeDeps(created, win), log)
  win.on('closed', () => {
    mainWindow = undefined
    shellPort = undefined
    closeGuard = undefined
    openedFiles.disconnect()
  })
}

/** The close question in the page's language, through the native dialogs the menu uses. */
function closeDeps(created: Engine, win: BrowserWindow): Parameters<typeof guardClose>[1] {
  const choices: CloseChoice[] = ['save', 'discard', 'cancel']
  return {
    unsaved: () => {
      const live = created.captureList()[0]
      return live.unsaved ? live.connections : undefined
    },
    ask: async (connections) => {
      const l = closeLabels(shellState.language)
      const r = await dialog.showMessageBox(win, {
        type: 'question',
        message: l.message(connections),
        detail: l.detail,
        buttons: [l.save, l.discard, l.cancel],
        defaultId: 0,
        cancelId: 2,
        noLink: true
      })
      return choices[r.response] ?? 'cancel'
    },
    choosePath: () => chooseFile({ mode: 'save', defaultPath: created.captureList()[0].saveFolder }),
    // The native save dialog has already asked before replacing a file.
    save: async (path) => {
      try {
        await created['capture.save']({ path })
      } catch (err) {
        // The native save dialog asked already: its yes answers the engine's question.
        const confirm = (err as { confirm?: unknown }).confirm
        if (typeof confirm !== 'string') throw err
        await created['capture.save']({ path, confirm })
      }
    },
    failed: (message) => dialog.showErrorBox(closeLabels(shellState.language).saveFailed, message)
  }
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

// A second launch would record into a second capture beside the first; show this one
// instead, and open the files it was given here.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  // Files double-clicked while the app runs come as a second launch's arguments (Linux,
  // Windows) or as open-file (macOS, which may send them before the app is ready).
  receiveOpenedFiles(app, openedFiles, {
    packaged: app.isPackaged,
    raise: () => {
      if (!mainWindow) return
      if (mainWindow.isMinimized()) mainWindow.restore()
      mainWindow.focus()
    }
  })

  app.on('before-quit', (event) => {
    if (engineState === 'closed' || !engine) return
    // Unsaved connections: the window asks first; when it closes, the quit comes again.
    if (mainWindow && closeGuard?.wouldAsk()) {
      event.preventDefault()
      mainWindow.close()
      return
    }
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
