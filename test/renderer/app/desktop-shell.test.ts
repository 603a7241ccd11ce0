// @vitest-environment jsdom
// In the desktop app, the menu's and the command line's commands run through the page's
// own actions, the menu is kept showing the page's state, and a dropped file is opened
// where it is instead of being uploaded.
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CaptureInfo } from '../../../src/shared/capture-types'
import { EngineError } from '../../../src/shared/errors'
import type { ShellCommand, ShellState } from '../../../src/shared/shell'
import type { TcpscopeBridge } from '../../../src/preload/bridge'
import { useDesktopShell } from '../../../src/renderer/src/app/useDesktopShell'
import { useConnectionsStore } from '../../../src/renderer/src/features/connections/connections-store'
import { useDocumentsStore } from '../../../src/renderer/src/features/files/documents-store'
import { useEngineStore } from '../../../src/renderer/src/platform/engine-store'
import { useReplayCaptureStore } from '../../../src/renderer/src/features/replay/capture/replay-capture-store'
import { useSettingsStore } from '../../../src/renderer/src/features/settings/settings-store'
import { fakeTransport } from '../fake-transport'
import { flushPromises } from '../../helpers/flush-promises'

const info = (id: string, path: string): CaptureInfo => ({ id, name: path.split('/').pop()!, path, size: 1, connections: 1, live: false })

function fakeBridge() {
  let listener: ((c: ShellCommand) => void) | undefined
  const states: ShellState[] = []
  const bridge: TcpscopeBridge = {
    send: () => undefined,
    onFrame: () => () => undefined,
    onShellCommand: (l) => {
      listener = l
      return () => (listener = undefined)
    },
    setShellState: (s) => states.push(s),
    chooseFile: async () => null,
    pathForFile: (file) => `/home/me/${file.name}`
  }
  return { bridge, states, command: (c: ShellCommand) => listener?.(c), listening: () => listener !== undefined }
}

let shortcuts = 0
let starts = 0
function setup() {
  localStorage.clear()
  setActivePinia(createPinia())
  const b = fakeBridge()
  Object.defineProperty(window, 'tcpscope', { value: b.bridge, configurable: true })
  const t = fakeTransport({
    'conn.page': ({ offset }) => ({ total: 0, offset, rows: [] }),
    'capture.open': ({ path }) => info('f1', path),
    // A capture is there already: the engine wants the token it hands out.
    'capture.save': ({ path, confirm }) => {
      if (confirm !== 'tok') throw new EngineError('EEXIST', `${path} already exists (a tcpscope capture, 1 B); replace it?`, 'tok')
      return { path, size: 1, connections: 4 }
    },
    'capture.close': () => undefined
  })
  useEngineStore().attach(t.transport)
  const Host = defineComponent({
    setup: () => useDesktopShell({ showShortcuts: () => shortcuts++, showStart: () => starts++ }),
    render: () => h('div')
  })
  const wrapper = mount(Host)
  return { ...b, t, wrapper }
}

beforeEach(() => {
  shortcuts = 0
  starts = 0
})
afterEach(() => {
  Reflect.deleteProperty(window, 'tcpscope')
})

describe('the desktop shell in the page', () => {
  it('opens what the menu or the command line names, as the Open dialog would', async () => {
    const s = setup()
    s.command({ kind: 'open', path: '/data/a.tcap' })
    await flushPromises()
    expect(s.t.calls.filter((c) => c.cmd === 'capture.open').map((c) => c.args)).toEqual([{ path: '/data/a.tcap' }])
    expect(useConnectionsStore().capture).toBe('f1')
    expect(useSettingsStore().recent).toEqual(['/data/a.tcap'])
  })

  it('saves where the native dialog said, replacing a file the dialog already asked about', async () => {
    const s = setup()
    s.command({ kind: 'save', path: '/data/copy.tcap' })
    await flushPromises()
    // The native dialog asked: the page sends the engine's token straight back, asking nothing more.
    expect(s.t.calls.filter((c) => c.cmd === 'capture.save').map((c) => c.args)).toEqual([{ path: '/data/copy.tcap' }, { path: '/data/copy.tcap', confirm: 'tok' }])
    expect(useDocumentsStore().question).toBeUndefined()
    expect(useDocumentsStore().outcome).toEqual({ kind: 'saved', path: '/data/copy.tcap', connections: 4 })
  })

  it('language, theme and shortcuts from the menu', () => {
    const s = setup()
    s.command({ kind: 'language', language: 'zh-CN' })
    s.command({ kind: 'theme', theme: 'dark' })
    s.command({ kind: 'shortcuts' })
    s.command({ kind: 'start-panel' })
    expect([useSettingsStore().language, useSettingsStore().theme, shortcuts, starts]).toEqual(['zh-CN', 'dark', 1, 1])
  })

  it('Replay capture from the menu opens the replay dialog on the list filter', () => {
    const s = setup()
    useConnectionsStore().filter = 'port:80'
    s.command({ kind: 'replay-capture' })
    expect([useReplayCaptureStore().shown, useReplayCaptureStore().stage, useReplayCaptureStore().draft.filter]).toEqual([true, 'form', 'port:80'])
  })

  it('tells the menu the recent files, language, theme, and whether a capture can be closed', async () => {
    const s = setup()
    const settings = useSettingsStore()
    expect(s.states.at(-1)).toEqual({ recent: [], language: settings.language, theme: 'system', canClose: false })
    s.command({ kind: 'open', path: '/data/a.tcap' })
    await flushPromises()
    expect(s.states.at(-1)).toEqual({ recent: ['/data/a.tcap'], language: settings.language, theme: 'system', canClose: true })
    s.command({ kind: 'close-capture' })
    await flushPromises()
    expect(s.t.calls.filter((c) => c.cmd === 'capture.close').map((c) => c.args)).toEqual([{ capture: 'f1' }])
    expect(s.states.at(-1)?.canClose).toBe(false)
  })

  it('a dropped file is opened where it is on disk, not uploaded', async () => {
    const s = setup()
    await useDocumentsStore().openFiles([new File(['x'], 'dropped.tcap')])
    expect(s.t.calls.filter((c) => c.cmd.startsWith('capture.')).map((c) => [c.cmd, c.args])).toEqual([['capture.open', { path: '/home/me/dropped.tcap' }]])
  })

  it('stops listening when the page goes', () => {
    const s = setup()
    expect(s.listening()).toBe(true)
    s.wrapper.unmount()
    expect(s.listening()).toBe(false)
  })
})
