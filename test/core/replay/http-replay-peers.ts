// Real peers for the HTTP replay tests: a Node HTTP server that keeps the raw bytes of every
// connection it accepts and how many were open at once, and requests from real clients
// (curl, Node's http) captured through the engine's proxy.
import { once } from 'node:events'
import { createServer, request, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { afterEach } from 'vitest'
import type { Engine } from '../../../src/core/engine'
import { testEngine, type TestEngine } from '../../helpers/engine'

export interface RawRecorder {
  server: Server
  port: number
  /** Each connection's bytes, in the order accepted. */
  received: Buffer[][]
  /** The most connections open at once. */
  maxOpen: number
  /** What it answers: this status, and `ok` (or `body`). */
  status: number
  body: string
  close: () => Promise<void>
}

export async function rawRecorder(): Promise<RawRecorder> {
  let open = 0
  const r: RawRecorder = {
    server: createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(r.status, { 'Content-Type': 'text/plain' })
        res.end(r.body)
      })
    }),
    port: 0,
    received: [],
    maxOpen: 0,
    status: 200,
    body: 'ok',
    close: () => new Promise<void>((resolve) => (r.server.closeAllConnections(), r.server.close(() => resolve())))
  }
  r.server.on('connection', (s: Socket) => {
    const chunks: Buffer[] = []
    r.received.push(chunks)
    open++
    r.maxOpen = Math.max(r.maxOpen, open)
    s.on('data', (c: Buffer) => chunks.push(c))
    s.on('close', () => open--)
  })
  r.server.listen(0, '127.0.0.1')
  await once(r.server, 'listening')
  r.port = (r.server.address() as { port: number }).port
  return r
}

/** A request from Node's http client through the proxy at `listen`; resolves with the response body. */
export function nodeRequest(listen: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const req = request(`http://${listen}${path}`, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => resolve(Buffer.concat(parts).toString()))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** The captured request of exchange `exchange` of `connId`: head and body as the client sent them. */
export async function capturedRequestBytes(engine: Engine, connId: number, exchange = 0): Promise<Buffer> {
  const page = await engine['http.exchanges']({ capture: 'live', connId, from: exchange, limit: 1 })
  const req = page.exchanges[0].request!
  const end = req.body.framing === 'none' ? req.headRange.offset + req.headRange.length : req.body.range.offset + req.body.range.length
  return engine.capture.readBytes(connId, 'client', req.startRange.offset, end - req.startRange.offset)
}

/**
 * A file's way to get a fresh test engine with a proxy in front of a raw recorder: both are
 * disposed of after each test (call it at the file's top level, where afterEach may be set).
 */
export function recorderBehindProxy(): () => Promise<{ t: TestEngine; recorder: RawRecorder; listen: string }> {
  let t: TestEngine | undefined
  let recorder: RawRecorder | undefined
  afterEach(async () => {
    await recorder?.close()
    recorder = undefined
    await t?.dispose()
    t = undefined
  })
  return async () => {
    t = await testEngine()
    recorder = await rawRecorder()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${recorder.port}` })
    return { t, recorder, listen: proxy.listen }
  }
}
