// The desktop app's composition root with Electron faked and a real engine: a capture
// double-clicked on macOS before the app is ready opens once the page has loaded, after
// nothing and before the command line's; a second launch's file opens in the same window;
// the window's downloads ask where to go with the page's name; and a quit lets the engine
// close first.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { SHELL_COMMAND_CHANNEL } from '../../src/shared/shell'

type Listener = (...args: never[]) => unknown

const fake = vi.hoisted(() => {
  class Emitter {
    readonly listeners = new Map<string, Listener[]>()
    on(event: string, listener: Listener): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
      return this
    }
    once(event: string, listener: Listener): this {
      return this.on(event, listener)
    }
    emit(event: string, ...args: unknown[]): void {
      for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => unknown)(...args)
    }
  }
  class FakeSession extends Emitter {
    setPermissionRequestHandler(): void {}
    setPermissionCheckHandler(): void {}
  }
  class FakeWebContents extends Emitter {
    readonly session = new FakeSession()
    readonly sent: Array<[string, unknown]> = []
    loading = true
    send(channel: string, message: unknown): void {
      this.sent.push([channel, message])
    }
    isLoading(): boolean {
      return this.loading
    }
    isDestroyed(): boolean {
      return false
    }
    setWindowOpenHandler(): void {}
    finishLoad(): void {
      this.loading = false
      this.emit('did-finish-load')
    }
  }
  class FakeBrowserWindow extends Emitter {
    static created: FakeBrowserWindow[] = []
    readonly webContents = new FakeWebContents()
    focused = 0
    constructor() {
      super()
      FakeBrowserWindow.created.push(this)
    }
    loadURL(): Promise<void> {
      return Promise.resolve()
    }
    isMinimized(): boolean {
      return false
    }
    restore(): void {}
    focus(): void {
      this.focused++
    }
    close(): void {}
    show(): void {}
  }
  let ready: () => void = () => undefined
  const whenReady = new Promise<void>((resolve) => (ready = resolve))
  const app = Object.assign(new Emitter(), {
    isPackaged: true,
    paths: {} as Record<string, string>,
    quit: vi.fn(),
    exit: vi.fn(),
    ready: () => ready(),
    whenReady: () => whenReady,
    requestSingleInstanceLock: () => true,
    getPath(name: string): string {
      return app.paths[name]
    },
    getLocale: () => 'en-US',
    getVersion: () => '0.1.0',
    setAboutPanelOptions(): void {}
  })
  const ipcMain = { on(): void {}, handle(): void {}, removeListener(): void {}, removeHandler(): void {} }
  return {
    FakeBrowserWindow,
    electron: {
      app,
      BrowserWindow: FakeBrowserWindow,
      ipcMain,
      dialog: { showErrorBox: vi.fn(), showMessageBox: vi.fn(), showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
      Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu(): void {} },
      nativeTheme: { themeSource: 'system' },
      shell: { openExternal: () => Promise.resolve() }
    }
  }
})
vi.mock('electron', () => fake.electron)

const home = mkdtempSync(join(tmpdir(), 'tcpscope-app-'))
const { app } = fake.electron
for (const name of ['userData', 'documents', 'downloads', 'home']) {
  app.paths[name] = join(home, name)
  mkdirSync(app.paths[name], { recursive: true })
}
const argv = process.argv
process.argv = ['/opt/tcpscope/tcpscope', '/data/from-argv.tcap']

afterAll(() => {
  process.argv = argv
  rmSync(home, { recursive: true, force: true })
})

describe('the desktop app', () => {
  it('opens double-clicked captures, asks where downloads go, and closes the engine before quitting', async () => {
    await import('../../src/main/index')
    // macOS may send open-file before ready: taken (not refused), and held.
    let handled = false
    app.emit('open-file', { preventDefault: () => (handled = true) }, '/Users/me/early.tcpscope')
    expect(handled).toBe(true)

    app.ready()
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.created).toHaveLength(1), { timeout: 30_000 })
    const win = fake.FakeBrowserWindow.created[0]
    const opened = (): unknown[] => win.webContents.sent.filter(([channel]) => channel === SHELL_COMMAND_CHANNEL).map(([, m]) => m)
    // Held until the page has loaded and listens.
    expect(opened()).toEqual([])
    win.webContents.finishLoad()
    expect(opened()).toEqual([
      { kind: 'open', path: '/Users/me/early.tcpscope' },
      { kind: 'open', path: '/data/from-argv.tcap' }
    ])

    app.emit('second-instance', {}, ['/opt/tcpscope/tcpscope', 'later.tcpscope'], '/home/me')
    expect(opened().at(-1)).toEqual({ kind: 'open', path: '/home/me/later.tcpscope' })
    expect(win.focused).toBe(1)

    const item = { getFilename: () => 'capture-1.har', setSaveDialogOptions: vi.fn(), setSavePath: vi.fn(), getSavePath: () => '', once: vi.fn() }
    win.webContents.session.emit('will-download', {}, item)
    expect(item.setSaveDialogOptions).toHaveBeenCalledWith(expect.objectContaining({ defaultPath: join(app.paths.downloads, 'capture-1.har') }))
    expect(item.setSavePath).not.toHaveBeenCalled()

    // Nothing was recorded, so nothing asks: the quit waits for the engine, then goes.
    let held = false
    app.emit('before-quit', { preventDefault: () => (held = true) })
    expect(held).toBe(true)
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled(), { timeout: 30_000 })
  })
})
