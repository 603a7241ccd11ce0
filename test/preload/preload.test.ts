// What the page gets from the preload: a frame port (send, onFrame) on the one frame
// channel, frames without Electron's event object, and no ipcRenderer.
import { describe, expect, it, vi } from 'vitest'
import { FRAME_CHANNEL } from '../../src/shared/transport'
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
  return { ipcRenderer, contextBridge }
})
vi.mock('electron', () => ({ ipcRenderer: electron.ipcRenderer, contextBridge: electron.contextBridge }))

await import('../../src/preload/index')
const [exposedKey, exposed] = electron.contextBridge.exposeInMainWorld.mock.calls[0]
const api = exposed as TcpscopeBridge

describe('preload bridge', () => {
  it('exposes one object, window.tcpscope, with exactly send and onFrame', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(exposedKey).toBe('tcpscope')
    expect(Object.keys(api).sort()).toEqual(['onFrame', 'send'])
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
})
