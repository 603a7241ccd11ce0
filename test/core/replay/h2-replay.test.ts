// HTTP/2 replay against a real node:http2 server, from hand-made exchanges in the decoder's
// shape: h2c with prior knowledge and TLS with ALPN h2, the same pseudo-headers, headers and
// body, the same decoded comparison as HTTP/1's (`body $.stamp: 4100001 → 4100002`), an
// edited request in the text form, a sequence and a repeat on ONE connection (the repeat's
// streams open at once), and the replayed connection recorded byte for byte in the live capture.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:http2'
import { afterEach, describe, expect, it } from 'vitest'
import { replayHttp } from '../../../src/core/replay/http-replay'
import { replaySequence } from '../../../src/core/replay/http-replay-sequence'
import { loadTlsConnect } from '../../../src/core/net/target/connect-target'
import { REPLAY_TLS_FLAGS } from '../../../src/core/replay/replay-tls'
import { h2RequestText } from '../../../src/shared/h2-request-edit'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { h2Capture, type H2MessageSpec } from '../../helpers/h2-exchange'
import { pairs, startH2Server, type H2TestServer } from '../../helpers/h2-server'
import { needPeer } from '../../helpers/peers'
import { makeTestCerts } from '../../helpers/tls-certs'
import { oneLineRejection } from '../../helpers/errors'
import { closedConnections } from '../../helpers/capture-checks'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function server(tls?: { cert: string; key: string }, holdUntilOpen?: number): Promise<H2TestServer> {
  const s = await startH2Server(tls, holdUntilOpen)
  cleanups.push(s.close)
  return s
}

async function engine(): Promise<TestEngine> {
  const t = await testEngine()
  cleanups.push(() => t.dispose())
  return t
}

const BODY = Buffer.from('{"name":"x"}')
const request = (path: string, scheme = 'http'): H2MessageSpec => ({
  headers: [[':method', 'POST'], [':scheme', scheme], [':authority', 'api.test'], [':path', path], ['content-type', 'application/json'], ['x-dup', '1'], ['x-dup', '2']],
  data: [BODY.subarray(0, 5), BODY.subarray(5)]
})
const response = (stamp: number): H2MessageSpec => ({
  headers: [[':status', '200'], ['content-type', 'application/json'], ['x-kind', 'h2-test']],
  data: [Buffer.from(JSON.stringify({ stamp, got: BODY.length }))]
})
const target = (port: number) => ({ kind: 'tcp' as const, host: '127.0.0.1', port })

describe('HTTP/2 replay', () => {
  it('sends the request again over h2c, compares the decoded response, and records the replayed connection', async () => {
    const s = await server()
    const t = await engine()
    const capture = h2Capture([{ request: request('/v1/items?a=1'), response: response(4100001) }])
    const first = (await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port), record: { capture: t.engine.capture } })).first!
    expect(first).toMatchObject({ matched: true, differences: [], sent: BODY.length, target: `127.0.0.1:${s.port}` })
    expect(first.response).toMatchObject({ version: 'HTTP/2', status: 200, complete: true })
    expect(first.response!.headers.map((h) => h.name)).not.toContain(':status')
    expect(pairs(s.received[0].raw)).toEqual([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', 'api.test'],
      [':path', '/v1/items?a=1'],
      ['content-type', 'application/json'],
      ['x-dup', '1'],
      ['x-dup', '2']
    ])
    expect(s.received[0].body).toEqual(BODY)
    // The replay's own connection, in the live capture: the client's preface and the server's frames, as sent.
    const rec = await t.engine.capture.connection(first.connId!)
    expect(rec?.replayOf).toBeUndefined()
    const preface = await t.engine.capture.readBytes(first.connId!, 'client', 0, 24)
    expect(preface.toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    expect(rec!.bytes.server).toBeGreaterThan(0)

    // The server's stamp moved on: the one comparison says so, as for HTTP/1.
    const second = (await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port) })).first!
    expect(second.matched).toBe(false)
    expect(second.differences).toEqual(['body $.stamp: 4100001 → 4100002'])
  })

  it('replays over TLS with ALPN h2 when the connection was TLS', async (ctx) => {
    if (!needPeer('openssl')) return ctx.skip()
    const dir = mkdtempSync(join(tmpdir(), 'tcpscope-h2-replay-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const certs = makeTestCerts(dir)
    const s = await server({ cert: certs.read(certs.leafCert).toString(), key: certs.read(certs.leafKey).toString() })
    const capture = h2Capture([{ request: request('/tls', 'https'), response: response(4100001) }])
    const tls = await loadTlsConnect({ verify: true, ca: certs.caPath }, REPLAY_TLS_FLAGS)
    const first = (await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port), tls: { ...tls, servername: 'upstream.test' } })).first!
    expect(first.matched).toBe(true)
    expect(pairs(s.received[0].raw)).toContainEqual([':scheme', 'https'])
  })

  it('sends an edited request in its text form, and refuses one that is not in one line', async () => {
    const s = await server()
    const capture = h2Capture([{ request: request('/orig'), response: response(4100001) }])
    const edited = h2RequestText(
      [
        { name: ':method', value: 'PUT' },
        { name: ':scheme', value: 'http' },
        { name: ':authority', value: 'api.test' },
        { name: ':path', value: '/edited' },
        { name: 'content-type', value: 'application/json' }
      ],
      Buffer.from('{"name":"edited"}')
    )
    const first = (await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port), request: edited, fixLength: true })).first!
    expect(first.edited).toBe(true)
    expect(first.fixed).toEqual([':authority', 'content-length'])
    expect(pairs(s.received[0].raw)).toEqual([
      [':method', 'PUT'],
      [':scheme', 'http'],
      [':authority', `127.0.0.1:${s.port}`],
      [':path', '/edited'],
      ['content-type', 'application/json'],
      ['content-length', '17']
    ])
    expect(s.received[0].body.toString()).toBe('{"name":"edited"}')
    expect(first.differences).toEqual(['body $.got: 12 → 17'])
    const refusal = await oneLineRejection(replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port), request: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') }))
    expect(refusal).toMatch(/^the edited request is not an HTTP\/2 request in its text form .*: line 1 is not NAME: VALUE$/)
    expect(s.received).toHaveLength(1)
  })

  it('compares the trailers too: a grpc-status that changed is a difference', async () => {
    const s = await server()
    const withTrailers = (status: string): H2MessageSpec => ({ ...response(4100001), trailers: [['grpc-status', status]] })
    const capture = h2Capture([
      { request: request('/trailers/0'), response: withTrailers('0') },
      { request: request('/trailers/13'), response: withTrailers('0') }
    ])
    const same = (await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port) })).first!
    expect(same.differences).toEqual([])
    const changed = (await replayHttp(capture.view, capture.decoding, 1, 1, { target: target(s.port) })).first!
    expect(changed.differences).toEqual(['header grpc-status: "0" → "13"', 'body $.stamp: 4100001 → 4100002'])
  })

  it('sends a sequence in order on one HTTP/2 connection, each compared with its own recording', async () => {
    const s = await server()
    const capture = h2Capture([
      { request: request('/1'), response: response(4100001) },
      { request: request('/2'), response: response(4100002) },
      { request: request('/3'), response: response(4100009) }
    ])
    const requests = [0, 1, 2].map((exchange) => ({ connId: 1, exchange }))
    const result = await replaySequence(capture.view, capture.decoding, requests, { target: target(s.port) })
    expect(s.connections).toBe(1)
    expect(s.received.map((r) => pairs(r.raw).find(([n]) => n === ':path')![1])).toEqual(['/1', '/2', '/3'])
    expect(result).toMatchObject({ matched: 2, notSent: 0 })
    expect(result.results.map((r) => r.differences)).toEqual([[], [], ['body $.stamp: 4100009 → 4100003']])
  })

  it('multiplexes a repeat on one connection: --count 20 --concurrency 5 has five streams open at once', async () => {
    // The server answers nothing until five streams are open at once on the session.
    const s = await server(undefined, 5)
    const capture = h2Capture([{ request: request('/many'), response: response(4100001) }])
    const { summary, first } = await replayHttp(capture.view, capture.decoding, 1, 0, { target: target(s.port), count: 20, concurrency: 5, timeoutMs: 5000 })
    expect(s.connections).toBe(1)
    expect(s.maxOpenStreams).toBe(5)
    expect(s.received).toHaveLength(20)
    expect(summary).toMatchObject({ count: 20, concurrency: 5, errors: 0, statuses: { 200: 20 } })
    expect(first?.response?.status).toBe(200)
  })

  it('through the engine: a request node:http2 sent through the proxy is replayed, and the replayed connection decodes as HTTP/2 again', async () => {
    const s = await server()
    const t = await engine()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${s.port}` })
    const session = connect(`http://${proxy.listen}`)
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': '/engine', 'content-type': 'text/plain' })
      req.on('error', reject)
      req.end('hello')
      req.resume()
      req.on('end', resolve)
    })
    await new Promise<void>((resolve) => session.close(resolve))
    const [conn] = await closedConnections(t.engine, 1)
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0 })
    expect(first!.differences).toEqual(['body $.stamp: 4100001 → 4100002'])
    expect(s.received[1].body.toString()).toBe('hello')
    const replayed = await t.engine['http.exchanges']({ capture: 'live', connId: first!.connId!, from: 0, limit: 10 })
    expect(replayed.total).toBe(1)
    const [ex] = replayed.exchanges
    expect(ex.stream).toBe(1)
    // The same header block, in the order the client sent it (pseudo-headers first).
    const captured = (await t.engine['http.exchanges']({ capture: 'live', connId: conn.id, from: 0, limit: 1 })).exchanges[0]
    const block = (m: typeof ex.request): string[][] => m!.headers.map((h) => [h.name, h.value])
    expect(block(ex.request)).toEqual(block(captured.request))
    expect(block(ex.request).slice(0, 4).map(([n]) => n).sort()).toEqual([':authority', ':method', ':path', ':scheme'])
    expect(ex.response?.status).toBe(200)
    expect((await t.engine.capture.connection(first!.connId!))?.replayOf).toEqual({ capture: 'live', connId: conn.id, exchange: 0 })
  })
})
