// The Toxiproxy API's proxies: each name is one tcpscope recording proxy (its own id, its
// connections in the live capture), kept as Toxiproxy keeps them: enabled = listening,
// a changed listen or upstream = a new listener (the toxics carried over), populate = add
// or replace, reset = every proxy enabled and every toxic gone. Only engine commands are
// used, so the proxies appear in every front end (the sidebar) as they change.

import type { EngineApi } from '../../shared/contract'
import { toxicSpecOf, type Toxic } from '../../shared/fault-types'
import { MISSING_FIELD, PROXY_ALREADY_EXISTS, PROXY_NOT_FOUND, BAD_REQUEST_BODY } from './api-errors'
import { objectBody } from './toxic-json'

/** The engine commands the API drives, and no others. */
export type ToxiproxyEngine = Pick<EngineApi, 'proxy.start' | 'proxy.stop' | 'proxy.restart' | 'proxy.remove' | 'toxic.list' | 'toxic.add' | 'toxic.update' | 'toxic.remove'>

export interface ApiProxy {
  name: string
  /** As the engine listens (port 0 resolved), what Toxiproxy shows. */
  listen: string
  /** As the client asked: populate keeps a proxy whose listen and upstream are unchanged. */
  askedListen: string
  upstream: string
  enabled: boolean
  /** The tcpscope proxy it is now. */
  id: string
}

export interface ProxyInput {
  name: string
  listen: string
  upstream: string
  enabled: boolean
}

/** Toxiproxy takes an empty listen as any port, and Go's `:PORT` as every address. */
function engineListen(listen: string): string {
  if (listen === '') return '127.0.0.1:0'
  return listen.startsWith(':') ? `0.0.0.0${listen}` : listen
}

function stringField(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw BAD_REQUEST_BODY.because(`${field}: expected a string`)
  if (v.length > 4096) throw BAD_REQUEST_BODY.because(`${field}: at most 4096 characters`)
  return v
}

function boolField(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw BAD_REQUEST_BODY.because(`${field}: expected true or false`)
  return v
}

/** A proxy as POST /proxies and /populate take it; `at` names its place in a populate list. */
export function proxyInput(raw: unknown, at = ''): ProxyInput {
  const body = objectBody(raw)
  const name = stringField(body, 'name') ?? ''
  const upstream = stringField(body, 'upstream') ?? ''
  if (name === '') throw MISSING_FIELD.because(`name${at}`)
  if (name.length > 256) throw BAD_REQUEST_BODY.because('name: at most 256 characters')
  if (upstream === '') throw MISSING_FIELD.because(`upstream${at}`)
  return { name, upstream, listen: stringField(body, 'listen') ?? '', enabled: boolField(body, 'enabled') ?? true }
}

export class ApiProxies {
  private readonly byName = new Map<string, ApiProxy>()

  constructor(private readonly engine: ToxiproxyEngine) {}

  all(): ApiProxy[] {
    return [...this.byName.values()]
  }

  get(name: string): ApiProxy {
    const proxy = this.byName.get(name)
    if (!proxy) throw PROXY_NOT_FOUND
    return proxy
  }

  toxics(proxy: ApiProxy): Promise<Toxic[]> {
    return this.engine['toxic.list']({ proxyId: proxy.id })
  }

  async create(input: ProxyInput): Promise<ApiProxy> {
    if (this.byName.has(input.name)) throw PROXY_ALREADY_EXISTS
    const proxy = await this.open(input)
    this.byName.set(input.name, proxy)
    return proxy
  }

  /** POST|PATCH /proxies/{name}: the fields given change; the rest stay. */
  async update(name: string, raw: unknown): Promise<ApiProxy> {
    const proxy = this.get(name)
    const body = objectBody(raw)
    const listen = stringField(body, 'listen') ?? proxy.listen
    const upstream = stringField(body, 'upstream') ?? proxy.upstream
    const enabled = boolField(body, 'enabled') ?? proxy.enabled
    if ((listen !== proxy.listen && engineListen(listen) !== proxy.askedListen) || upstream !== proxy.upstream) {
      const toxics = await this.toxics(proxy)
      await this.close(proxy)
      let moved: ApiProxy
      try {
        moved = await this.open({ name, listen, upstream, enabled })
      } catch (err) {
        // The old listener comes back, so a failed move changes nothing.
        if (proxy.enabled) await this.engine['proxy.restart']({ proxyId: proxy.id })
        throw err
      }
      for (const toxic of toxics) await this.engine['toxic.add']({ proxyId: moved.id, toxic: toxicSpecOf(toxic) })
      // The old listener is gone for good: it leaves every front end's list too.
      await this.engine['proxy.remove']({ proxyId: proxy.id })
      this.byName.set(name, moved)
      return moved
    }
    if (enabled && !proxy.enabled) await this.engine['proxy.restart']({ proxyId: proxy.id })
    if (!enabled && proxy.enabled) await this.close(proxy)
    proxy.enabled = enabled
    return proxy
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name)
    await this.engine['proxy.remove']({ proxyId: proxy.id })
    this.byName.delete(name)
  }

  /** Every proxy listening again, with no toxics. */
  async reset(): Promise<void> {
    for (const proxy of this.byName.values()) {
      if (!proxy.enabled) {
        await this.engine['proxy.restart']({ proxyId: proxy.id })
        proxy.enabled = true
      }
      for (const t of await this.toxics(proxy)) await this.engine['toxic.remove']({ proxyId: proxy.id, name: t.name })
    }
  }

  /**
   * POST /populate: the whole list is checked first, then each proxy added, or replaced
   * when its listen or upstream changed. `done` gets each as it is in place, so a failure
   * half-way can still say which are.
   */
  async populate(raw: unknown, done: (p: ApiProxy) => void): Promise<void> {
    if (!Array.isArray(raw)) throw BAD_REQUEST_BODY.because('expected a JSON array of proxies')
    const inputs = raw.map((p, i) => proxyInput(p, ` at proxy ${i + 1}`))
    const seen = new Set<string>()
    for (const p of inputs) {
      if (seen.has(p.name)) throw BAD_REQUEST_BODY.because(`duplicate proxy name "${p.name}"`)
      seen.add(p.name)
    }
    for (const input of inputs) {
      const existing = this.byName.get(input.name)
      const same = existing !== undefined && (engineListen(input.listen) === existing.askedListen || input.listen === existing.listen) && input.upstream === existing.upstream
      if (existing && same) {
        done(existing)
        continue
      }
      if (existing) await this.remove(input.name)
      done(await this.create(input))
    }
  }

  private async open(input: ProxyInput): Promise<ApiProxy> {
    const askedListen = engineListen(input.listen)
    // Its client makes it again (populate, create): a restored copy would only take its port.
    const info = await this.engine['proxy.start']({ listen: askedListen, target: input.upstream, ephemeral: true })
    // A disabled proxy still gets its tcpscope proxy (stopped), so toxics can be set on it.
    if (!input.enabled) await this.engine['proxy.stop']({ proxyId: info.id, closeConnections: true })
    return { name: input.name, listen: info.listen, askedListen, upstream: input.upstream, enabled: input.enabled, id: info.id }
  }

  /** Toxiproxy's stop: no more clients, and the open connections closed. */
  private async close(proxy: ApiProxy): Promise<void> {
    if (proxy.enabled) await this.engine['proxy.stop']({ proxyId: proxy.id, closeConnections: true })
  }
}
