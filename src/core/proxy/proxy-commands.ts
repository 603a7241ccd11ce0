// The engine's proxies (proxy.*): each by its id (p1, p2, ...), started, stopped and
// started again with its settings, every one recording into the live capture.

import type { CommandTable } from '../command-table'
import type { ProxyInfo } from '../../shared/events'
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../../shared/limits'
import { UserError } from '../net/net-errors'
import { parseTargetEndpoint, parseUserEndpoint } from '../net/user-endpoint'
import { Proxy, type ProxyDeps } from './proxy'
import { proxyTlsOptions } from './proxy-tls-options'
import type { Endpoint } from '../../shared/endpoint'
import { forwardProxyOptions, type ForwardTlsDeps } from './forward/forward-options'
import type { ForwardProxyOptions } from './forward/forward-mode'
import { ToxicRegistry } from '../fault/toxic-registry'
import { downToxic, toxicStages } from '../fault/toxic-connection'

export type ProxyCommand = 'proxy.start' | 'proxy.stop' | 'proxy.restart' | 'proxy.list'

export interface ProxiesDeps {
  /** What every proxy records into and answers to. */
  proxy: ProxyDeps
  /** What a forward proxy intercepts TLS with (tcpscope's CA); without it, tunnels' TLS passes through. */
  tls?: ForwardTlsDeps
  /** Throws when the engine is shutting down. */
  checkOpen(): void
  started(info: ProxyInfo): void
  stopped(info: ProxyInfo): void
}

export class Proxies {
  private readonly running = new Map<string, Proxy>()
  /** Each proxy's toxics (fault/), kept with it across a stop and restart. */
  private readonly toxicRegistries = new Map<string, ToxicRegistry>()
  private next = 1

  constructor(private readonly deps: ProxiesDeps) {}

  list(): ProxyInfo[] {
    return [...this.running.values()].map((p) => p.info())
  }

  /** The toxics of proxy `id` (toxic.* commands, fault/toxic-commands.ts). */
  toxics(id: string): ToxicRegistry {
    this.get(id)
    return this.toxicRegistries.get(id)!
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
      const toxics = new ToxicRegistry(id)
      const faults = { stages: toxicStages(toxics), refusal: () => downToxic(toxics) }
      const proxy = await Proxy.start({ id, ...base, ...where, ...faults }, this.deps.proxy)
      this.next++
      this.running.set(id, proxy)
      this.toxicRegistries.set(id, toxics)
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
    'proxy.list': async () => this.list()
  }

  /** Stops every proxy and closes its connections (the engine's close). */
  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => p.stop(true)))
  }
}
