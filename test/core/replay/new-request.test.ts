// A request composed from scratch (replay.send) against real servers: node:http (the request
// exactly as sent, byte for byte in the live capture; the response decoded; Content-Length
// and Host fitted; a HEAD), node:http2 over h2c with prior knowledge and over TLS with ALPN h2
// (pseudo-headers from the method and URL, certificates verified unless insecure), and
// node:https for HTTP/1.1 over TLS. Every refusal is one line, before anything connects.
import { createServer as createNetServer } from 'node:net'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { validateArgs } from '../../../src/shared/contract'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection, userRefusal } from '../../helpers/errors'
import { pairs, startH2Server, type H2TestServer } from '../../helpers/h2-server'
import { listen, REFUSED_PORT, tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { captured, closedSummary } from '../../helpers/sessions'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const tmp = tempDir()
const haveOpenssl = hasProgram('openssl')
let certs: TestCerts
beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())

async function engine(): Promise<TestEngine> {
  const t = await testEngine()
  cleanups.push(() => t.dispose())
  return t
}

interface Seen {
  method: string
  url: string
  rawHeaders: string[]
  body: string
}

/** An HTTP/1.1 server that answers JSON (gzipped under /gz) describing what it got; `seen` keeps every request. */
async function http1Server(tls?: TestCerts): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const body = Buffer.concat(parts).toString()
      seen.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body })
      const json = Buffer.from(JSON.stringify({ got: body.length, method: req.method }))
      const gz = req.url!.startsWith('/gz')
      const sent = gz ? gzipSync(json) : json
      res.writeHead(201, 'Made', { 'Content-Type': 'application/json', 'X-Server': 'node', ...(gz ? { 'Content-Encoding': 'gzip' } : {}), 'Content-Length': sent.length })
      res.end(req.method === 'HEAD' ? undefined : sent)
    })
  }
  const server = tls ? createHttpsServer({ cert: tls.read(tls.leafCert), key: tls.read(tls.leafKey), ALPNProtocols: ['http/1.1'] }, handle) : createServer(handle)
  const port = await listen(server)
  cleanups.push(() => new Promise((r) => server.close(r)))
  return { port, seen }
}

async function h2Server(tls?: TestCerts): Promise<H2TestServer> {
  const s = await startH2Server(tls ? { cert: tls.read(tls.leafCert).toString(), key: tls.read(tls.leafKey).toString() } : undefined)
  cleanups.push(s.close)
  return s
}

const JSON_BODY = '{"name":"tcpscope","n":1}'

describe('replay.send over HTTP/1.1', () => {
  it('sends the request as composed, Host and Content-Length fitted, records it byte for byte, and reads the response', async () => {
    const s = await http1Server()
    const t = await engine()
    const { first } = await t.engine['replay.send']({
      url: `http://127.0.0.1:${s.port}/v1/items?a=1#frag`,
      method: 'POST',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Dup', '1'],
        ['X-Dup', '2']
      ],
      body: JSON_BODY
    })
    const expected = `POST /v1/items?a=1 HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Type: application/json\r\nX-Dup: 1\r\nX-Dup: 2\r\nContent-Length: ${JSON_BODY.length}\r\n\r\n${JSON_BODY}`
    expect(s.seen).toEqual([{ method: 'POST', url: '/v1/items?a=1', rawHeaders: ['Host', `127.0.0.1:${s.port}`, 'Content-Type', 'application/json', 'X-Dup', '1', 'X-Dup', '2', 'Content-Length', String(JSON_BODY.length)], body: JSON_BODY }])
    expect(first).toMatchObject({ target: `127.0.0.1:${s.port}`, sent: expected.length, fixed: ['host', 'content-length'], matched: false, differences: [] })
    expect(first!.source).toBeUndefined()
    expect(first!.response).toMatchObject({ version: 'HTTP/1.1', status: 201, reason: 'Made', complete: true, bodySize: 26 })
    expect(first!.response!.headers.filter((h) => h.name.startsWith('X-') || h.name === 'Content-Type')).toEqual([
      { name: 'Content-Type', value: 'application/json' },
      { name: 'X-Server', value: 'node' }
    ])
    expect(Buffer.from(first!.response!.body).toString()).toBe('{"got":25,"method":"POST"}')
    expect(first!.response!.content).toMatchObject({ form: 'json', codings: [] })
    expect(first!.ms).toBeGreaterThan(0)

    // Recorded in the live capture as a replay's client connection, linked to nothing, byte for byte.
    const conn = await closedSummary(t.engine, first!.connId!)
    expect(conn).toMatchObject({ kind: 'client', ownerId: 'replay', target: `127.0.0.1:${s.port}` })
    expect(conn.replayOf).toBeUndefined()
    expect((await captured(t.engine, conn.id, 'client')).toString('latin1')).toBe(expected)
    expect((await captured(t.engine, conn.id, 'server')).toString('latin1')).toMatch(/^HTTP\/1\.1 201 Made\r\n/)
    // And it decodes as the HTTP exchange it was.
    const page = await t.engine['http.exchanges']({ capture: 'live', connId: conn.id, from: 0, limit: 1 })
    expect(page.exchanges[0].request).toMatchObject({ method: 'POST', target: '/v1/items?a=1' })
    expect(page.exchanges[0].response?.status).toBe(201)
  })

  it('keeps a Host header given, refits a wrong Content-Length, undoes gzip, and sends a HEAD with no length', async () => {
    const s = await http1Server()
    const t = await engine()
    const { first } = await t.engine['replay.send']({
      url: `http://127.0.0.1:${s.port}/gz`,
      method: 'PUT',
      headers: [
        ['host', 'api.test'],
        ['content-length', '999']
      ],
      body: new Uint8Array([0x68, 0x69]),
      record: false
    })
    expect(s.seen[0].rawHeaders).toEqual(['host', 'api.test', 'content-length', '2'])
    expect(first).toMatchObject({ fixed: ['content-length'] })
    expect(first!.connId).toBeUndefined()
    expect(first!.response!.content).toMatchObject({ form: 'json', codings: ['gzip'] })
    expect(Buffer.from(first!.response!.content!.bytes!).toString()).toBe('{"got":2,"method":"PUT"}')

    const head = (await t.engine['replay.send']({ url: `http://127.0.0.1:${s.port}/`, method: 'HEAD' })).first!
    expect(s.seen[1].rawHeaders).toEqual(['Host', `127.0.0.1:${s.port}`])
    expect(head.response).toMatchObject({ status: 201, complete: true, bodySize: 0 })
    // An empty POST says so: Content-Length 0.
    await t.engine['replay.send']({ url: `http://127.0.0.1:${s.port}/`, method: 'POST' })
    expect(s.seen[2].rawHeaders).toEqual(['Host', `127.0.0.1:${s.port}`, 'Content-Length', '0'])
  })

  it('goes over TLS for https, verified against the trusted CA with the URL host as SNI; an unverifiable server is refused in one line unless insecure', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await http1Server(certs)
    const t = await engine()
    const url = `https://localhost:${s.port}/secure`
    const { first } = await t.engine['replay.send']({ url, ca: certs.caPath })
    expect(first!.response?.status).toBe(201)
    expect(s.seen[0].rawHeaders).toEqual(['Host', `localhost:${s.port}`])
    const conn = await closedSummary(t.engine, first!.connId!)
    expect(conn.tls?.server).toMatchObject({ sni: 'localhost', alpn: 'http/1.1' })

    const refusal = await oneLineRejection(t.engine['replay.send']({ url }))
    expect(refusal).toMatch(/^cannot verify localhost:\d+'s certificate \(.*\): pass ca FILE to trust it, or insecure to skip verification$/)
    const insecure = await t.engine['replay.send']({ url, insecure: true })
    expect(insecure.first!.response?.status).toBe(201)
    expect(s.seen).toHaveLength(2)
  })
})

describe('replay.send over HTTP/2', () => {
  it('h2c with prior knowledge: the pseudo-headers from the method and URL, the headers in lower case, content-length fitted; recorded from the preface', async () => {
    const s = await h2Server()
    const t = await engine()
    const { first } = await t.engine['replay.send']({
      url: `http://127.0.0.1:${s.port}/v1/items?a=1`,
      method: 'POST',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Dup', '1'],
        ['X-Dup', '2']
      ],
      body: JSON_BODY,
      http2: true
    })
    expect(pairs(s.received[0].raw)).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', `127.0.0.1:${s.port}`],
      [':path', '/v1/items?a=1'],
      ['content-type', 'application/json'],
      ['x-dup', '1'],
      ['x-dup', '2'],
      ['content-length', String(JSON_BODY.length)]
    ])
    expect(s.received[0].body.toString()).toBe(JSON_BODY)
    expect(first).toMatchObject({ target: `127.0.0.1:${s.port}`, sent: JSON_BODY.length, fixed: ['content-length'], differences: [] })
    expect(first!.response).toMatchObject({ version: 'HTTP/2', status: 200, complete: true })
    expect(first!.response!.headers).toContainEqual({ name: 'x-kind', value: 'h2-test' })
    expect(JSON.parse(Buffer.from(first!.response!.body).toString())).toEqual({ stamp: 4100001, got: JSON_BODY.length })
    expect(first!.response!.content).toMatchObject({ form: 'json' })

    const conn = await closedSummary(t.engine, first!.connId!)
    expect(conn).toMatchObject({ kind: 'client', ownerId: 'replay' })
    expect((await captured(t.engine, conn.id, 'client')).subarray(0, 24).toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    const page = await t.engine['http.exchanges']({ capture: 'live', connId: conn.id, from: 0, limit: 1 })
    expect(page.exchanges[0].request?.method).toBe('POST')
    expect(page.exchanges[0].response?.status).toBe(200)
  })

  it('over TLS with ALPN h2, :scheme https and :authority from a Host header given; verified unless insecure', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await h2Server(certs)
    const t = await engine()
    const { first } = await t.engine['replay.send']({ url: `https://localhost:${s.port}/tls`, headers: [['Host', 'api.test']], http2: true, ca: certs.caPath })
    expect(pairs(s.received[0].raw)).toEqual([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'api.test'],
      [':path', '/tls']
    ])
    expect(first!.response).toMatchObject({ version: 'HTTP/2', status: 200 })
    expect((await closedSummary(t.engine, first!.connId!)).tls?.server).toMatchObject({ sni: 'localhost', alpn: 'h2' })
    const refusal = await oneLineRejection(t.engine['replay.send']({ url: `https://127.0.0.1:${s.port}/`, http2: true }))
    expect(refusal).toMatch(/certificate .*: pass ca FILE to trust it, or insecure to skip verification$/)
    expect((await t.engine['replay.send']({ url: `https://127.0.0.1:${s.port}/`, http2: true, insecure: true })).first!.response?.status).toBe(200)
  })

  it('a TLS server that will not speak HTTP/2 is said in one line', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await http1Server(certs)
    const t = await engine()
    const refusal = await oneLineRejection(t.engine['replay.send']({ url: `https://localhost:${s.port}/`, http2: true, ca: certs.caPath }))
    // Node's TLS server that knows only http/1.1 ends the handshake with an alert; one that picks no protocol is told by the session.
    expect(refusal).toMatch(/^localhost:\d+ (accepts none of the ALPN protocols offered \(alert no_application_protocol\)|did not agree to HTTP\/2 in its TLS handshake)/)
  })
})

describe('replay.send refusals', () => {
  it('refuses a bad URL, method or header in one line, before connecting', async () => {
    const t = await engine()
    const send = (args: Parameters<TestEngine['engine']['replay.send']>[0]): Promise<unknown> => t.engine['replay.send'](args)
    const refused = async (args: Parameters<TestEngine['engine']['replay.send']>[0]): Promise<string> => (await userRefusal(send(args))).message
    expect(await refused({ url: 'not a url' })).toBe('"not a url" does not start with http:// or https://: add one in front')
    expect(await refused({ url: 'localhost:8080/x' })).toBe('"localhost:8080/x" does not start with http:// or https://: add one in front')
    expect(await refused({ url: 'http://exa mple/' })).toBe('"http://exa mple/" is not a URL: give http://HOST[:PORT]/PATH or https://…')
    expect(await refused({ url: 'ftp://x/' })).toBe('the URL\'s scheme is ftp: a request goes to http:// or https://')
    expect(await refused({ url: 'http://u:p@x/' })).toBe('the URL holds a user name or password: send them in an Authorization header instead')
    expect(await refused({ url: 'http://x/', method: 'GE T' })).toBe('method "GE T" is not a token (letters, digits and !#$%&\'*+-.^_`|~ only, no spaces)')
    expect(await refused({ url: 'http://x/', headers: [['X-A', 'one\r\nX-Injected: two']] })).toBe("header 1 (X-A) holds a CR, LF or NUL: a header's value is one line")
    expect(await refused({ url: 'http://x/', headers: [['X A', 'v']] })).toMatch(/^header 1 name "X A" is not a token/)
    expect(await refused({ url: 'http://x/', headers: [[':path', '/']] })).toBe('header 1 (":path") is a pseudo-header: the method and the URL make them')
    expect(await refused({ url: 'http://x/', headers: [['X-Name', '中文']] })).toBe('header 1 (X-Name) holds "中" (U+4E2D), beyond Latin-1: percent-encode it')
    expect(await refused({ url: 'http://x/', headers: [['Connection', 'close']], http2: true })).toBe("header 1 (Connection) belongs to HTTP/1's connection and HTTP/2 does not send it: remove it, or send over HTTP/1.1")
    expect(t.engine.capture.connections()).toEqual([])
  })

  it('the contract refuses malformed arguments in one line', () => {
    expect(() => validateArgs('replay.send', { url: 'http://x/', headers: [['a']] })).toThrow(/^headers\[0\]: expected \[name, value\], two strings$/)
    expect(() => validateArgs('replay.send', { url: 'http://x/', body: 5 })).toThrow(/^body: expected bytes, got number$/)
    expect(validateArgs('replay.send', { url: 'http://x/', body: 'text', headers: [['a', 'b']] })).toEqual({ url: 'http://x/', body: 'text', headers: [['a', 'b']] })
  })

  it('a server that refuses the connection is one line, and the connection is recorded as failed', async () => {
    const t = await engine()
    const refusal = await oneLineRejection(t.engine['replay.send']({ url: `http://127.0.0.1:${REFUSED_PORT}/` }))
    expect(refusal).toMatch(/127\.0\.0\.1:1/)
    const [conn] = t.engine.capture.connections()
    expect(conn).toMatchObject({ kind: 'client', ownerId: 'replay' })
  })

  it('no answer within the timeout is a result that says so', async () => {
    const t = await engine()
    // A server that reads and never answers.
    const server = createNetServer((socket) => socket.resume())
    const port = await listen(server)
    cleanups.push(() => new Promise((r) => server.close(r)))
    const { first } = await t.engine['replay.send']({ url: `http://127.0.0.1:${port}/`, timeoutMs: 200 })
    expect(first!.response).toBeUndefined()
    expect(first!.differences).toEqual([`no response from 127.0.0.1:${port} within 200 ms`])
  })
})
