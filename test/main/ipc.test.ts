// The IPC adapter against a real engine: who may call, what arguments pass, what comes
// back (one-line errors, bytes as bytes), and events forwarded per page load.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fileLocation } from '../../src/main/app-location'
import type { CommandReply } from '../../src/shared/contract'
import { forwardEngineEvents, registerEngineIpc, type CommandHandler, type IpcRegistry, type PageContents, type SenderFrame } from '../../src/main/ipc'
import { commandNames, EVENT_CHANNEL, type CommandName, type EngineApi, type EngineEvent } from '../../src/shared/contract'
import { testEngine, type TestEngine, portOf } from '../helpers/engine'
import { collect, connectTo, startServer, waitFor } from '../helpers/net'

const app = fileLocation('/opt/tcpscope/out/renderer/index.html')
const mainFrame: SenderFrame = { url: `${app.url}#/connections`, parent: null }
const subFrame: SenderFrame = { url: app.url, parent: mainFrame }
const foreignFrame: SenderFrame = { url: 'https://evil.example/', parent: null }

class FakeIpcMain implements IpcRegistry {
  readonly handlers = new Map<string, CommandHandler>()
  handle(channel: string, handler: CommandHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, handler)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  call(channel: CommandName, arg?: unknown, frame: SenderFrame | null = mainFrame): Promise<CommandReply<unknown>> {
    const handler = this.handlers.get(channel)
    if (!handler) throw new Error(`no handler for ${channel}`)
    return handler({ senderFrame: frame }, arg)
  }
  /** What the page sees: the value, or the error line (as the preload would throw it). */
  async value(channel: CommandName, arg?: unknown): Promise<unknown> {
    const reply = await this.call(channel, arg)
    if (!reply.ok) throw new Error(reply.error)
    return reply.value
  }
}

let t: TestEngine
let ipc: FakeIpcMain
let unregister: () => void

beforeEach(async () => {
  t = await testEngine()
  ipc = new FakeIpcMain()
  unregister = registerEngineIpc(ipc, t.engine, (frame) => app.isAppUrl(frame.url))
})
afterEach(async () => {
  unregister()
  await t.dispose()
})

describe('registration', () => {
  it('handles exactly the contract commands, each on the channel of its name', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...commandNames].sort())
    expect(ipc.handlers.has(EVENT_CHANNEL)).toBe(false)
  })

  it('removes every handler again', () => {
    unregister()
    expect(ipc.handlers.size).toBe(0)
  })
})

describe('trusted callers', () => {
  it('lets the app main frame start a proxy and list connections', async () => {
    const proxy = (await ipc.value('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })) as { listen: string; state: string }
    expect(proxy.state).toBe('listening')
    expect(portOf(proxy.listen)).toBeGreaterThan(0)
    expect(await ipc.value('conn.list')).toEqual([])
    expect(await ipc.value('proxy.list')).toHaveLength(1)
  })

  it('returns recorded bytes as a standalone Uint8Array', async () => {
    const server = await startServer((s) => s.pipe(s))
    try {
      const proxy = (await ipc.value('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })) as { listen: string }
      const client = await connectTo(portOf(proxy.listen))
      const echoed = collect(client)
      client.end('hello, tcpscope')
      expect((await echoed).toString()).toBe('hello, tcpscope')
      await waitFor(() => t.engine.capture.connections()[0]?.bytes.server === 15, 'the echo to be recorded')

      const bytes = await ipc.value('conn.read', { connId: 1, dir: 'server', offset: 0, length: 15 })
      expect(bytes).toBeInstanceOf(Uint8Array)
      expect(Buffer.from(bytes as Uint8Array).toString()).toBe('hello, tcpscope')
      // What crosses IPC is a structured clone: it must hold these bytes and nothing more.
      const cloned = structuredClone(bytes) as Uint8Array
      expect(cloned.buffer.byteLength).toBe(15)
    } finally {
      await server.close()
    }
  })
})

describe('untrusted callers are refused', () => {
  it.each([
    ['a sub-frame of the app', subFrame],
    ['a page of another origin', foreignFrame],
    ['another local file', { url: 'file:///tmp/evil.html', parent: null }],
    ['a frame that is gone', null]
  ])('%s', async (_what, frame) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    await expect(ipc.call('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' }, frame)).rejects.toThrow(/refused/)
    expect(await t.engine['proxy.list']()).toEqual([])
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^tcpscope: refused proxy\.start: /))
    warn.mockRestore()
  })
})

describe('arguments are checked against the contract', () => {
  it.each([
    ['an unknown field', { listen: '127.0.0.1:0', target: '127.0.0.1:9', evil: true }, /unknown field/],
    ['a wrong type', { listen: 8080, target: '127.0.0.1:9' }, /listen: expected a string/],
    ['a missing field', { listen: '127.0.0.1:0' }, /target: expected a string/],
    ['no object at all', 'listen 127.0.0.1:0', /expected an object/]
  ])('rejects %s with one line', async (_what, arg, message) => {
    const reply = await ipc.call('proxy.start', arg)
    expect(reply.ok).toBe(false)
    if (reply.ok) return
    expect(reply.error).toMatch(message)
    expect(reply.error).toMatch(/^invalid arguments for proxy\.start: /)
    expect(reply.error).not.toMatch(/\n/)
    expect(await t.engine['proxy.list']()).toEqual([])
  })

  it('rejects an argument to a command that takes none', async () => {
    const reply = await ipc.call('conn.list', { all: true })
    expect(reply).toEqual({ ok: false, error: 'invalid arguments for conn.list: argument: expected no argument, got object' })
  })

  it("passes the engine's user-facing error through as is", async () => {
    const reply = await ipc.call('proxy.stop', { proxyId: 'p99' })
    expect(reply).toEqual({ ok: false, error: expect.stringMatching(/^no proxy "p99"[^\n]*$/) })
  })
})

describe('unexpected errors', () => {
  it('answers one generic line and logs the details in main', async () => {
    const failing = Object.fromEntries(commandNames.map((name) => [name, () => Promise.reject(new Error('EBADF: bad file descriptor\n    at read (capture-reader.ts:1:1)'))]))
    const other = new FakeIpcMain()
    registerEngineIpc(other, failing as unknown as EngineApi, () => true)
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const reply = await other.call('conn.list')
    expect(reply).toEqual({ ok: false, error: "conn.list failed: internal error (details are in the app's log)" })
    expect(error).toHaveBeenCalledWith('tcpscope: conn.list failed:', expect.objectContaining({ message: expect.stringContaining('EBADF') }))
    error.mockRestore()
  })
})

describe('event forwarding', () => {
  class FakeContents implements PageContents {
    readonly sent: EngineEvent[] = []
    destroyed = false
    private readonly listeners = new Map<string, Array<() => void>>()
    send(channel: string, event: EngineEvent): void {
      expect(channel).toBe(EVENT_CHANNEL)
      this.sent.push(event)
    }
    isDestroyed(): boolean {
      return this.destroyed
    }
    on(event: string, listener: () => void): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
      return this
    }
    emit(event: 'did-finish-load' | 'destroyed'): void {
      if (event === 'destroyed') this.destroyed = true
      for (const l of this.listeners.get(event) ?? []) l()
    }
  }

  it('sends a snapshot on each page load, then events, and stops when the window goes', async () => {
    const contents = new FakeContents()
    forwardEngineEvents(t.engine, contents)
    expect(contents.sent).toEqual([])

    contents.emit('did-finish-load')
    expect(contents.sent.map((e) => e.type)).toEqual(['snapshot'])
    await ipc.value('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    expect(contents.sent.map((e) => e.type)).toEqual(['snapshot', 'proxy-started'])

    // A reload starts over from a snapshot that already holds the proxy, and only one subscription sends.
    contents.emit('did-finish-load')
    const afterReload = contents.sent.slice(2)
    expect(afterReload).toHaveLength(1)
    expect(afterReload[0]).toMatchObject({ type: 'snapshot', proxies: [{ id: 'p1', state: 'listening' }] })
    await ipc.value('proxy.stop', { proxyId: 'p1' })
    expect(contents.sent.map((e) => e.type)).toEqual(['snapshot', 'proxy-started', 'snapshot', 'proxy-stopped'])

    contents.emit('destroyed')
    await ipc.value('proxy.start', { listen: '127.0.0.1:0', target: '127.0.0.1:9' })
    expect(contents.sent).toHaveLength(4)
  })

  it('sends data previews as standalone bytes', async () => {
    const contents = new FakeContents()
    forwardEngineEvents(t.engine, contents)
    contents.emit('did-finish-load')
    const server = await startServer((s) => s.resume())
    try {
      const proxy = (await ipc.value('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })) as { listen: string }
      const client = await connectTo(portOf(proxy.listen))
      client.write('ping')
      const data = await waitFor(() => contents.sent.find((e) => e.type === 'conn-data'), 'a data event')
      expect(data).toMatchObject({ connId: 1, dir: 'client', offset: 0, length: 4 })
      const preview = (data as Extract<EngineEvent, { type: 'conn-data' }>).preview
      expect(Buffer.from(preview).toString()).toBe('ping')
      expect(preview.buffer.byteLength).toBe(4)
      client.destroy()
    } finally {
      await server.close()
    }
  })
})
