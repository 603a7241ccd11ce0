// The engine: one live capture, any number of proxies recording into it, and the command
// API of src/shared/contract.ts. Front ends (Electron IPC, web mode, CLI) only call this.

import type { CaptureEvent, CaptureInfo, ConnectionSummary } from '../shared/capture-types'
import type { CommandArgs, EngineApi } from '../shared/contract'
import { EndpointError, parseEndpoint } from '../shared/endpoint'
import type { EngineEvent, ProxyInfo } from '../shared/events'
import { LiveCapture, type CaptureOptions } from './capture/capture-store'
import { EventHub, type EventListener } from './events/event-hub'
import { UserError } from './net/net-errors'
import { Proxy } from './proxy/proxy'

export interface EngineOptions extends CaptureOptions {
  /** Where the capture is written (created or truncated). */
  capturePath: string
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

function endpoint(text: string, what: string, defaultHost?: string) {
  try {
    return parseEndpoint(text, defaultHost)
  } catch (err) {
    if (err instanceof EndpointError) throw new UserError(`${what}: ${err.message}`)
    throw err
  }
}

export class Engine implements EngineApi {
  private readonly hub = new EventHub()
  private readonly proxies = new Map<string, Proxy>()
  private nextProxy = 1
  private closing: Promise<void> | undefined

  private constructor(readonly capture: LiveCapture) {
    capture.setListener({
      data: (conn, dir, offset, chunk) => this.hub.data(conn, dir, offset, chunk),
      event: (conn, event) => this.hub.connEvent(conn, event),
      pressure: (held) => {
        for (const p of this.proxies.values()) p.setCaptureHeld(held)
      },
      error: (message) => this.hub.emit({ type: 'capture-error', message })
    })
  }

  static create(opts: EngineOptions): Engine {
    let capture: LiveCapture
    try {
      capture = LiveCapture.create(opts.capturePath, opts)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw new UserError(`cannot create capture file ${opts.capturePath}: ${e.code === 'ENOENT' ? 'its folder does not exist' : e.code === 'EACCES' ? 'permission denied' : e.message}`)
    }
    return new Engine(capture)
  }

  /** Subscribes to engine events; the first event is a snapshot of the current state. */
  subscribe(listener: EventListener): () => void {
    return this.hub.subscribe(listener, () => this.snapshot())
  }

  private snapshot(): EngineEvent {
    return {
      type: 'snapshot',
      proxies: [...this.proxies.values()].map((p) => p.info()),
      connections: this.capture.connections().map((c) => ({ ...c, bytes: { ...c.bytes }, fin: { ...c.fin } })),
      capture: this.capture.info()
    }
  }

  async 'proxy.start'(args: CommandArgs<'proxy.start'>): Promise<ProxyInfo> {
    if (this.closing) throw new UserError('the engine is shutting down')
    const listen = endpoint(args.listen, '--listen', '127.0.0.1')
    const target = endpoint(args.target, '--target')
    const id = `p${this.nextProxy++}`
    const proxy = await Proxy.start(
      {
        id,
        listen,
        target,
        connectTimeoutMs: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        noDelay: args.noDelay ?? true
      },
      this.capture
    )
    this.proxies.set(id, proxy)
    const info = proxy.info()
    this.hub.emit({ type: 'proxy-started', proxy: info })
    return info
  }

  async 'proxy.stop'(args: CommandArgs<'proxy.stop'>): Promise<void> {
    const proxy = this.proxies.get(args.proxyId)
    if (!proxy) throw new UserError(`no proxy "${args.proxyId}"; list them with proxy.list`)
    await proxy.stop(args.closeConnections ?? false)
    this.hub.emit({ type: 'proxy-stopped', proxy: proxy.info() })
  }

  async 'proxy.list'(): Promise<ProxyInfo[]> {
    return [...this.proxies.values()].map((p) => p.info())
  }

  async 'capture.info'(): Promise<CaptureInfo> {
    return this.capture.info()
  }

  async 'conn.list'(): Promise<ConnectionSummary[]> {
    return this.capture.connections()
  }

  async 'conn.read'(args: CommandArgs<'conn.read'>): Promise<Uint8Array> {
    return this.capture.readBytes(args.connId, args.dir, args.offset, args.length)
  }

  async 'conn.events'(args: CommandArgs<'conn.events'>): Promise<CaptureEvent[]> {
    return this.capture.readEvents(args.connId, args.from, args.limit)
  }

  /** Stops every proxy and its connections, then completes and closes the capture file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.proxies.values()].map((p) => p.stop(true)))
      this.hub.flushAll()
      await this.capture.close()
    })()
    return this.closing
  }
}
