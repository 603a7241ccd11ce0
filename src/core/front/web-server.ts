// Web mode: the built renderer over HTTP and the engine over one WebSocket, for a browser.
// The page's commands can make the engine connect, listen and send anywhere, so the
// WebSocket is behind a random token, which never goes where a browser would send it on
// its own: no cookie (one for 127.0.0.1 reaches every port of it, every local dev server).
// The printed URL carries it once; the page keeps it for the tab and offers it as a
// WebSocket subprotocol (shared/web-mode.ts). An upgrade without it is refused (401, or 403
// for a wrong one), and so is one from another origin. The page's files are the public
// built UI and hold no data, so they are served without the token. Every request must name
// a host this server listens as (web-hosts.ts: no DNS rebinding). Everything about a
// request is hostile until checked: a target, escape or header that does not parse is a
// 4xx, with or without the token, and a handler that fails anyway costs one log line, never
// the process. Each WebSocket is one EngineEndpoint with the web policy.

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, normalize, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { FileAccess } from '../../shared/contract'
import { MAX_FRAME_BYTES } from '../../shared/wire'
import { WS_PATH, WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../shared/web-mode'
import { formatEndpoint, type Endpoint } from '../../shared/endpoint'
import { Listener } from '../net/listen'
import { ALL_FILE_ACCESS, EngineEndpoint, type EndpointEngine, type EndpointPolicy, type Logger } from './engine-endpoint'
import { targetPath } from './request-target'
import { allowedHosts, isLoopbackHost, isWildcard } from './web-hosts'

/** A socket with this much unsent is congested: events and replies wait. */
const CONGESTED_BYTES = 4 * 1024 * 1024
/** Request line and headers together; more is answered 431 (the page sends well under 2 KiB). */
const MAX_HEADER_BYTES = 16 * 1024

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
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

/**
 * What the page may do with the host's files unless told otherwise: open and save captures
 * by path (its Open and Save dialogs). A payload of kind file, which sends any file of the
 * host, waits for --allow-files; running a program (Intercept ▸ "A command…"), which does
 * anything the host's user may, waits for --allow-commands, which --allow-files does not give.
 */
export const WEB_FILE_ACCESS: readonly FileAccess[] = ['reads-path', 'writes-path']

/** The page's accesses with `tcpscope web`'s switches: --allow-files (`files`), --allow-commands (`commands`). */
export function webFileAccess(allow: { files: boolean; commands: boolean }): FileAccess[] {
  return ALL_FILE_ACCESS.filter((a) => (a === 'runs-program' ? allow.commands : allow.files || WEB_FILE_ACCESS.includes(a)))
}

export interface WebServerOptions {
  listen: Endpoint
  /** The built renderer (index.html and its assets). */
  uiDir: string
  policy: EndpointPolicy
  log: Logger
}

/** One line for a log, whatever was thrown. */
const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]

export class WebServer {
  readonly token = randomBytes(24).toString('base64url')
  private readonly http: Server
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    // Never the token's entry: a reply header carries only the protocol's name.
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false)
  })
  private readonly endpoints = new Set<EngineEndpoint>()
  private address = ''
  private port = 0

  private constructor(
    private readonly engine: EndpointEngine,
    private readonly opts: WebServerOptions
  ) {
    this.http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        this.opts.log(`tcpscope: web: a request for the page failed: ${oneLine(err)}`)
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('tcpscope web: internal error\n')
        else res.destroy()
      })
    })
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head))
    // What Node cannot parse (NUL in a target, headers over the limit, garbage): answered
    // here, so the socket ends with a status instead of silence.
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy()
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request'
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    })
    this.http.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      socket.on('error', () => {})
      socket.end('HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
    })
  }

  static async start(engine: EndpointEngine, opts: WebServerOptions): Promise<WebServer> {
    const server = new WebServer(engine, opts)
    const listener = await Listener.open(opts.listen, () => server.http)
    server.address = listener.address
    server.port = listener.port
    return server
  }

  /**
   * `http://127.0.0.1:PORT/?token=...`: the one URL that opens the UI. Listening on every
   * address, it names loopback: a browser may refuse 0.0.0.0, and this machine's own
   * browser always reaches loopback.
   */
  get url(): string {
    const host = this.opts.listen.kind === 'tcp' ? this.opts.listen.host : ''
    const shown = isWildcard(host) ? formatEndpoint({ kind: 'tcp', host: host === '::' ? '::1' : '127.0.0.1', port: this.port }) : this.address
    return `http://${shown}/?token=${this.token}`
  }

  get listening(): string {
    return this.address
  }

  /** 'ok', or why not: no token offered (401) or a wrong one (403). */
  private authorize(req: IncomingMessage): 'ok' | 401 | 403 {
    const header = req.headers['sec-websocket-protocol']
    const offered = typeof header === 'string' ? header.split(',').map((p) => p.trim()) : []
    const given = offered.find((p) => p.startsWith(WS_TOKEN_PREFIX))?.slice(WS_TOKEN_PREFIX.length)
    if (given === undefined || given === '') return 401
    const a = Buffer.from(given)
    const b = Buffer.from(this.token)
    return a.length === b.length && timingSafeEqual(a, b) ? 'ok' : 403
  }

  /** The Host header names this server as it was asked to listen: any other name is refused. */
  private hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host
    if (host === undefined) return false
    const asked = this.opts.listen.kind === 'tcp' ? this.opts.listen.host : ''
    const bound = this.address.slice(0, this.address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1')
    return allowedHosts(asked, bound, this.port).has(host.toLowerCase())
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deny = (code: number, text: string): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(text + '\n')
    }
    const path = targetPath(req.url)
    if (path === undefined) return deny(400, 'tcpscope web: bad request target')
    if (!this.hostAllowed(req)) return deny(403, 'tcpscope web: unknown host name')
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'tcpscope web: only GET')
    const root = resolve(this.opts.uiDir)
    const file = resolve(root, '.' + normalize(path === '/' ? '/index.html' : path))
    if (file !== root && !file.startsWith(root + sep)) return deny(404, 'not found')
    let body: Buffer
    try {
      if (!(await stat(file)).isFile()) return deny(404, 'not found')
      body = await readFile(file)
    } catch {
      return deny(404, 'not found')
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': CSP
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    socket.on('error', () => {})
    try {
      const path = targetPath(req.url)
      if (path === undefined) return refuse(400, 'Bad Request')
      if (path !== WS_PATH) return refuse(404, 'Not Found')
      if (!this.hostAllowed(req)) return refuse(403, 'Forbidden')
      const auth = this.authorize(req)
      if (auth !== 'ok') return refuse(auth, auth === 401 ? 'Unauthorized' : 'Forbidden')
      // Only the page itself may talk to the engine: a page elsewhere cannot, even with the token.
      if (req.headers.origin !== `http://${req.headers.host}`) return refuse(403, 'Forbidden')
      this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws))
    } catch (err) {
      this.opts.log(`tcpscope: web: a WebSocket upgrade failed: ${oneLine(err)}`)
      socket.destroy()
    }
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
      // ws hands over a Buffer of its own: no copy of a frame of up to 17 MiB.
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
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
  return ep.kind === 'unix' || isLoopbackHost(ep.host)
}
