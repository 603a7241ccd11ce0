// The engine behind each of its transports, as a test drives it: Electron IPC (the real
// adapter of src/main/ipc.ts with small fakes of ipcMain and WebContents) and web mode's
// WebSocket (the real WebServer in this process, a real ws client). Each gives an
// EngineClient speaking the envelope, exactly as the page does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveEngineOverIpc, type FrameEvent, type FrameListener, type IpcFrames, type PageContents, type SenderFrame } from '../../src/main/ipc'
import { WEB_FILE_ACCESS, WebServer } from '../../src/core/front/web-server'
import type { Engine } from '../../src/core/engine'
import { EngineClient } from '../../src/shared/engine-client'
import { FRAME_CHANNEL, type FramePort } from '../../src/shared/transport'
import { parseEndpoint } from '../../src/shared/endpoint'
import type { FileAccess } from '../../src/shared/contract'
import { webSocketPort } from './web'

export const APP_FRAME: SenderFrame = { url: 'file:///opt/tcpscope/out/renderer/index.html', parent: null }

export class FakeIpc implements IpcFrames {
  readonly listeners: FrameListener[] = []
  on(channel: string, listener: FrameListener): this {
    if (channel === FRAME_CHANNEL) this.listeners.push(listener)
    return this
  }
  removeListener(_channel: string, listener: FrameListener): this {
    this.listeners.splice(this.listeners.indexOf(listener), 1)
    return this
  }
  deliver(event: FrameEvent, frame: unknown): void {
    for (const l of [...this.listeners]) l(event, frame)
  }
}

export class FakeContents implements PageContents {
  readonly frames: Uint8Array[] = []
  readonly receivers = new Set<(frame: Uint8Array) => void>()
  destroyed = false
  private readonly on_ = new Map<string, Array<() => void>>()
  send(channel: string, frame: Uint8Array): void {
    if (channel !== FRAME_CHANNEL) throw new Error(`sent on ${channel}`)
    this.frames.push(frame)
    for (const r of this.receivers) r(frame)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  on(event: string, listener: () => void): this {
    this.on_.set(event, [...(this.on_.get(event) ?? []), listener])
    return this
  }
  emit(event: 'did-finish-load' | 'destroyed'): void {
    if (event === 'destroyed') this.destroyed = true
    for (const l of this.on_.get(event) ?? []) l()
  }
}

export interface FrontEnd {
  name: 'ipc' | 'web'
  client: EngineClient
  logged: string[]
  close(): Promise<void>
}

/** The engine over Electron IPC, from a page in `frame` (the app's own by default). */
export function overIpc(engine: Engine, frame: SenderFrame | null = APP_FRAME): FrontEnd & { ipc: FakeIpc; contents: FakeContents } {
  const ipc = new FakeIpc()
  const contents = new FakeContents()
  const logged: string[] = []
  const stop = serveEngineOverIpc(ipc, engine, contents, (f) => f.url === APP_FRAME.url, (m, err) => logged.push(err === undefined ? m : `${m} ${String(err)}`))
  const port: FramePort = {
    send: (f) => queueMicrotask(() => ipc.deliver({ sender: contents, senderFrame: frame }, f)),
    onFrame: (listener) => {
      contents.receivers.add(listener)
      return () => contents.receivers.delete(listener)
    }
  }
  const client = new EngineClient(port)
  contents.emit('did-finish-load')
  return { name: 'ipc', client, logged, ipc, contents, close: async () => stop() }
}

/** The engine over web mode's WebSocket, served from this process. */
export async function overWeb(engine: Engine, opts: { files?: readonly FileAccess[] } = {}): Promise<FrontEnd & { server: WebServer }> {
  const ui = mkdtempSync(join(tmpdir(), 'tcpscope-ui-'))
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>tcpscope</title>')
  const logged: string[] = []
  const server = await WebServer.start(engine, {
    listen: parseEndpoint('127.0.0.1:0'),
    uiDir: ui,
    policy: { files: opts.files ?? WEB_FILE_ACCESS, filesHint: 'start tcpscope web with --allow-files to allow it' },
    log: (m, err) => logged.push(err === undefined ? m : `${m} ${String(err)}`)
  })
  const origin = `http://${server.listening}`
  const { port, ws } = await webSocketPort(origin, server.token)
  return {
    name: 'web',
    client: new EngineClient(port),
    logged,
    server,
    close: async () => {
      ws.close()
      await server.stop()
      rmSync(ui, { recursive: true, force: true })
    }
  }
}
