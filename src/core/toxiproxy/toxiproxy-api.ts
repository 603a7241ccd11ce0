// A Toxiproxy 2.x-compatible HTTP API over the engine's proxy.* and toxic.* commands, so
// Toxiproxy's clients, toxiproxy-cli and Testcontainers' module drive tcpscope, and what they
// set up is recorded and shown. Routes, JSON shapes, status codes and error bodies follow
// Toxiproxy's api.go. Like Toxiproxy it has no authentication: it binds loopback unless told
// otherwise (the CLI's --allow-remote) and refuses browsers (a page cannot drive it).
// Every request is hostile until checked: the body is bounded, a bad one is a 400 on one
// line, and no error escapes a handler.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Endpoint } from '../../shared/endpoint'
import { Listener } from '../net/listen'
import { ApiError, BAD_REQUEST_BODY, TOXIC_ALREADY_EXISTS, TOXIC_NOT_FOUND, toApiError } from './api-errors'
import { ApiProxies, proxyInput, type ApiProxy, type ToxiproxyEngine } from './api-proxies'
import { toxicAddArgs, toxicJson, toxicUpdateArgs } from './toxic-json'

/** The Toxiproxy API this one matches (its /version answer). */
export const TOXIPROXY_API_VERSION = '2.6.0'
/** Toxiproxy's own listen address. */
export const TOXIPROXY_DEFAULT_LISTEN = '127.0.0.1:8474'
/** A request body larger than this is refused (413): populate lists and toxics are small. */
export const MAX_BODY_BYTES = 1024 * 1024
/** Toxiproxy's read timeout: a client that trickles its request is cut off. */
const REQUEST_TIMEOUT_MS = 15_000

export interface ToxiproxyApiOptions {
  listen: Endpoint
  /** tcpscope's version, beside the API's in /version. */
  version: string
}

interface Reply {
  status: number
  body?: unknown
}

type Handler = (params: string[], body: () => unknown) => Promise<Reply>

const ok = (body: unknown, status = 200): Reply => ({ status, body })
const NO_CONTENT: Reply = { status: 204 }

/** Toxiproxy's proxy shape: its fields and its toxics. */
async function proxyJson(proxies: ApiProxies, p: ApiProxy): Promise<unknown> {
  const toxics = await proxies.toxics(p)
  return { name: p.name, listen: p.listen, upstream: p.upstream, enabled: p.enabled, toxics: toxics.map(toxicJson) }
}

class BodyTooLarge extends ApiError {
  constructor() {
    super(`request body too large: at most ${MAX_BODY_BYTES} bytes`, 413)
  }
}

/**
 * The request's body, at most MAX_BODY_BYTES, read in full before the request waits its
 * turn (a client trickling its body holds up no one else). Never rejects: `body()` throws
 * the reason when a handler wants the body.
 */
function readBody(req: IncomingMessage): Promise<() => unknown> {
  return new Promise((resolve) => {
    const fail = (err: ApiError): void => resolve(() => {
      throw err
    })
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_BODY_BYTES) return fail(new BodyTooLarge())
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData)
        fail(new BodyTooLarge())
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('close', () => fail(new ApiError('the request ended before its body', 400)))
    req.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      if (text.trim() === '') return fail(BAD_REQUEST_BODY.because('empty body: send JSON'))
      try {
        const value: unknown = JSON.parse(text)
        resolve(() => value)
      } catch (err) {
        fail(BAD_REQUEST_BODY.because((err as Error).message))
      }
    })
  })
}

export class ToxiproxyApi {
  private readonly proxies: ApiProxies
  private readonly http: Server
  private listener!: Listener<Server>
  /** One request at a time: Toxiproxy locks its collection; here a check and its change never interleave with another's. */
  private queue: Promise<unknown> = Promise.resolve()
  private readonly routes: Array<{ method: string; path: RegExp; handle: Handler }>

  private constructor(
    engine: ToxiproxyEngine,
    private readonly opts: ToxiproxyApiOptions
  ) {
    this.proxies = new ApiProxies(engine)
    this.http = createServer((req, res) => this.serve(req, res))
    this.http.requestTimeout = REQUEST_TIMEOUT_MS
    this.http.headersTimeout = REQUEST_TIMEOUT_MS
    this.routes = this.table(engine)
  }

  static async start(engine: ToxiproxyEngine, opts: ToxiproxyApiOptions): Promise<ToxiproxyApi> {
    const api = new ToxiproxyApi(engine, opts)
    api.listener = await Listener.open(opts.listen, () => api.http)
    return api
  }

  /** `HOST:PORT` as bound (port 0 resolved). */
  get listening(): string {
    return this.listener.address
  }

  get port(): number {
    return this.listener.port
  }

  /** Stops answering. The proxies it made stay in the engine, which closes them itself. */
  async stop(): Promise<void> {
    this.http.closeAllConnections()
    await new Promise<void>((r) => this.http.close(() => r()))
  }

  private table(engine: ToxiproxyEngine): Array<{ method: string; path: RegExp; handle: Handler }> {
    const proxies = this.proxies
    const toxicOf = async (p: ApiProxy, name: string) => {
      const found = (await proxies.toxics(p)).find((t) => t.name === name)
      if (!found) throw TOXIC_NOT_FOUND
      return found
    }
    const seg = '([^/]+)'
    const route = (method: string, path: string, handle: Handler) => ({ method, path: new RegExp(`^${path.replace(/\{\w+\}/g, seg)}$`), handle })
    const updateProxy: Handler = async ([name], body) => ok(await proxyJson(proxies, await proxies.update(name, body())))
    const updateToxic: Handler = async ([name, toxic], body) => {
      const p = proxies.get(name)
      const current = await toxicOf(p, toxic)
      return ok(toxicJson(await engine['toxic.update'](toxicUpdateArgs(p.id, current, body()))))
    }
    return [
      route('GET', '/version', async () => ok({ version: TOXIPROXY_API_VERSION, tcpscope: this.opts.version })),
      route('POST', '/reset', async () => {
        await proxies.reset()
        return NO_CONTENT
      }),
      route('GET', '/proxies', async () => {
        const all: Record<string, unknown> = {}
        for (const p of proxies.all()) all[p.name] = await proxyJson(proxies, p)
        return ok(all)
      }),
      route('POST', '/proxies', async (_, body) => ok(await proxyJson(proxies, await proxies.create(proxyInput(body()))), 201)),
      route('POST', '/populate', async (_, body) => {
        const done: ApiProxy[] = []
        const input = body()
        const shown = async (): Promise<unknown[]> => Promise.all(done.map((p) => proxyJson(proxies, p)))
        try {
          await proxies.populate(input, (p) => done.push(p))
        } catch (err) {
          // As Toxiproxy: the error, and the proxies that are in place.
          const e = toApiError(err)
          return ok({ error: e.message, status: e.status, proxies: await shown() }, e.status)
        }
        return ok({ proxies: await shown() }, 201)
      }),
      route('GET', '/proxies/{proxy}', async ([name]) => ok(await proxyJson(proxies, proxies.get(name)))),
      route('POST', '/proxies/{proxy}', updateProxy),
      route('PATCH', '/proxies/{proxy}', updateProxy),
      route('DELETE', '/proxies/{proxy}', async ([name]) => {
        await proxies.remove(name)
        return NO_CONTENT
      }),
      route('GET', '/proxies/{proxy}/toxics', async ([name]) => ok((await proxies.toxics(proxies.get(name))).map(toxicJson))),
      route('POST', '/proxies/{proxy}/toxics', async ([name], body) => {
        const p = proxies.get(name)
        const args = toxicAddArgs(p.id, body())
        if ((await proxies.toxics(p)).some((t) => t.name === args.toxic.name)) throw TOXIC_ALREADY_EXISTS
        return ok(toxicJson(await engine['toxic.add'](args)))
      }),
      route('GET', '/proxies/{proxy}/toxics/{toxic}', async ([name, toxic]) => ok(toxicJson(await toxicOf(proxies.get(name), toxic)))),
      route('POST', '/proxies/{proxy}/toxics/{toxic}', updateToxic),
      route('PATCH', '/proxies/{proxy}/toxics/{toxic}', updateToxic),
      route('DELETE', '/proxies/{proxy}/toxics/{toxic}', async ([name, toxic]) => {
        const p = proxies.get(name)
        await toxicOf(p, toxic)
        await engine['toxic.remove']({ proxyId: p.id, name: toxic })
        return NO_CONTENT
      })
    ]
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const run = readBody(req).then((body) => this.serially(() => this.answer(req, body)))
    run.then(
      (reply) => this.send(req, res, reply),
      (err: unknown) => {
        const e = toApiError(err)
        this.send(req, res, { status: e.status, body: { error: e.message, status: e.status } })
      }
    )
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async answer(req: IncomingMessage, body: () => unknown): Promise<Reply> {
    // Toxiproxy's guard against a web page driving the API (it has no authentication).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) throw new ApiError('User agent not allowed', 403)
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/'
    const matching = this.routes.filter((r) => r.path.test(path))
    if (matching.length === 0) throw new ApiError(`not found: ${path.slice(0, 200)}`, 404)
    const route = matching.find((r) => r.method === req.method)
    if (!route) throw new ApiError(`method ${req.method} not allowed on ${path.slice(0, 200)}; use ${matching.map((r) => r.method).join(', ')}`, 405)
    let params: string[]
    try {
      params = route.path.exec(path)!.slice(1).map((p) => decodeURIComponent(p))
    } catch {
      throw new ApiError(`bad path: ${path.slice(0, 200)}`, 400)
    }
    return route.handle(params, body)
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
    if (res.headersSent || res.destroyed) return
    // A body not read (an error before it, or one too large) would be parsed as the next request.
    const unread = !req.complete
    if (unread) res.setHeader('Connection', 'close')
    if (reply.body === undefined) {
      res.writeHead(reply.status).end()
    } else {
      const text = JSON.stringify(reply.body) + '\n'
      res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text)
    }
    if (unread) res.once('finish', () => req.destroy())
  }
}
