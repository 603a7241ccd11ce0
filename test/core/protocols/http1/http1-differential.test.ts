// Differential: the same request and response bytes parsed by Node's own parser (llhttp,
// driven through a real node:http server and client on loopback) and by our decoder agree
// on method, target, status, headers (as sent: case, order, duplicates), body and trailers.
// Handwritten edge cases, then generated ones from a seeded generator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpMessage } from '../../../../src/shared/protocol-types'
import { connectTo, listen, startServer } from '../../../helpers/net'
import { decode, type Decoded } from '../feed'

interface Parsed {
  method?: string
  target?: string
  status?: number
  reason?: string
  headers: Array<[string, string]>
  body: string
  trailers: Array<[string, string]>
}

const pairs = (raw: string[]): Array<[string, string]> => Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i], raw[2 * i + 1]])

function ours(d: Decoded, m: HttpMessage): Parsed {
  const s = Buffer.from(d.streams[m.dir])
  const ranges = m.body.framing === 'chunked' ? m.body.chunks! : [m.body.range]
  return {
    ...(m.method !== undefined ? { method: m.method, target: m.target } : {}),
    ...(m.status !== undefined ? { status: m.status, reason: m.reason } : {}),
    headers: m.headers.map((h) => [h.name, h.value]),
    body: Buffer.concat(ranges.map((r) => s.subarray(r.offset, r.offset + r.length))).toString('latin1'),
    trailers: (m.body.trailers ?? []).map((h) => [h.name, h.value])
  }
}

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random message body and the framing headers for it: none, Content-Length, or chunked with extensions and trailers. */
function randomFraming(rand: () => number, allowNone: boolean): { headers: string; body: string } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]
  const content = Array.from({ length: Math.floor(rand() * 200) }, () => String.fromCharCode(32 + Math.floor(rand() * 95))).join('')
  const kind = pick(allowNone ? ['none', 'length', 'chunked'] : ['length', 'chunked'])
  if (kind === 'none') return { headers: '', body: '' }
  if (kind === 'length') return { headers: `${pick(['Content-Length', 'content-length', 'CONTENT-LENGTH'])}: ${content.length}\r\n`, body: content }
  let chunked = ''
  for (let at = 0; at < content.length; ) {
    const n = 1 + Math.floor(rand() * 60)
    const piece = content.slice(at, at + n)
    chunked += `${piece.length.toString(16)}${rand() < 0.3 ? ';ext=' + Math.floor(rand() * 9) : ''}\r\n${piece}\r\n`
    at += n
  }
  const trailers = rand() < 0.5 ? `X-Trailer-${Math.floor(rand() * 9)}: t${Math.floor(rand() * 99)}\r\n` : ''
  return { headers: `${pick(['Transfer-Encoding', 'transfer-encoding'])}: chunked\r\n`, body: `${chunked}0\r\n${trailers}\r\n` }
}

function randomHeaders(rand: () => number): string {
  const names = ['X-Custom', 'x-lower', 'Accept', 'Cache-Control', 'X-Dup', 'X-Dup', 'User-Agent', 'Cookie']
  const ws = ['', ' ', '  ', '\t']
  let out = ''
  const count = Math.floor(rand() * 6)
  for (let i = 0; i < count; i++) {
    const value = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => String.fromCharCode(33 + Math.floor(rand() * 94))).join('')
    out += `${names[Math.floor(rand() * names.length)]}:${ws[Math.floor(rand() * ws.length)]}${value}${ws[Math.floor(rand() * 2)]}\r\n`
  }
  return out
}

const REQUESTS: string[] = [
  'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /path?query=1&b=%20x HTTP/1.1\r\nHost: a\r\nX-Dup: 1\r\nx-dup: 2\r\nX-DUP: 3\r\n\r\n',
  'POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2',
  'PUT /chunks HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;name=val\r\nabc\r\n5\r\ndefgh\r\n0\r\nX-Sum: 8\r\nX-Other: yes\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
  'DELETE /x HTTP/1.0\r\nHost:   spaced   \r\nEmpty:\r\n\r\n',
  'PATCH /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n'
]

const RESPONSES: Array<[method: string, raw: string]> = [
  ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'],
  ['GET', 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 3\r\n\r\nnope'.slice(0, -1)],
  ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Check\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Check: ok\r\n\r\n'],
  ['GET', 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nread until the server closes'],
  ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'],
  ['GET', 'HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n'],
  ['GET', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n'],
  ['GET', 'HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok'],
  // llhttp refuses obs-fold unless lenient (RFC 9112 5.2 lets a recipient join it, as we do).
  ['GET lenient', 'HTTP/1.1 200 OK\r\nX-Folded: one\r\n  two\r\n\tthree\r\nContent-Length: 0\r\n\r\n'],
  ['GET', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz']
]

describe('differential against llhttp (node:http)', () => {
  /** Requests as node:http's server parsed them, in arrival order. */
  let received: Parsed[] = []
  let server: http.Server
  let port: number
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const body: Buffer[] = []
      req.on('data', (c: Buffer) => body.push(c))
      req.on('end', () => {
        received.push({ method: req.method, target: req.url, headers: pairs(req.rawHeaders), body: Buffer.concat(body).toString('latin1'), trailers: pairs(req.rawTrailers) })
        res.end()
      })
    })
    port = await listen(server)
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  /** Sends raw request bytes to node:http's server and returns what it parsed. */
  async function llhttpRequest(raw: string): Promise<Parsed> {
    received = []
    const socket = await connectTo(port)
    socket.resume()
    socket.end(Buffer.from(raw, 'latin1'))
    await once(socket, 'close')
    expect(received).toHaveLength(1)
    return received[0]
  }

  /** Serves raw response bytes to a node:http client and returns what it parsed (with its 1xx statuses). */
  async function llhttpResponse(method: string, raw: string): Promise<{ parsed: Parsed; interim: number[] }> {
    const srv = await startServer((s) => {
      s.once('data', () => s.end(Buffer.from(raw, 'latin1')))
      s.on('end', () => s.end())
    })
    try {
      const interim: number[] = []
      const lenient = method.endsWith(' lenient')
      const req = http.request({
        port: (srv.server.address() as AddressInfo).port,
        host: '127.0.0.1',
        method: method.replace(' lenient', ''),
        path: '/',
        agent: false,
        insecureHTTPParser: lenient
      })
      req.on('information', (info) => interim.push(info.statusCode))
      req.end()
      const [res] = (await once(req, 'response')) as [http.IncomingMessage]
      const body: Buffer[] = []
      res.on('data', (c: Buffer) => body.push(c))
      await once(res, 'end')
      const parsed = { status: res.statusCode, reason: res.statusMessage, headers: pairs(res.rawHeaders), body: Buffer.concat(body).toString('latin1'), trailers: pairs(res.rawTrailers) }
      return { parsed, interim }
    } finally {
      await srv.close()
    }
  }

  function ourRequest(raw: string): Parsed {
    const d = decode([{ dir: 'client', bytes: raw }], { protocol: 'http1' })
    expect(d.problems).toEqual([])
    expect(d.exchanges).toHaveLength(1)
    return ours(d, d.exchanges[0].request!)
  }

  function ourResponse(method: string, raw: string): { parsed: Parsed; interim: number[] } {
    const d = decode([{ dir: 'client', bytes: `${method.replace(' lenient', '')} / HTTP/1.1\r\n\r\n` }, { dir: 'server', bytes: raw }, { dir: 'server', end: true }], { protocol: 'http1' })
    expect(d.problems).toEqual([])
    const [ex] = d.exchanges
    expect(ex.state).toBe('complete')
    return { parsed: ours(d, ex.response!), interim: ex.informational.map((m) => m.status!) }
  }

  it.each(REQUESTS.map((r) => [r]))('request %j', async (raw) => {
    expect(ourRequest(raw)).toEqual(await llhttpRequest(raw))
  })

  it.each(RESPONSES)('response to %s: %j', async (method, raw) => {
    const theirs = await llhttpResponse(method, raw)
    // Lenient llhttp keeps a fold's whitespace; the contract joins folded lines with one space.
    if (method.endsWith(' lenient')) theirs.parsed.headers = theirs.parsed.headers.map(([n, v]) => [n, v.replace(/[ \t]+/g, ' ')])
    expect(ourResponse(method, raw)).toEqual(theirs)
  })

  it('generated requests and responses agree too', async () => {
    const rand = prng(0xd1ff)
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']
    for (let i = 0; i < 40; i++) {
      const framing = randomFraming(rand, true)
      const method = methods[Math.floor(rand() * methods.length)]
      const request = `${method} /r/${i}?q=${Math.floor(rand() * 1000)} HTTP/1.${rand() < 0.8 ? 1 : 0}\r\nHost: h\r\n${randomHeaders(rand)}${framing.headers}\r\n${framing.body}`
      expect(ourRequest(request), request).toEqual(await llhttpRequest(request))

      const resFraming = randomFraming(rand, false)
      const status = [200, 201, 400, 404, 500, 302][Math.floor(rand() * 6)]
      const response = `HTTP/1.1 ${status} Reason ${i}\r\n${randomHeaders(rand)}${resFraming.headers}\r\n${resFraming.body}`
      expect(ourResponse('GET', response), response).toEqual(await llhttpResponse('GET', response))
    }
  })
})
