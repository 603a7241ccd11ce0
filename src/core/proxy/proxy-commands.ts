// The engine's proxies (proxy.*): each by its id (p1, p2, ...), started, stopped and
// started again with its settings, every one recording into the live capture.

import type { CommandTable } from '../command-table'
import type { ProxyInfo } from '../../shared/events'
import type { ProxyStartArgs } from '../../shared/proxy-args'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import { UserError } from '../net/net-errors'
import { parseTargetEndpoint, parseUserEndpoint } from '../net/user-endpoint'
import { Proxy, type ProxyDeps } from './proxy'
import { proxyTlsOptions } from './proxy-tls-options'
import type { Endpoint } from '../../shared/endpoint'
import { forwardProxyOptions, type ForwardTlsDeps } from './forward/forward-options'
import type { ForwardProxyOptions } from './forward/forward-mode'
import type { ToxicRegistry } from '../fault/toxic-registry'
import type { BreakRegistry } from '../breakpoint/break-registry'
import { ProxyRules, type ProxyRulesDeps } from './proxy-stages'
import type { ProxyConnection } from './proxy-connection'

export type ProxyCommand = 'proxy.start' | 'proxy.stop' | 'proxy.restart' | 'proxy.list' | 'proxy.remove'

export interface ProxiesDeps {
  /** What every proxy records into and answers to. */
  proxy: ProxyDeps
  /** What a forward proxy intercepts TLS with (tcpscope's CA); without it, tunnels' TLS passes through. */
  tls?: ForwardTlsDeps
  /** What each proxy's breakpoints and toxics report to. */
  rules: Omit<ProxyRulesDeps, 'capture'>
  /** Throws when the engine is shutting down. */
  checkOpen(): void
  started(info: ProxyInfo): void
  stopped(info: ProxyInfo): void
  removed(info: ProxyInfo): void
}

export class Proxies {
  private readonly running = new Map<string, Proxy>()
  /** Each proxy's breakpoints and toxics, kept with it across a stop and restart. */
  private readonly rules = new Map<string, ProxyRules>()
  /** What each proxy was started with, to start it again elsewhere (setups). */
  private readonly startArgs = new Map<string, ProxyStartArgs>()
  private next = 1

  constructor(private readonly deps: ProxiesDeps) {}

  list(): ProxyInfo[] {
    return [...this.running.values()].map((p) => p.info())
  }

  /** Each listening proxy a person started (not an ephemeral one) as proxy.start would start it again: on the address it has, with the settings it was given. */
  settings(): Array<{ id: string; start: ProxyStartArgs }> {
    return [...this.running.values()]
      .map((p) => p.info())
      .filter((info) => info.state === 'listening' && this.startArgs.get(info.id)?.ephemeral !== true)
      .map((info) => ({ id: info.id, start: { ...this.startArgs.get(info.id)!, listen: info.listen } }))
  }

  /** The toxics of proxy `id` (toxic.* commands, fault/toxic-commands.ts). */
  toxics(id: string): ToxicRegistry {
    this.get(id)
    return this.rules.get(id)!.toxics
  }

  /** The breakpoints of proxy `id` (break.* commands, breakpoint/break-commands.ts). */
  breaks(id: string): BreakRegistry {
    this.get(id)
    return this.rules.get(id)!.breaks
  }

  /** The breakpoints of proxy `id`, if it exists (held.forwardAll's rules). */
  breaksIfAny(id: string): BreakRegistry | undefined {
    return this.rules.get(id)?.breaks
  }

  /** Every proxy's rules that are not empty, for a snapshot. */
  ruleLists(): { breaks: Record<string, ReturnType<BreakRegistry['list']>>; toxics: Record<string, ReturnType<ToxicRegistry['list']>> } {
    const breaks: Record<string, ReturnType<BreakRegistry['list']>> = {}
    const toxics: Record<string, ReturnType<ToxicRegistry['list']>> = {}
    for (const [id, r] of this.rules) {
      if (r.breaks.size > 0) breaks[id] = r.breaks.list()
      if (r.toxics.size > 0) toxics[id] = r.toxics.list()
    }
    return { breaks, toxics }
  }

  /** The live proxied connection `connId`, or a one-line UserError saying why there is none. */
  connection(connId: number): ProxyConnection {
    for (const p of this.running.values()) {
      const conn = p.connection(connId)
      if (conn !== undefined) return conn
    }
    throw new UserError(`conn ${connId} is not an open proxied connection (a closed one, or a session's: sessions use conn.send, conn.end and conn.reset)`, 'ENOENT')
  }

  private get(id: string): Proxy {
    const proxy = this.running.get(id)
    if (!proxy) throw new UserError(`no proxy "${id}"; list them with proxy.list`, 'ENOENT')
    return proxy
  }

  readonly commands: CommandTable<ProxyCommand> = {
    'proxy.start': async (args) => {
      this.deps.checkOpen()
      const listen = parseUserEndpoint(args.listen, '--listen', '127.0.0.1')
      const base = { listen, connectTimeoutMs: args.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, noDelay: args.noDelay ?? true }
      let where: ({ target: Endpoint } & Awaited<ReturnType<typeof proxyTlsOptions>>) | { forward: ForwardProxyOptions }
      if (args.forward !== undefined) {
        if (args.target !== undefined) throw new UserError('proxy: a forward proxy has no target (each client names its destination): drop --target, or --forward', 'EUSAGE')
        where = { forward: await forwardProxyOptions(args.forward, args.tlsUpstream, this.deps.tls) }
      } else {
        if (args.target === undefined) throw new UserError('proxy: a target is needed (--target HOST:PORT), or make it a forward proxy (--forward)', 'EUSAGE')
        const target = parseTargetEndpoint(args.target, '--target')
        where = { target, ...(await proxyTlsOptions(target, args.tlsListen, args.tlsUpstream, this.deps.tls?.ca)) }
      }
      // The id is taken only once the proxy listens: a failed start leaves p1 for the next try.
      const id = `p${this.next}`
      const rules = new ProxyRules(id, { ...this.deps.rules, capture: this.deps.proxy.capture })
      const proxy = await Proxy.start({ id, ...base, ...where, stages: rules.stages, refusal: rules.refusal, ...(args.frame ? { frame: args.frame } : {}) }, this.deps.proxy)
      rules.onFirstRule = () => proxy.attachStages()
      this.next++
      this.running.set(id, proxy)
      this.rules.set(id, rules)
      this.startArgs.set(id, args)
      const info = proxy.info()
      this.deps.started(info)
      return info
    },
    /** Listens again, with the same id and settings, after a stop. */
    'proxy.restart': async (args) => {
      this.deps.checkOpen()
      const proxy = this.get(args.proxyId)
      await proxy.restart()
      const info = proxy.info()
      this.deps.started(info)
      return info
    },
    'proxy.stop': async (args) => {
      const proxy = this.get(args.proxyId)
      await proxy.stop(args.closeConnections ?? false)
      this.deps.stopped(proxy.info())
    },
    'proxy.list': async () => this.list(),
    'proxy.remove': async (args) => {
      const proxy = this.get(args.proxyId)
      // Forgotten first: a restart or a second remove meanwhile finds no such proxy, rather
      // than a listener that nothing would stop.
      this.running.delete(args.proxyId)
      this.rules.delete(args.proxyId)
      this.startArgs.delete(args.proxyId)
      // Its connections close, so what its breakpoints hold is shown as closed while held.
      await proxy.stop(true)
      this.deps.removed({ ...proxy.info(), state: 'removed' })
    }
  }

  /** Stops every proxy and closes its connections (the engine's close). */
  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => p.stop(true)))
  }
}
