// What the page gets from the preload: exactly the contract commands and onEvent, invokes on
// the command's own channel, events without Electron's event object, and no ipcRenderer.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { commandNames, EVENT_CHANNEL, type EngineEvent } from '../../src/shared/contract'
import type { TcpscopeBridge } from '../../src/preload/bridge'

type Listener = (...args: unknown[]) => void

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Listener[]>()
  const ipcRenderer = {
    invoke: vi.fn<(channel: string, arg?: unknown) => Promise<unknown>>(),
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

beforeEach(() => electron.ipcRenderer.invoke.mockReset())

describe('preload bridge', () => {
  it('exposes one object, window.tcpscope, with exactly the commands and onEvent', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
    expect(exposedKey).toBe('tcpscope')
    expect(Object.keys(api).sort()).toEqual([...commandNames, 'onEvent'].sort())
    for (const value of Object.values(api)) expect(typeof value).toBe('function')
  })

  it('never exposes ipcRenderer or its send functions', () => {
    const values = Object.values(api) as unknown[]
    expect(values).not.toContain(electron.ipcRenderer)
    expect(values).not.toContain(electron.ipcRenderer.send)
    expect(values).not.toContain(electron.ipcRenderer.sendSync)
    expect(values).not.toContain(electron.ipcRenderer.invoke)
    expect(api).not.toHaveProperty('send')
    expect(api).not.toHaveProperty('invoke')
  })

  it("invokes each command on the channel of its name with the page's argument", async () => {
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: 'result' })
    await api['proxy.start']({ listen: '127.0.0.1:0', target: 'example.com:80' })
    await api['conn.list']()
    expect(electron.ipcRenderer.invoke.mock.calls).toEqual([
      ['proxy.start', { listen: '127.0.0.1:0', target: 'example.com:80' }],
      ['conn.list', undefined]
    ])
    for (const name of commandNames) {
      electron.ipcRenderer.invoke.mockClear()
      await (api[name] as (arg?: unknown) => Promise<unknown>)()
      expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(name, undefined)
    }
  })

  it('resolves with the value, bytes as bytes', async () => {
    const bytes = new Uint8Array([0, 1, 255])
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: true, value: bytes })
    expect(await api['conn.read']({ connId: 1, dir: 'client', offset: 0, length: 3 })).toBe(bytes)
  })

  it("rejects with the main process's one-line message as is", async () => {
    electron.ipcRenderer.invoke.mockResolvedValue({ ok: false, error: 'no proxy "p9"; list them with proxy.list' })
    await expect(api['proxy.stop']({ proxyId: 'p9' })).rejects.toThrow(new Error('no proxy "p9"; list them with proxy.list'))
  })

  it('passes only the engine event to onEvent listeners, until they unsubscribe', () => {
    const got: unknown[][] = []
    const unsubscribe = api.onEvent((...args: unknown[]) => got.push(args))
    const event: EngineEvent = { type: 'capture-error', message: 'disk full' }
    electron.ipcRenderer.deliver(EVENT_CHANNEL, event)
    expect(got).toEqual([[event]])

    unsubscribe()
    electron.ipcRenderer.deliver(EVENT_CHANNEL, event)
    expect(got).toHaveLength(1)
    expect(electron.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0)
  })

  it('refuses a listener that is not a function', () => {
    expect(() => api.onEvent('alert(1)' as unknown as () => void)).toThrow(TypeError)
  })
})
