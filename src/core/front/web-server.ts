// Web mode: the built renderer over HTTP and the engine over one WebSocket, for a browser.
// The page's commands can make the engine connect, listen and send anywhere, so everything
// is behind a random token: the page is opened with `?token=...`, which sets a cookie for
// its assets; a request or a WebSocket upgrade without the token is refused (401, or 403
// for a wrong one), and so is an upgrade from another origin or for another host name
// (DNS rebinding). Each WebSocket is one EngineEndpoint with the web policy.

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, normalize, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_FRAME_BYTES } from '../../shared/wire'
import type { Endpoint } from '../../shared/endpoint'
import { boundAddress, listenOn } from '../net/listen'
import { EngineEndpoint, type EndpointEngine, type EndpointPolicy, type Logger } from './engine-endpoint'

/** A socket with this much unsent is congested: events wait and coalesce. */
const CONGESTED_BYTES = 4 * 1024 * 1024
export const WS_PATH = '/ws'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json'
}

/** The page's own policy, as a header too (the page has it in a meta tag). */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

export interface WebServerOptions {
  listen: Endpoint
  /** The built renderer (index.html and its assets). */
  uiDir: string
  policy: EndpointPolicy
  log: Logger
}

export class WebServer {
  readonly token = randomBytes(24).toString('base64url')
  private readonly http: Server
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false })
  private readonly endpoints = new Set<EngineEndpoint>()
  private address = ''

  private constructor(
    private readonly engine: EndpointEngine,
    private readonly opts: WebServerOptions
  ) {
    this.http = createServer((req, res) => void this.serve(req, res))
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
  }

  static async start(engine: EndpointEngine, opts: WebServerOptions): Promise<WebServer> {
    const server = new WebServer(engine, opts)
    await listenOn(server.http, opts.listen)
    server.address = boundAddress(server.http, opts.listen)
    return server
  }

  /** `http://127.0.0.1:PORT/?token=...`: the one URL that opens the UI. */
  get url(): string {
    return `http://${this.address}/?token=${this.token}`
  }

  get listening(): string {
    return this.address
  }

  private cookieName(): string {
    // Cookies are shared between ports of one host: each web mode keeps its own.
    return `tcpscope_token_${this.address.slice(this.address.lastIndexOf(':') + 1)}`
  }

  /** 'ok', or why not: no token at all (401) or a wrong one (403). */
  private authorize(req: IncomingMessage): 'ok' | 401 | 403 {
    const url = new URL(req.url ?? '/', 'http://x')
    const given =
      url.searchParams.get('token') ??
      (req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.trim().split('='))
        .find(([k]) => k === this.cookieName())?.[1]
    if (given === undefined || given === '') return 401
    const a = Buffer.from(given)
    const b = Buffer.from(this.token)
    return a.length === b.length && timingSafeEqual(a, b) ? 'ok' : 403
  }

  /** The Host header names this server: a page reached through another name is refused. */
  private hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host ?? ''
    const port = this.address.slice(this.address.lastIndexOf(':') + 1)
    return host === this.address || host === `localhost:${port}` || host === `127.0.0.1:${port}` || host === `[::1]:${port}`
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deny = (code: number, text: string): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(text + '\n')
    }
    if (!this.hostAllowed(req)) return deny(403, 'tcpscope web: unknown host name')
    const auth = this.authorize(req)
    if (auth === 401) return deny(401, 'tcpscope web: open the URL tcpscope printed when it started; it carries the token')
    if (auth === 403) return deny(403, 'tcpscope web: wrong token; open the URL tcpscope printed when it started')
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'tcpscope web: only GET')
    const url = new URL(req.url ?? '/', 'http://x')
    const root = resolve(this.opts.uiDir)
    const file = resolve(root, '.' + normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)))
    if (file !== root && !file.startsWith(root + sep)) return deny(404, 'not found')
    let body: Buffer
    try {
      if (!(await stat(file)).isFile()) return deny(404, 'not found')
      body = await readFile(file)
    } catch {
      return deny(404, 'not found')
    }
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CSP
    }
    if (url.searchParams.has('token')) headers['Set-Cookie'] = `${this.cookieName()}=${this.token}; HttpOnly; SameSite=Strict; Path=/`
    res.writeHead(200, headers)
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    socket.on('error', () => {})
    if (new URL(req.url ?? '/', 'http://x').pathname !== WS_PATH) return refuse(404, 'Not Found')
    if (!this.hostAllowed(req)) return refuse(403, 'Forbidden')
    const auth = this.authorize(req)
    if (auth !== 'ok') return refuse(auth, auth === 401 ? 'Unauthorized' : 'Forbidden')
    // Only the page itself may talk to the engine: a page elsewhere cannot, even with the cookie.
    if (req.headers.origin !== `http://${req.headers.host}`) return refuse(403, 'Forbidden')
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws))
  }

  private attach(ws: WebSocket): void {
    const endpoint = new EngineEndpoint(
      this.engine,
      this.opts.policy,
      {
        send: (frame) => ws.readyState === ws.OPEN && ws.send(frame, { binary: true }),
        congested: () => ws.bufferedAmount > CONGESTED_BYTES
      },
      this.opts.log
    )
    this.endpoints.add(endpoint)
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return ws.close(1003, 'binary frames only')
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      endpoint.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.length))
    })
    ws.on('close', () => {
      endpoint.close()
      this.endpoints.delete(endpoint)
    })
    ws.on('error', () => ws.terminate())
    endpoint.start()
  }

  /** Closes every WebSocket and the server. */
  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, 'tcpscope is stopping')
    for (const e of this.endpoints) e.close()
    await new Promise<void>((r) => this.wss.close(() => r()))
    this.http.closeAllConnections()
    await new Promise<void>((r) => this.http.close(() => r()))
  }
}

export function isLoopback(ep: Endpoint): boolean {
  return ep.kind === 'unix' || ep.host === '127.0.0.1' || ep.host === '::1' || ep.host === 'localhost' || ep.host.startsWith('127.')
}
