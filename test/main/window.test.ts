// The window's containment: secure web preferences, navigation and pop-up guards, external
// links only for web pages, and every permission denied. Electron itself is faked.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { devServerLocation, fileLocation } from '../../src/main/app-location'

type Listener = (...args: unknown[]) => unknown

const electron = vi.hoisted(() => {
  class FakeSession {
    requestHandler: Listener | undefined
    checkHandler: Listener | undefined
    setPermissionRequestHandler(handler: Listener): void {
      this.requestHandler = handler
    }
    setPermissionCheckHandler(handler: Listener): void {
      this.checkHandler = handler
    }
  }
  class FakeWebContents {
    readonly session = new FakeSession()
    readonly listeners = new Map<string, Listener[]>()
    windowOpenHandler: Listener | undefined
    on(event: string, listener: Listener): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
      return this
    }
    setWindowOpenHandler(handler: Listener): void {
      this.windowOpenHandler = handler
    }
    /** Emits like Electron does for will-navigate: an event carrying the url. */
    navigate(event: 'will-navigate' | 'will-redirect', url: string): boolean {
      let prevented = false
      for (const l of this.listeners.get(event) ?? []) l({ url, preventDefault: () => (prevented = true) })
      return prevented
    }
  }
  class FakeBrowserWindow {
    static created: FakeBrowserWindow[] = []
    readonly webContents = new FakeWebContents()
    loaded: string | undefined
    constructor(readonly options: Record<string, unknown>) {
      FakeBrowserWindow.created.push(this)
    }
    once(): this {
      return this
    }
    loadURL(url: string): Promise<void> {
      this.loaded = url
      return Promise.resolve()
    }
  }
  return { BrowserWindow: FakeBrowserWindow, shell: { openExternal: vi.fn(() => Promise.resolve()) } }
})
vi.mock('electron', () => electron)

const { createWindow, isExternalWebUrl, navigationAction } = await import('../../src/main/window')

const app = fileLocation('/opt/tcpscope/out/renderer/index.html')

function openWindow() {
  createWindow({ location: app, preloadPath: '/opt/tcpscope/out/preload/index.js' })
  return electron.BrowserWindow.created.at(-1)!
}

beforeEach(() => {
  electron.shell.openExternal.mockClear()
})

describe('web preferences', () => {
  it('isolate and sandbox the page, with no Node and no webviews, and it loads the app', () => {
    const win = openWindow()
    expect(win.options.webPreferences).toEqual({
      preload: '/opt/tcpscope/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false
    })
    expect(win.loaded).toBe('file:///opt/tcpscope/out/renderer/index.html')
  })
})

describe('navigation', () => {
  it("stays only on the app's own page", () => {
    const { webContents } = openWindow()
    expect(webContents.navigate('will-navigate', `${app.url}#/conn/1`)).toBe(false)
    expect(webContents.navigate('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(webContents.navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(webContents.navigate('will-redirect', 'http://127.0.0.1:8080/')).toBe(true)
  })

  it('hands web pages to the browser, and nothing else', () => {
    const { webContents } = openWindow()
    webContents.navigate('will-navigate', 'https://example.com/docs')
    webContents.navigate('will-navigate', 'file:///etc/passwd')
    webContents.navigate('will-navigate', 'smb://host/share')
    expect(electron.shell.openExternal.mock.calls).toEqual([['https://example.com/docs']])
  })

  it('opens no windows; web links go to the browser', () => {
    const { webContents } = openWindow()
    const open = webContents.windowOpenHandler!
    expect(open({ url: 'https://example.com/' })).toEqual({ action: 'deny' })
    expect(open({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(open({ url: app.url })).toEqual({ action: 'deny' })
    expect(electron.shell.openExternal.mock.calls).toEqual([['https://example.com/']])
  })

  it('refuses webviews', () => {
    const { webContents } = openWindow()
    const event = { preventDefault: vi.fn() }
    for (const l of webContents.listeners.get('will-attach-webview') ?? []) l(event)
    expect(event.preventDefault).toHaveBeenCalled()
  })

  it('classifies URLs', () => {
    expect(navigationAction(app.url, app)).toBe('allow')
    expect(navigationAction('http://example.com/', app)).toBe('open-external')
    expect(navigationAction('file:///opt/tcpscope/out/renderer/other.html', app)).toBe('deny')
    expect(navigationAction('not a url', app)).toBe('deny')
    expect(isExternalWebUrl('HTTPS://EXAMPLE.COM')).toBe(true)
    expect(isExternalWebUrl('mailto:a@b.c')).toBe(false)
  })

  it('in development, allows the dev server origin only', () => {
    const dev = devServerLocation('http://localhost:5173/')
    expect(navigationAction('http://localhost:5173/src/App.vue', dev)).toBe('allow')
    expect(navigationAction('http://localhost:5174/', dev)).toBe('open-external')
    expect(navigationAction('file:///opt/tcpscope/out/renderer/index.html', dev)).toBe('deny')
  })
})

describe('permissions', () => {
  it('are all denied, asked or checked', () => {
    const { webContents } = openWindow()
    const callback = vi.fn()
    webContents.session.requestHandler!(webContents, 'media', callback, {})
    webContents.session.requestHandler!(webContents, 'notifications', callback, {})
    expect(callback.mock.calls).toEqual([[false], [false]])
    expect(webContents.session.checkHandler!(webContents, 'clipboard-read', 'file://', {})).toBe(false)
  })
})
