// The engine's intercepted browsers (intercept.*): each started in a fresh profile through
// a forward proxy (the one asked for, the running one, or one started for it), trusting
// tcpscope's CA in that profile only. A browser's exit, by the user or by intercept.stop,
// removes its profile, stops a proxy that was started for it once no browser uses it,
// and tells the front ends (browser-updated). The engine's close stops them all.

import type { CommandTable } from '../command-table'
import type { ProxyInfo } from '../../shared/events'
import type { InterceptedBrowser } from '../../shared/intercept-types'
import type { BrowserName } from '../../shared/tls-args'
import type { CaInfo } from '../../shared/tls-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { browserProxyAddress, chromiumArgs, firefoxArgs, type ProxyAddress } from './browser-args'
import { currentHost, findBrowsers, findCertutil, CERTUTIL_NEEDED, type BrowserHost } from './browser-discovery'
import { makeProfileDir, prepareFirefoxProfile, removeProfileDir } from './browser-profile'
import { ChildGroup } from './child-group'

export type InterceptCommand = 'intercept.browsers' | 'intercept.browser' | 'intercept.stop'

/** How intercepted browsers are started, beyond what intercept.browser says (tests run them headless). */
export interface InterceptOptions {
  /** Added to each browser's command line. */
  browserArgs?: Partial<Record<BrowserName, string[]>>
  /** The browsers' environment (default: the engine's). */
  browserEnv?: NodeJS.ProcessEnv
  /** Where browsers and certutil are looked for (default: this machine). */
  host?: BrowserHost
  /** Where profiles are made (default: the system's temp folder). */
  profileParent?: string
}

export interface InterceptDeps extends InterceptOptions {
  /** The engine's proxies as they are now. */
  proxies(): ProxyInfo[]
  /** Starts a forward proxy on a free loopback port (proxy.start). */
  startProxy(): Promise<ProxyInfo>
  /** Stops and forgets a proxy it started (proxy.remove), its connections closed. */
  removeProxy(id: string): Promise<void>
  /** tcpscope's CA (made on first use). */
  caInfo(): Promise<CaInfo>
  /** A browser started or closed. */
  updated(browser: InterceptedBrowser): void
  warn(message: string): void
  /** Throws when the engine is shutting down. */
  checkOpen(): void
}

interface Running {
  info: InterceptedBrowser
  child: ChildGroup
  /** Resolves once its exit is handled: profile removed, proxy stopped, front ends told. */
  done: Promise<void>
  /** tcpscope asked it to quit: however it exits then is no news. */
  stopping?: boolean
}

/**
 * The first page, checked: on a browser's command line anything starting with `-` is a flag
 * (`--renderer-cmd-prefix=...` runs a program), and a page is all tcpscope means to open.
 */
function pageUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UserError(`bad URL "${url}": give an http:// or https:// address, e.g. https://example.com/`, ERROR_CODES.EINVAL)
  }
  return parsed.href
}

const isForward = (p: ProxyInfo): boolean => p.mode === 'forward' && p.state === 'listening'

export class Interceptions {
  private readonly running = new Map<string, Running>()
  /** Forward proxies started for browsers: stopped when the last browser using one is gone. */
  private readonly ownProxies = new Set<string>()
  private next = 1

  constructor(private readonly deps: InterceptDeps) {}

  private get host(): BrowserHost {
    return this.deps.host ?? currentHost()
  }

  list(): InterceptedBrowser[] {
    return [...this.running.values()].map((r) => r.info)
  }

  /** The proxy asked for, else a running forward proxy, else a new one (remembered as ours). */
  private async proxyFor(proxyId: string | undefined): Promise<ProxyInfo> {
    const proxies = this.deps.proxies()
    if (proxyId !== undefined) {
      const asked = proxies.find((p) => p.id === proxyId)
      if (!asked) throw new UserError(`no proxy "${proxyId}"; list them with proxy.list`, 'ENOENT')
      if (!isForward(asked)) throw new UserError(`proxy ${proxyId} is not a listening forward proxy; start one with --forward, or leave the proxy out to have one started`, ERROR_CODES.ESTATE)
      return asked
    }
    const running = proxies.find(isForward)
    if (running) return running
    const started = await this.deps.startProxy()
    this.ownProxies.add(started.id)
    return started
  }

  private async stopProxyIfUnused(proxyId: string): Promise<void> {
    if (!this.ownProxies.has(proxyId) || this.list().some((b) => b.proxyId === proxyId && b.state === 'running')) return
    this.ownProxies.delete(proxyId)
    await this.deps.removeProxy(proxyId).catch((err: unknown) => this.deps.warn(`could not stop proxy ${proxyId}: ${(err as Error).message}`))
  }

  private async commandLine(name: BrowserName, proxy: ProxyAddress, profileDir: string, url: string | undefined): Promise<string[]> {
    const ca = await this.deps.caInfo()
    const extra = this.deps.browserArgs?.[name]
    if (name === 'firefox') {
      const certutil = await findCertutil(this.host)
      if (certutil === undefined) throw new UserError(CERTUTIL_NEEDED, 'ENOENT')
      await prepareFirefoxProfile(profileDir, { proxy, caPem: ca.pem, certutil })
      return firefoxArgs({ profileDir, url, extra })
    }
    const root = this.host.platform === 'linux' && process.getuid?.() === 0
    return chromiumArgs({ proxy, profileDir, spki: ca.spki, url, root, extra })
  }

  private async start(name: BrowserName, proxyId: string | undefined, asked: string | undefined): Promise<InterceptedBrowser> {
    this.deps.checkOpen()
    const url = pageUrl(asked)
    const found = (await findBrowsers(this.host)).find((b) => b.name === name)
    if (found?.path === undefined || found.reason !== undefined) throw new UserError(found?.reason ?? `${name} is not installed`, 'ENOENT')
    const proxy = await this.proxyFor(proxyId)
    let profileDir: string | undefined
    try {
      const address = browserProxyAddress(proxy.listen)
      if (!address) throw new UserError(`proxy ${proxy.id} listens on ${proxy.listen}, which a browser cannot use as a proxy; use a forward proxy on HOST:PORT`, ERROR_CODES.EINVAL)
      profileDir = await makeProfileDir(this.deps.profileParent)
      const args = await this.commandLine(name, address, profileDir, url)
      const child = await ChildGroup.start(found.path, args, { env: this.deps.browserEnv })
      const info: InterceptedBrowser = { browserId: `b${this.next++}`, name, pid: child.pid, proxyId: proxy.id, proxy: proxy.listen, profileDir, state: 'running' }
      const running: Running = { info, child, done: Promise.resolve() }
      running.done = child.exited
        .then((how) => this.ended(running, how))
        .catch((err: unknown) => this.deps.warn(`${name} closed, but cleaning up after it failed: ${(err as Error).message}`))
      this.running.set(info.browserId, running)
      this.deps.updated(info)
      return info
    } catch (err) {
      if (profileDir !== undefined) await removeProfileDir(profileDir)
      await this.stopProxyIfUnused(proxy.id)
      throw err
    }
  }

  private async ended(running: Running, how: string): Promise<void> {
    const { info, child } = running
    // Closed by the user: exit code 0. Anything else (a crash, a flag it refused) it says why.
    if (running.stopping !== true && how !== 'exit code 0') {
      const said = child.stderrTail().split('\n').pop()
      this.deps.warn(`${info.name} exited (${how})${said ? `: ${said}` : ''}`)
    }
    const left = await removeProfileDir(info.profileDir)
    if (left !== undefined) this.deps.warn(left)
    running.info = { ...info, state: 'closed', exit: how }
    this.running.delete(info.browserId)
    await this.stopProxyIfUnused(info.proxyId)
    this.deps.updated(running.info)
  }

  private async stop(running: Running): Promise<void> {
    running.stopping = true
    await running.child.stop()
    await running.done
  }

  readonly commands: CommandTable<InterceptCommand> = {
    'intercept.browsers': async () => findBrowsers(this.host),
    'intercept.browser': async (args) => this.start(args.browser, args.proxyId, args.url),
    'intercept.stop': async (args) => {
      const running = this.running.get(args.browserId)
      if (!running) throw new UserError(`no running browser "${args.browserId}"; it may have closed already`, 'ENOENT')
      await this.stop(running)
    }
  }

  /** Stops every browser it started and removes their profiles (the engine's close). */
  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => this.stop(r)))
  }
}
