// The engine's proxies (proxy.*): each by its id (p1, p2, ...), started, stopped and
// started again with its settings, every one recording into the live capture.

import type { CommandTable } from '../command-table'
import type { ProxyInfo } from '../../shared/events'
import type { ProxyStartArgs } from '../../shared/proxy-args'
import { UserError } from '../net/net-errors'
import { Proxy, type ProxyDeps } from './proxy'
import { forwardProxyOptions, type ForwardTlsDeps } from './forward/forward-options'
import type { LiveCapture } from '../capture/write/live-capture'
import { checkProxyMode, listenOptions, targetProxyOptions } from './target-proxy-options'
import { builtWorkerFile } from '../built-worker'
import { WorkerPool } from './workers/worker-pool'
import { workerThreads } from './workers/worker-count'
import type { ToxicRegistry } from '../fault/toxic-registry'
import type { BreakRegistry } from '../breakpoint/break-registry'
import type { TrafficRules } from '../rules/traffic-rules'
import { ProxyRules, type ProxyRulesDeps } from './proxy-stages'
import type { ProxyConnection } from './proxy-connection'

export type ProxyCommand = 'proxy.start' | 'proxy.stop' | 'proxy.restart' | 'proxy.list' | 'proxy.remove'

export interface ProxiesDeps {
  /** What every proxy records into and answers to. */
  proxy: ProxyDeps & { capture: LiveCapture }
  /** Where tcpscope's CA lives: forwarding workers open it there. */
  dataDir: string
  /** The forwarding worker's built script, instead of the one beside the engine (tests run from source). */
  workerFile?: string
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
  /** Each proxy's forwarding workers (`workers` > 1), and what its user is told of them. */
  private readonly pools = new Map<string, { pool: WorkerPool | undefined; note?: string }>()
  private next = 1

  constructor(private readonly deps: ProxiesDeps) {}

  list(): ProxyInfo[] {
    return [...this.running.values()].map((p) => this.info(p))
  }

  /** A proxy's info, with its workers' counts. */
  private info(proxy: Proxy): ProxyInfo {
    const info = proxy.info()
    const threads = this.pools.get(proxy.id)
    if (threads === undefined) return info
    const counts = threads.pool?.counts()
    const accepted = counts === undefined ? [info.accepted] : [info.accepted, ...counts.accepted]
    const sum = accepted.reduce((a, b) => a + b, 0)
    const listening = (info.state === 'listening' ? 1 : 0) + (counts?.listening ?? 0)
    return { ...info, accepted: sum, active: info.active + (counts?.active ?? 0), threads: { accepted, listening, ...(threads.note !== undefined ? { note: threads.note } : {}) } }
  }

  /** Each listening proxy a person started (not an ephemeral one) as proxy.start would start it again: on the address it has, with the settings it was given. */
  settings(): Array<{ id: string; start: ProxyStartArgs }> {
    return [...this.running.values()]
      .map((p) => this.info(p))
      .filter((info) => info.state === 'listening' && this.startArgs.get(info.id)?.ephemeral !== true)
      .map((info) => ({ id: info.id, start: { ...this.startArgs.get(info.id)!, listen: info.listen } }))
  }

  /** Proxy `id`'s forwarding workers, if it has some (a killed worker's test reaches them here). */
  workerPool(id: string): WorkerPool | undefined {
    return this.pools.get(id)?.pool
  }

  /** The toxics of proxy `id` (toxic.* commands, fault/toxic-commands.ts). */
  toxics(id: string): ToxicRegistry {
    this.get(id)
    return this.rules.get(id)!.toxics
  }

  /** The traffic rules of proxy `id` (rules.* commands, rules/rule-commands.ts). */
  traffic(id: string): TrafficRules {
    this.get(id)
    return this.rules.get(id)!.traffic
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
    for (const [id, threads] of this.pools) {
      if (threads.pool?.has(connId)) {
        throw new UserError(`conn ${connId} is forwarded by one of proxy ${id}'s worker threads: pausing, sending into and closing a connection work on the main thread's connections only (start the proxy without --workers to act on every one)`, 'ESTATE')
      }
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
      let where
      checkProxyMode(args)
      if (args.forward !== undefined) {
        where = { ...listenOptions(args), forward: await forwardProxyOptions(args.forward, args.tlsUpstream, this.deps.tls) }
      } else where = await targetProxyOptions(args, this.deps.tls?.ca)
      const threads = this.threadsFor(args, where.listen.kind === 'unix')
      // The id is taken only once the proxy listens: a failed start leaves p1 for the next try.
      const id = `p${this.next}`
      const rules = new ProxyRules(id, { ...this.deps.rules, capture: this.deps.proxy.capture })
      const proxy = await Proxy.start({ id, ...where, stages: rules.stages, refusal: rules.refusal, reusePort: threads.count > 1, ...(args.frame ? { frame: args.frame } : {}) }, this.deps.proxy)
      let pool: WorkerPool | undefined
      if (threads.count > 1) {
        try {
          pool = await WorkerPool.start({
            proxyId: id,
            args: { ...args, listen: proxy.info().listen },
            extra: threads.count - 1,
            file: threads.file!,
            dataDir: this.deps.dataDir,
            // Leaves from the CA (no --tls-cert): each thread issues them with the main thread's keys.
            ...(args.tlsListen !== undefined && args.tlsListen.cert === undefined && this.deps.tls !== undefined ? { leafKeys: await (await this.deps.tls.ca()).shared() } : {}),
            capture: this.deps.proxy.capture,
            hold: this.deps.proxy.hold,
            toxics: [],
            accepting: true,
            warn: (message) => this.deps.proxy.warn?.(message)
          })
        } catch (err) {
          await proxy.stop(true)
          throw new UserError(`proxy: its forwarding workers did not start: ${(err as Error).message}`, 'EWORKER')
        }
      }
      rules.onFirstRule = () => proxy.attachStages()
      if (pool !== undefined) this.mirrorRules(proxy, rules, pool)
      this.next++
      this.running.set(id, proxy)
      this.rules.set(id, rules)
      this.startArgs.set(id, args)
      if (args.workers !== undefined) this.pools.set(id, { pool, ...(threads.note !== undefined ? { note: threads.note } : {}) })
      const info = this.info(proxy)
      this.deps.started(info)
      return info
    },
    /** Listens again, with the same id and settings, after a stop. */
    'proxy.restart': async (args) => {
      this.deps.checkOpen()
      const proxy = this.get(args.proxyId)
      await proxy.restart()
      this.reviewWorkers(proxy)
      const info = this.info(proxy)
      this.deps.started(info)
      return info
    },
    'proxy.stop': async (args) => {
      const proxy = this.get(args.proxyId)
      await Promise.all([proxy.stop(args.closeConnections ?? false), this.pools.get(proxy.id)?.pool?.stop(args.closeConnections ?? false)])
      this.deps.stopped(this.info(proxy))
    },
    'proxy.list': async () => this.list(),
    'proxy.remove': async (args) => {
      const proxy = this.get(args.proxyId)
      // Forgotten first: a restart or a second remove meanwhile finds no such proxy, rather
      // than a listener that nothing would stop.
      this.running.delete(args.proxyId)
      this.rules.get(args.proxyId)?.traffic.close()
      this.rules.delete(args.proxyId)
      this.startArgs.delete(args.proxyId)
      // Its connections close, so what its breakpoints hold is shown as closed while held.
      await Promise.all([proxy.stop(true), this.pools.get(args.proxyId)?.pool?.close()])
      const info = this.info(proxy)
      this.pools.delete(args.proxyId)
      this.deps.removed({ ...info, state: 'removed' })
    }
  }

  /** Stops every proxy and closes its connections (the engine's close). */
  async close(): Promise<void> {
    for (const r of this.rules.values()) r.traffic.close()
    await Promise.all([...this.running.values()].map((p) => p.stop(true)))
    await Promise.all([...this.pools.values()].map((p) => p.pool?.close()))
  }

  /**
   * How many threads a proxy runs on, and the one line that says why fewer than asked: no
   * SO_REUSEPORT (Node before 22.12, not Linux), a Unix socket, a forward proxy, no built worker.
   */
  private threadsFor(args: ProxyStartArgs, unix: boolean): { count: number; file?: string; note?: string } {
    if (args.workers === undefined) return { count: 1 }
    const { threads, note } = workerThreads(args.workers)
    if (threads <= 1) return { count: 1, ...(note !== undefined ? { note } : {}) }
    if (unix) return { count: 1, note: '--workers: a Unix socket cannot be shared by threads; running one thread' }
    if (args.forward !== undefined) return { count: 1, note: "--workers: a forward proxy runs on one thread (its tunnels' rules and intercepted TLS are the main thread's); running one thread" }
    const file = this.deps.workerFile ?? builtWorkerFile('proxy-worker')
    if (file === undefined) return { count: 1, note: '--workers: the forwarding worker is not built beside the engine; running one thread' }
    return { count: threads, file }
  }

  /**
   * A proxy's toxics reach its workers as they change. Breakpoints hold messages in the main
   * thread's queue, and a toxic that picks connections by the list's filter reads the main
   * thread's index: while the proxy has either, only the main thread accepts (its workers'
   * open connections go on), and its info says so.
   */
  private mirrorRules(proxy: Proxy, rules: ProxyRules, pool: WorkerPool): void {
    rules.toxics.watch(() => {
      pool.setToxics(rules.toxics.list())
      this.reviewWorkers(proxy)
    })
    rules.breaks.watch(() => this.reviewWorkers(proxy))
  }

  private reviewWorkers(proxy: Proxy): void {
    const threads = this.pools.get(proxy.id)
    const rules = this.rules.get(proxy.id)
    if (threads?.pool === undefined || rules === undefined) return
    const mainOnly = rules.breaks.size > 0 || rules.toxics.picksConnections
    threads.pool.setAccepting(proxy.info().state === 'listening' && !mainOnly)
    if (mainOnly) threads.note = 'breakpoints, and toxics that pick connections by filter, run on the main thread: only it accepts new connections while the proxy has them'
    else delete threads.note
  }
}
