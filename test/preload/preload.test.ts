// What the page gets from the preload: a frame port (send, onFrame) on the one frame
// channel, the shell's typed messages (commands in, menu state and file dialogs out, the
// path of a dropped file), never Electron's event object, and no ipcRenderer.
import { describe, expect, it, vi } from 'vitest'
import { FRAME_CHANNEL } from '../../src/shared/transport'
import { SHELL_COMMAND_CHANNEL, SHELL_DIALOG_CHANNEL, SHELL_STATE_CHANNEL, type ShellState } from '../../src/shared/shell'
import type { TcpscopeBridge } from '../../src/preload/bridge'

type Listener = (...args: unknown[]) => void

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Listener[]>()
  const ipcRenderer = {
    invoke: vi.fn(),
    send: vi.fn(),
    sendSync: vi.fn(),
    on(channel: string, listener: Listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener])
      return ipcRenderer
    },
    removeListener(channel: string, listener: Listener) {
      listeners.set(channel, (listeners.get(channel) ?? []).filter((l) => l !== listener))
      return ipcRenderer
    },
    /** What Electron does on a message from main: the listener gets its event object first. */
    deliver(channel: string, payload: unknown) {
      for (const l of listeners.get(channel) ?? []) l({ sender: ipcRenderer, senderId: 0, ports: [] }, payload)
    },
    listenerCount: (channel: string) => (listeners.get(channel) ?? []).length
  }
  const contextBridge = { exposeInMainWorld: vi.fn<(key: string, api: unknown) => void>() }
  const webUtils = { getPathForFile: vi.fn((file: { name: string }) => `/home/me/${file.name}`) }
  return { ipcRenderer, contextBridge, webUtils }
})
vi.mock('electron', () => ({ ipcRenderer: electron.ipcRenderer, contextBridge: electron.contextBridge, webUtils: electron.webUtils }))

await import('../../src/preload/index')
const [exposedKey, exposed] = electron.contextBridge.exposeInMainWorld.mock.calls[0]
const api = exposed as TcpscopeBridge

describe('preload bridge', () => {
  it('exposes one object, window.tcpscope, with exactly the frame port and the shell functions', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(exposedKey).toBe('tcpscope')
    expect(Object.keys(api).sort()).toEqual(['chooseFile', 'onFrame', 'onShellCommand', 'pathForFile', 'send', 'setShellState'])
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('never exposes ipcRenderer or its functions', () => {
    const values = Object.values(api) as unknown[]
    expect(values).not.toContain(electron.ipcRenderer)
    expect(values).not.toContain(electron.ipcRenderer.send)
    expect(values).not.toContain(electron.ipcRenderer.invoke)
  })

  it('sends frames of bytes on the frame channel, and nothing else', () => {
    const frame = new Uint8Array([1, 2, 3, 4])
    api.send(frame)
    expect(electron.ipcRenderer.send).toHaveBeenCalledWith(FRAME_CHANNEL, frame)
    expect(() => api.send('{"t":"call"}' as unknown as Uint8Array)).toThrow(TypeError)
    expect(electron.ipcRenderer.send).toHaveBeenCalledTimes(1)
  })

  it('hands the page frames without the event object, drops anything that is not bytes, and unsubscribes', () => {
    const got: unknown[][] = []
    const off = api.onFrame((...args: unknown[]) => got.push(args))
    electron.ipcRenderer.deliver(FRAME_CHANNEL, new Uint8Array([9]))
    electron.ipcRenderer.deliver(FRAME_CHANNEL, { not: 'bytes' })
    expect(got).toEqual([[new Uint8Array([9])]])
    off()
    expect(electron.ipcRenderer.listenerCount(FRAME_CHANNEL)).toBe(0)
  })

  it('hands the page shell commands without the event object, and unsubscribes', () => {
    const got: unknown[][] = []
    const off = api.onShellCommand((...args: unknown[]) => got.push(args))
    electron.ipcRenderer.deliver(SHELL_COMMAND_CHANNEL, { kind: 'open', path: '/data/a.tcap' })
    electron.ipcRenderer.deliver(SHELL_COMMAND_CHANNEL, 'open')
    expect(got).toEqual([[{ kind: 'open', path: '/data/a.tcap' }]])
    off()
    expect(electron.ipcRenderer.listenerCount(SHELL_COMMAND_CHANNEL)).toBe(0)
  })

  it('sends the menu state and asks for a dialog on their own channels', async () => {
    const state: ShellState = { recent: [], language: 'en', theme: 'dark', canClose: false }
    api.setShellState(state)
    expect(electron.ipcRenderer.send).toHaveBeenLastCalledWith(SHELL_STATE_CHANNEL, state)
    electron.ipcRenderer.invoke.mockResolvedValueOnce('/data/picked.tcap')
    expect(await api.chooseFile({ mode: 'open' })).toBe('/data/picked.tcap')
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(SHELL_DIALOG_CHANNEL, { mode: 'open' })
  })

  it("gives a dropped file's path through webUtils", () => {
    expect(api.pathForFile({ name: 'a.tcap' } as File)).toBe('/home/me/a.tcap')
  })
})
