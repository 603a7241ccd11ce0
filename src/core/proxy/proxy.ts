// A listening proxy: accepts connections and hands each to a ProxyConnection that forwards
// it to the target and records it into the engine's capture.

import { createServer, type Server, type Socket } from 'node:net'
import type { ProxyInfo } from '../../shared/events'
import type { FaultEventInfo } from '../../shared/fault-types'
import type { Endpoint } from '../../shared/endpoint'
import { formatEndpoint } from '../../shared/endpoint'
import type { ConnectionSink } from '../capture/write/recorded-connection'
import type { HoldState } from '../capture/write/hold-state'
import type { FdBudget } from '../net/fd-budget'
import { Listener } from '../net/listen'
import { outOfDescriptors, UserError } from '../net/net-errors'
import { remotePeer, resetSocket } from '../net/sockets'
import { warmSocketConstructor } from '../net/target/node-internals'
import { LiveSet } from '../net/live-set'
import { RateLimitedLog } from '../events/rate-limited-log'
import { ProxyConnection, type ProxyContext } from './proxy-connection'
import { proxyContext, type UpstreamOptions } from './proxy-context'
import { ForwardMode, type ForwardProxyOptions, type ProxyMember } from './forward/forward-mode'
import { TlsListenSetup, type TlsListenHost, type TlsListenSettings } from './tls-listen'

export interface ProxyOptions extends Omit<UpstreamOptions, 'target'> {
  id: string
  listen: Endpoint
  /** Where every connection goes; a forward proxy has none. */
  target?: Endpoint
  /** How its connections are cut into messages (`--frame`), kept in its owner records. */
  frame?: string
  /** A forward proxy (forward/forward-mode.ts): each client names its destination. */
  forward?: ForwardProxyOptions
  /** Terminate TLS from clients (`--tls-listen`, tls-listen.ts); TLS toward the target is UpstreamOptions.tls. */
  tlsListen?: TlsListenSettings
  /** Listen with SO_REUSEPORT: forwarding workers (workers/) listen on the same port. */
  reusePort?: boolean
  /** Why a new connection is refused now (a `down` toxic, fault/toxic-connection.ts), or undefined to accept it. */
  refusal?: () => FaultEventInfo | undefined
}

/** What a proxy shares with the engine. */
export interface ProxyDeps {
  capture: ConnectionSink
  budget: FdBudget
  /** A client was turned away because the process is out of file descriptors. */
  fdExhausted(): void
  /** Whether the capture writer wants its producers paused. */
  hold: HoldState
  /** Something the user should know that no connection records (a forward proxy's refused clients). */
  warn?(message: string): void
}

export class Proxy {
  private listener!: Listener
  private readonly live = new LiveSet<ProxyMember>()
  private accepted = 0
  private stopped = false
  private closed: Promise<void> | undefined
  /** Waiting for the last live connection to end. */
  private whenEmpty: (() => void)[] = []
  /** The target as typed back to people; every connection record names it. */
  private readonly targetText: string
  private readonly ctx: ProxyContext | undefined
  private readonly forward: ForwardMode | undefined
  /** Set with `--tls-listen`: each connection is secured first (tls-listen.ts), off the plain fast path. */
  private readonly tlsHost: TlsListenHost | undefined

  private readonly capture: ConnectionSink
  /** Refused clients come in storms (a misconfigured client retrying): a line a second, then how many more. */
  private readonly refusals = new RateLimitedLog(
    (line) => this.deps.warn?.(line),
    (n) => `forward proxy ${this.opts.id}: ${n} more client(s) refused in the last second`
  )

  private constructor(
    private readonly opts: ProxyOptions,
    private readonly deps: ProxyDeps
  ) {
    this.capture = deps.capture
    this.targetText = opts.target !== undefined ? formatEndpoint(opts.target) : 'forward'
    this.forward = opts.forward !== undefined ? this.forwardMode(opts.forward) : undefined
    // Builds the upstream's Target: one no connect could reach fails here, before listening.
    this.ctx = opts.target !== undefined ? proxyContext({ ...opts, target: opts.target, sniffHellos: opts.tls === undefined && opts.tlsListen === undefined }, this.connectionDone) : undefined
    this.tlsHost = opts.tlsListen !== undefined ? { settings: opts.tlsListen, done: (setup) => this.connectionDone(setup) } : undefined
  }

  private forwardMode(forward: ForwardProxyOptions): ForwardMode {
    const { opts, deps } = this
    return new ForwardMode(forward, {
      ownerId: opts.id,
      capture: deps.capture,
      budget: deps.budget,
      fdExhausted: () => deps.fdExhausted(),
      connectTimeoutMs: opts.connectTimeoutMs,
      noDelay: opts.noDelay,
      stages: opts.stages,
      held: () => deps.hold.held,
      admit: (member) => this.live.add(member),
      done: this.connectionDone,
      refused: (why) => this.refusals.write(`forward proxy ${opts.id}: ${why}`)
    })
  }

  private newServer(): Server {
    return createServer({ allowHalfOpen: true }, (socket) => this.accept(socket))
  }

  static async start(opts: ProxyOptions, deps: ProxyDeps): Promise<Proxy> {
    // Every connection builds two sockets; see node-internals.ts for why this saves CPU.
    warmSocketConstructor()
    const proxy = new Proxy(opts, deps)
    proxy.listener = await Listener.open(opts.listen, () => proxy.newServer(), opts.reusePort === true ? { reusePort: true } : {})
    // Connections that outlive a stop still obey the capture's hold: watched for the engine's life.
    deps.hold.watch(proxy.setCaptureHeld)
    deps.capture.owner({ event: 'start', id: opts.id, listen: proxy.listener.address, target: proxy.targetText, ...(opts.frame ? { frame: opts.frame } : {}) })
    return proxy
  }

  get id(): string {
    return this.opts.id
  }

  info(): ProxyInfo {
    return {
      id: this.opts.id,
      listen: this.listener.address,
      target: this.targetText,
      mode: this.forward !== undefined ? 'forward' : 'target',
      ...(this.tlsHost !== undefined ? { tlsListen: true } : {}),
      ...(this.opts.tls !== undefined ? { tlsUpstream: true } : {}),
      state: this.stopped ? 'stopped' : 'listening',
      accepted: this.accepted,
      active: this.live.size
    }
  }

  private accept(socket: Socket): void {
    this.accepted++
    const refused = this.opts.refusal?.()
    if (refused !== undefined) return this.refuse(socket, refused)
    if (this.forward !== undefined) return this.forward.accept(socket)
    const rec = this.openConnection(socket)
    const budget = this.deps.budget
    budget.opened(1)
    // The upstream needs one more descriptor; see fd-budget.ts for why this is checked here.
    if (!budget.room(1)) return this.turnAway(socket, rec)
    budget.opened(1)
    if (this.tlsHost !== undefined) return void this.live.add(new TlsListenSetup(socket, rec, this.ctx!, this.tlsHost, this.deps.hold.held))
    this.live.add(new ProxyConnection(socket, rec, this.ctx!, this.deps.hold.held))
  }

  private openConnection(socket: Socket): ReturnType<ConnectionSink['openConnection']> {
    const listen = this.opts.listen
    return this.capture.openConnection({
      kind: 'proxy',
      ownerId: this.opts.id,
      client: remotePeer(socket, listen.kind === 'unix' ? listen.path : undefined),
      target: this.targetText
    })
  }

  /**
   * A `down` toxic is on: the client is reset at once, as by a proxy that is not there, and the
   * capture says which toxic did it: a reset tcpscope made, to the client only (no target was dialled).
   */
  private refuse(socket: Socket, why: FaultEventInfo): void {
    const rec = this.openConnection(socket)
    socket.on('error', () => {})
    rec.event('fault', 'server', { ...why })
    // 'close' comes in a later turn, after the reset says whether an RST went (a Unix socket only closes).
    const rst = resetSocket(socket)
    socket.once('close', () => rec.close('tcpscope-reset', { by: 'toxic', rst: { client: rst, server: false } }))
  }

  /** Out of descriptors: the client is recorded, told with an RST, and the user with a warning. */
  private turnAway(socket: Socket, rec: ReturnType<ConnectionSink['openConnection']>): void {
    socket.on('error', () => {})
    socket.once('close', () => {
      this.deps.budget.closed(1)
      rec.close('connect-failed')
    })
    rec.event('connect-failed', 'server', { code: 'EMFILE', message: outOfDescriptors(this.deps.budget.limit) })
    resetSocket(socket)
    this.deps.fdExhausted()
  }

  private readonly connectionDone = (conn: ProxyMember, descriptors = 2): void => {
    this.deps.budget.closed(descriptors)
    this.live.delete(conn)
    if (this.live.size > 0 || this.whenEmpty.length === 0) return
    const waiting = this.whenEmpty
    this.whenEmpty = []
    for (const resolve of waiting) resolve()
  }

  /** Gives the open connections that have no stage the proxy's stages, now that it has rules (forward-stage.ts). */
  attachStages(): void {
    for (const c of this.live.snapshot()) c.connection?.attachStages()
  }

  /** The live proxied connection recorded as `connId`, if it is one of this proxy's. */
  connection(connId: number): ProxyConnection | undefined {
    for (const c of this.live.snapshot()) if (c.connection?.id === connId) return c.connection
    return undefined
  }

  /** Pauses (or resumes) reading on every connection while the capture writer catches up. */
  private readonly setCaptureHeld = (held: boolean): void => {
    for (const c of this.live.snapshot()) c.setCaptureHeld(held)
  }

  /**
   * Listens again after a stop, on the same address and with the same settings; connections
   * that outlived the stop go on. A new server, because the old one may still be closing.
   */
  async restart(): Promise<void> {
    if (!this.stopped) throw new UserError(`proxy ${this.opts.id} is already listening on ${this.listener.address}`, 'ESTATE')
    await this.listener.restart()
    this.stopped = false
    this.closed = undefined
    this.capture.owner({ event: 'start', id: this.opts.id, listen: this.listener.address, target: this.targetText, ...(this.opts.frame ? { frame: this.opts.frame } : {}) })
  }

  /**
   * Stops listening. With `closeConnections` it also closes the live connections and
   * resolves once they are gone; otherwise they run on to their natural end.
   */
  async stop(closeConnections = false): Promise<void> {
    if (!this.stopped) {
      this.stopped = true
      this.closed = this.listener.close()
      this.capture.owner({ event: 'stop', id: this.opts.id, listen: this.listener.address, target: this.targetText })
    }
    if (!closeConnections) return
    const allEnded = this.live.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => this.whenEmpty.push(resolve))
    for (const c of this.live.snapshot()) c.kill()
    await Promise.all([this.closed, allEnded])
  }
}
