// The engine: one live capture, any number of proxies and ad-hoc sessions recording into
// it, and the command API of src/shared/contract.ts. Front ends (Electron IPC, web mode, CLI) only call this.

import type { CaptureEvent, CaptureInfo, ConnectionSummary } from '../shared/capture-types'
import type { CommandArgs, EngineApi } from '../shared/contract'
import type { EngineEvent, ProxyInfo } from '../shared/events'
import type {
  ClientSessionInfo,
  ExpectResult,
  SequenceResult,
  ServerSessionInfo,
  SessionInfo
} from '../shared/session-types'
import { LiveCapture, type CaptureOptions } from './capture/capture-store'
import { EventHub, type EventListener, type SubscribeOptions } from './events/event-hub'
import { FdBudget } from './net/fd-budget'
import { UserError, outOfDescriptors } from './net/net-errors'
import { parseTargetEndpoint, parseUserEndpoint } from './net/user-endpoint'
import { Sessions } from './session/sessions'
import { buildPayload } from './payload/build-payload'
import { Proxy } from './proxy/proxy'

export interface EngineOptions extends CaptureOptions {
  /** Where the capture is written: a new file, or an existing one with `overwrite`. */
  capturePath: string
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
/** Clients turned away for lack of descriptors come in storms: one warning a second says how many. */
const FD_WARNING_EVERY_MS = 1000

export class Engine implements EngineApi {
  private readonly hub = new EventHub()
  private readonly proxies = new Map<string, Proxy>()
  private readonly sessions: Sessions
  private nextProxy = 1
  private closing: Promise<void> | undefined
  private readonly budget = FdBudget.forProcess()
  private fdWarning = { last: -Infinity, unsaid: 0, timer: undefined as NodeJS.Timeout | undefined }

  private constructor(readonly capture: LiveCapture) {
    const hub = this.hub
    capture.setListener({
      get detailed() {
        return hub.detailed
      },
      data: (conn, dir, offset, chunk) => this.hub.data(conn, dir, offset, chunk),
      event: (conn, event) => this.hub.connEvent(conn, event),
      pressure: (held) => {
        for (const p of this.proxies.values()) p.setCaptureHeld(held)
      },
      error: (message) => this.hub.emit({ type: 'capture-error', message })
    })
    this.sessions = new Sessions(capture, {
      updated: (session) => this.hub.emit({ type: 'session-updated', session }),
      warn: (message) => this.hub.emit({ type: 'warning', message }),
      budget: this.budget,
      fdExhausted: this.fdExhausted
    })
  }

  /** Says (at most once a second, with a count) that clients are being turned away. */
  private readonly fdExhausted = (): void => {
    const w = this.fdWarning
    w.unsaid++
    const wait = w.last + FD_WARNING_EVERY_MS - performance.now()
    if (wait <= 0) this.sayFdWarning()
    else w.timer ??= setTimeout(() => this.sayFdWarning(), wait)
  }

  private sayFdWarning(): void {
    const w = this.fdWarning
    if (w.timer !== undefined) clearTimeout(w.timer)
    w.timer = undefined
    if (w.unsaid === 0) return
    w.last = performance.now()
    const message = outOfDescriptors(this.budget.limit)
    this.hub.emit({ type: 'warning', message: w.unsaid === 1 ? message : message.replace('this connection was', `${w.unsaid} connections were`) })
    w.unsaid = 0
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    return new Engine(await LiveCapture.create(opts.capturePath, opts))
  }

  /** Subscribes to engine events; the first event is a snapshot of the current state. */
  subscribe(listener: EventListener, opts?: SubscribeOptions): () => void {
    return this.hub.subscribe(listener, () => this.snapshot(), opts)
  }

  private snapshot(): EngineEvent {
    return {
      type: 'snapshot',
      proxies: [...this.proxies.values()].map((p) => p.info()),
      sessions: this.sessions.list(),
      connections: this.capture.connections(),
      capture: this.capture.info()
    }
  }

  async 'proxy.start'(args: CommandArgs<'proxy.start'>): Promise<ProxyInfo> {
    this.checkOpen()
    const listen = parseUserEndpoint(args.listen, '--listen', '127.0.0.1')
    const target = parseTargetEndpoint(args.target, '--target')
    const id = `p${this.nextProxy++}`
    const proxy = await Proxy.start(
      {
        id,
        listen,
        target,
        connectTimeoutMs: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        noDelay: args.noDelay ?? true
      },
      { capture: this.capture, budget: this.budget, fdExhausted: this.fdExhausted }
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

  async 'server.start'(args: CommandArgs<'server.start'>): Promise<ServerSessionInfo> {
    this.checkOpen()
    return this.sessions.startServer(args)
  }
  'server.stop'(args: CommandArgs<'server.stop'>): Promise<void> {
    return this.sessions.stopServer(args)
  }
  'server.behaviour'(args: CommandArgs<'server.behaviour'>): Promise<ServerSessionInfo> {
    return this.sessions.setBehaviour(args)
  }
  'server.broadcast'(args: CommandArgs<'server.broadcast'>): Promise<{ clients: number; bytes: number }> {
    return this.sessions.broadcast(args)
  }
  async 'client.connect'(args: CommandArgs<'client.connect'>): Promise<ClientSessionInfo> {
    this.checkOpen()
    return this.sessions.connectClient(args)
  }
  async 'client.reconnect'(args: CommandArgs<'client.reconnect'>): Promise<ClientSessionInfo> {
    this.checkOpen()
    return this.sessions.reconnect(args)
  }
  'client.close'(args: CommandArgs<'client.close'>): Promise<void> {
    return this.sessions.closeClient(args)
  }
  async 'session.list'(): Promise<SessionInfo[]> {
    return this.sessions.list()
  }
  'payload.preview'(args: CommandArgs<'payload.preview'>): Promise<Uint8Array> {
    return buildPayload(args.payload)
  }
  'conn.send'(args: CommandArgs<'conn.send'>): Promise<{ bytes: number }> {
    return this.sessions.send(args)
  }
  async 'conn.end'(args: CommandArgs<'conn.end'>): Promise<void> {
    this.sessions.conn(args.connId).endOutput()
  }
  async 'conn.reset'(args: CommandArgs<'conn.reset'>): Promise<void> {
    this.sessions.conn(args.connId).reset()
  }
  async 'conn.destroy'(args: CommandArgs<'conn.destroy'>): Promise<void> {
    this.sessions.conn(args.connId).destroy()
  }
  async 'conn.resume'(args: CommandArgs<'conn.resume'>): Promise<void> {
    this.sessions.conn(args.connId).resume()
  }
  'conn.interval'(args: CommandArgs<'conn.interval'>): Promise<void> {
    return this.sessions.interval(args)
  }
  'conn.expect'(args: CommandArgs<'conn.expect'>): Promise<ExpectResult> {
    return this.sessions.expect(args)
  }
  'conn.sequence'(args: CommandArgs<'conn.sequence'>): Promise<SequenceResult> {
    return this.sessions.sequence(args)
  }

  private checkOpen(): void {
    if (this.closing) throw new UserError('the engine is shutting down')
  }

  /** Stops every proxy, session and connection, then completes and closes the capture file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.proxies.values()].map((p) => p.stop(true)))
      await this.sessions.closeAll()
      this.sayFdWarning()
      this.hub.flushAll()
      await this.capture.close()
    })()
    return this.closing
  }
}
