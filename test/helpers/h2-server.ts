// A real HTTP/2 server (node:http2) for the HTTP/2 export and replay tests: cleartext (h2c,
// prior knowledge) or TLS with ALPN h2 and a certificate made at test time. Every request's
// header block (as the server decoded it, in order) and body are kept; each answer carries a
// stamp that changes on every request, as a real API's ids and times do, and the server
// counts the TCP connections it accepted (a sequence or a repeat must use one).
import { once } from 'node:events'
import { createSecureServer, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'

export interface H2Received {
  /** Name, value, name, value ... as decoded, in order. */
  raw: string[]
  body: Buffer
}

export interface H2TestServer {
  port: number
  received: H2Received[]
  /** TCP connections accepted. */
  connections: number
  /** Most streams open at once on one session. */
  maxOpenStreams: number
  close(): Promise<void>
}

/**
 * Answers every request with JSON holding a stamp 4100001, 4100002, ... and the request
 * body's length. With `holdUntilOpen`, the first answers wait until that many streams are
 * open at once on a session: a repeat that multiplexes gets through, one that does not hangs.
 */
export async function startH2Server(tls?: { cert: string; key: string }, holdUntilOpen = 1): Promise<H2TestServer> {
  const server: Http2Server = tls ? createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: false }) : createServer()
  let stamp = 4_100_000
  let open = 0
  const waiting: Array<() => void> = []
  const sockets = new Set<Socket>()
  const state: H2TestServer = {
    port: 0,
    received: [],
    connections: 0,
    maxOpenStreams: 0,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    state.connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('stream', (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, _flags: number, raw: string[]) => {
    open++
    state.maxOpenStreams = Math.max(state.maxOpenStreams, open)
    const body: Buffer[] = []
    stream.on('data', (c: Buffer) => body.push(c))
    stream.on('close', () => open--)
    stream.on('error', () => {})
    stream.on('end', () => {
      const got = Buffer.concat(body)
      state.received.push({ raw, body: got })
      const answer = (): void => {
        if (stream.destroyed) return
        const path = raw[raw.indexOf(':path') + 1]
        // `/trailers/N`: the answer ends with trailers, grpc-status N, as a gRPC server's does.
        const status = /^\/trailers\/(\d+)$/.exec(path)?.[1]
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-kind': 'h2-test' }, status === undefined ? {} : { waitForTrailers: true })
        if (status !== undefined) stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': status }))
        stream.end(JSON.stringify({ stamp: ++stamp, got: got.length }))
      }
      waiting.push(answer)
      if (state.maxOpenStreams >= holdUntilOpen) for (const a of waiting.splice(0)) a()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.port = (server.address() as AddressInfo).port
  return state
}

/** The received header block as [name, value] pairs. */
export const pairs = (raw: string[]): Array<[string, string]> => Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i], raw[2 * i + 1]])
