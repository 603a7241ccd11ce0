// A proxy in forward mode (`tcpscope proxy --forward`): no fixed target; each client says
// where it goes (HTTP CONNECT, absolute-form HTTP or SOCKS5, sniffed on one port), and each
// becomes a Tunnel (tunnel.ts) with its own capture connection. This module holds what a
// forward proxy's tunnels share: its settings, its credentials, the Target of each
// destination, and whether TLS to a name is intercepted.

import type { Socket } from 'node:net'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../../shared/limits'
import type { ConnectionSink } from '../../capture/write/recorded-connection'
import type { FdBudget } from '../../net/fd-budget'
import type { LiveSetMember } from '../../net/live-set'
import { Target } from '../../net/target/connect-target'
import type { ForwardStages } from '../forward-stage'
import { chainPair } from '../chain-stages'
import type { ProxyConnection, ProxyContext } from '../proxy-connection'
import { tunnelContext } from '../proxy-context'
import { authorityText, type Destination } from './http-proxy-request'
import { matchesHost, type ForwardProxyOptions } from './forward-options'
import { Tunnel } from './tunnel'
import type { TunnelHost, TunnelInterceptor } from './tunnel-host'

export type { ForwardProxyOptions } from './forward-options'

/** Destinations whose Target (its connect timer) is kept; older ones are made again. */
const TARGETS_KEPT = 256


/** A live member of a proxy: a connection or a tunnel on its way to becoming one. */
/** A tunnel's own stages (absolute-form rewriting) first, then the proxy's (breakpoints, toxics), which see what the target will get. */
function withProxyStages(own: ForwardStages | undefined, proxy: ForwardStages | undefined): ForwardStages | undefined {
  if (own === undefined || proxy === undefined) return own ?? proxy
  return (connId) => {
    const mine = own(connId)
    const rules = proxy(connId)
    return mine !== undefined && rules !== undefined ? chainPair(mine, rules) : (mine ?? rules)
  }
}

export interface ProxyMember extends LiveSetMember {
  /** The proxied connection it is, or has become (undefined while a tunnel or TLS leg is still being set up). */
  readonly connection: ProxyConnection | undefined
  kill(): void
  setCaptureHeld(held: boolean): void
}

/** What a forward proxy shares with its Proxy. */
export interface ForwardDeps {
  ownerId: string
  capture: ConnectionSink
  budget: FdBudget
  fdExhausted(): void
  connectTimeoutMs: number | undefined
  noDelay: boolean
  stages: ForwardStages | undefined
  /** Whether the capture writer holds its producers now. */
  held(): boolean
  admit(member: ProxyMember): void
  done(member: ProxyMember, descriptors: number): void
  /** A client was refused before it named a destination (rate-limited by the proxy). */
  refused?(why: string): void
}

export class ForwardMode implements TunnelHost<Tunnel> {
  private readonly targets = new Map<string, Target>()
  readonly opening

  constructor(
    private readonly settings: ForwardProxyOptions,
    private readonly deps: ForwardDeps
  ) {
    this.opening = { auth: settings.auth, handshakeTimeoutMs: settings.handshakeTimeoutMs, refused: deps.refused }
  }

  get ownerId(): string {
    return this.deps.ownerId
  }

  get capture(): ConnectionSink {
    return this.deps.capture
  }

  get budget(): FdBudget {
    return this.deps.budget
  }

  get interceptor(): TunnelInterceptor | undefined {
    return this.settings.intercept ? this.settings.interceptor : undefined
  }

  accept(socket: Socket): void {
    this.deps.budget.opened(1)
    socket.setNoDelay(this.deps.noDelay)
    this.deps.admit(new Tunnel(socket, this, this.deps.held()))
  }

  fdExhausted(): void {
    this.deps.fdExhausted()
  }

  targetFor(dest: Destination): Target {
    const key = authorityText(dest).toLowerCase()
    let target = this.targets.get(key)
    if (target !== undefined) {
      // Most recently used last: the first in the map is the one to drop.
      this.targets.delete(key)
    } else {
      target = new Target({ target: { kind: 'tcp', host: dest.host, port: dest.port }, connectTimeoutMs: this.deps.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, noDelay: this.deps.noDelay })
      if (this.targets.size >= TARGETS_KEPT) this.targets.delete(this.targets.keys().next().value!)
    }
    this.targets.set(key, target)
    return target
  }

  stagesFor(own: ForwardStages | undefined): ForwardStages | undefined {
    return withProxyStages(own, this.deps.stages)
  }

  contextFor(target: Target, stages: ForwardStages | undefined, done: () => void): ProxyContext {
    return tunnelContext(target, this.deps.noDelay, stages, done)
  }

  intercepts(name: string): boolean {
    return this.interceptor !== undefined && !matchesHost(name, this.settings.passThrough)
  }

  done(tunnel: Tunnel, descriptors: number): void {
    this.deps.done(tunnel, descriptors)
  }
}
