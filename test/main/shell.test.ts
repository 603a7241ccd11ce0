// The shell's messages with the page: commands wait for the page to load, the page's menu
// state and dialog requests are taken only from the app's own page and only when they fit
// their schemas, and a native dialog's answer comes back as one path.
import { describe, expect, it } from 'vitest'
import type { BrowserWindow, OpenDialogOptions, SaveDialogOptions } from 'electron'
import { ShellPort, serveShell, type DialogHandler, type ShellContents, type ShellIpc, type ShellListener } from '../../src/main/shell'
import { chooseFileNatively, type NativeDialogs } from '../../src/main/file-dialogs'
import { SHELL_COMMAND_CHANNEL, SHELL_DIALOG_CHANNEL, SHELL_STATE_CHANNEL, type FileDialogRequest, type ShellCommand, type ShellState } from '../../src/shared/shell'
import { APP_FRAME } from '../helpers/front-ends'
import type { SenderFrame } from '../../src/main/ipc'

class FakeContents implements ShellContents {
  readonly sent: Array<[string, ShellCommand]> = []
  loading = true
  destroyed = false
  private readonly listeners = new Map<string, Array<() => void>>()
  send(channel: string, message: ShellCommand): void {
    this.sent.push([channel, message])
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  isLoading(): boolean {
    return this.loading
  }
  on(event: string, listener: () => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }
  emit(event: 'did-finish-load' | 'destroyed'): void {
    if (event === 'did-finish-load') this.loading = false
    if (event === 'destroyed') this.destroyed = true
    for (const l of this.listeners.get(event) ?? []) l()
  }
}

class FakeIpc implements ShellIpc {
  readonly listeners = new Map<string, ShellListener>()
  readonly handlers = new Map<string, DialogHandler>()
  on(channel: string, listener: ShellListener): this {
    this.listeners.set(channel, listener)
    return this
  }
  removeListener(channel: string): this {
    this.listeners.delete(channel)
    return this
  }
  handle(channel: string, handler: DialogHandler): void {
    this.handlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}

const STATE: ShellState = { recent: ['/data/a.tcap'], language: 'zh-CN', theme: 'dark', canClose: false }

describe('commands to the page', () => {
  it('wait while the page loads, then go in order; later ones go at once', () => {
    const contents = new FakeContents()
    const port = new ShellPort(contents)
    port.send({ kind: 'open', path: '/data/a.tcap' })
    port.send({ kind: 'open', path: '/data/b.tcap' })
    expect(contents.sent).toEqual([])
    contents.emit('did-finish-load')
    port.send({ kind: 'shortcuts' })
    expect(contents.sent).toEqual([
      [SHELL_COMMAND_CHANNEL, { kind: 'open', path: '/data/a.tcap' }],
      [SHELL_COMMAND_CHANNEL, { kind: 'open', path: '/data/b.tcap' }],
      [SHELL_COMMAND_CHANNEL, { kind: 'shortcuts' }]
    ])
  })

  it('go nowhere once the window is gone', () => {
    const contents = new FakeContents()
    const port = new ShellPort(contents)
    contents.emit('did-finish-load')
    contents.emit('destroyed')
    port.send({ kind: 'shortcuts' })
    expect(contents.sent).toEqual([])
  })
})

function serve(frame: SenderFrame | null = APP_FRAME) {
  const ipc = new FakeIpc()
  const contents = new FakeContents()
  const states: ShellState[] = []
  const asked: FileDialogRequest[] = []
  const logged: string[] = []
  serveShell(
    ipc,
    contents,
    (f) => f.url === APP_FRAME.url,
    {
      state: (s) => states.push(s),
      choose: async (r) => {
        asked.push(r)
        return r.mode === 'open' ? '/data/picked.tcap' : undefined
      }
    },
    (m) => logged.push(m)
  )
  const event = { sender: contents, senderFrame: frame }
  return {
    ipc,
    contents,
    states,
    asked,
    logged,
    sendState: (state: unknown) => ipc.listeners.get(SHELL_STATE_CHANNEL)!(event, state),
    dialog: (request: unknown) => ipc.handlers.get(SHELL_DIALOG_CHANNEL)!(event, request)
  }
}

describe("the page's messages", () => {
  it('menu state from the app page is taken as it is', () => {
    const s = serve()
    s.sendState(STATE)
    expect(s.states).toEqual([STATE])
    expect(s.logged).toEqual([])
  })

  it('menu state that does not fit is refused and logged', () => {
    const s = serve()
    s.sendState({ ...STATE, theme: 'neon' })
    s.sendState({ ...STATE, recent: Array.from({ length: 11 }, (_, i) => `/f${i}`) })
    s.sendState({ ...STATE, extra: 1 })
    expect(s.states).toEqual([])
    expect(s.logged).toEqual([
      'tcpscope: refused a menu state: state.theme: expected one of system, light, dark, got "neon"',
      'tcpscope: refused a menu state: state.recent: expected at most 10 items, got 11',
      'tcpscope: refused a menu state: state.extra: unknown field'
    ])
  })

  it.each([
    ['a sub-frame of the app', { url: APP_FRAME.url, parent: APP_FRAME }],
    ['another page', { url: 'https://evil.example/', parent: null }],
    ['a frame that is gone', null]
  ])('%s is refused: no state, no dialog', async (_what, frame) => {
    const s = serve(frame)
    s.sendState(STATE)
    await expect(s.dialog({ mode: 'open' })).rejects.toThrow('refused')
    expect(s.states).toEqual([])
    expect(s.asked).toEqual([])
    expect(s.logged).toHaveLength(2)
    expect(s.logged[0]).toMatch(/^tcpscope: refused a menu state: /)
  })

  it('a dialog request answers the chosen path, or null when cancelled', async () => {
    const s = serve()
    expect(await s.dialog({ mode: 'open', defaultPath: '/data/a.tcap' })).toBe('/data/picked.tcap')
    expect(await s.dialog({ mode: 'save' })).toBeNull()
    await expect(s.dialog({ mode: 'delete' })).rejects.toThrow('refused')
    expect(s.asked).toEqual([{ mode: 'open', defaultPath: '/data/a.tcap' }, { mode: 'save' }])
  })

  it('stops listening when the window is destroyed', () => {
    const s = serve()
    s.contents.emit('destroyed')
    expect(s.ipc.listeners.size + s.ipc.handlers.size).toBe(0)
  })
})

describe('native dialogs', () => {
  function dialogs(answer: { canceled: boolean; filePaths?: string[]; filePath?: string }) {
    const shown: Array<['open', OpenDialogOptions] | ['save', SaveDialogOptions]> = []
    const d: NativeDialogs = {
      showOpenDialog: async (_w, o) => {
        shown.push(['open', o])
        return { canceled: answer.canceled, filePaths: answer.filePaths ?? [] }
      },
      showSaveDialog: async (_w, o) => {
        shown.push(['save', o])
        return { canceled: answer.canceled, filePath: answer.filePath ?? '' }
      }
    }
    return { d, shown }
  }
  const win = {} as BrowserWindow

  it('open: one file, captures first in the filter, in the page language', async () => {
    const { d, shown } = dialogs({ canceled: false, filePaths: ['/data/x.tcap'] })
    expect(await chooseFileNatively(d, win, { mode: 'open' }, 'zh-CN')).toBe('/data/x.tcap')
    const [kind, options] = shown[0]
    expect(kind).toBe('open')
    expect(options).toMatchObject({ title: '打开抓包…', properties: ['openFile'], filters: [{ name: 'tcpscope 抓包文件', extensions: ['tcap', 'tcpscope'] }, { extensions: ['*'] }] })
  })

  it('save: the chosen path; the dialog itself confirms replacing a file', async () => {
    const { d, shown } = dialogs({ canceled: false, filePath: '/data/copy.tcap' })
    expect(await chooseFileNatively(d, win, { mode: 'save', defaultPath: '/data/a.tcap' }, 'en')).toBe('/data/copy.tcap')
    expect(shown[0][1]).toMatchObject({ defaultPath: '/data/a.tcap', properties: expect.arrayContaining(['showOverwriteConfirmation']) })
  })

  it('cancelled: no path', async () => {
    expect(await chooseFileNatively(dialogs({ canceled: true }).d, win, { mode: 'open' }, 'en')).toBeUndefined()
    expect(await chooseFileNatively(dialogs({ canceled: true }).d, win, { mode: 'save' }, 'en')).toBeUndefined()
  })
})
