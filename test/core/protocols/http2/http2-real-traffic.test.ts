// The HTTP/2 decoder on bytes from real clients and servers, recorded by a loopback relay as
// the proxy records them: Node's http2 client and server (concurrent streams, request bodies,
// trailers, 103 Early Hints, a pushed stream, a stream the client cancels), curl with prior
// knowledge, and curl's Upgrade: h2c against a
// server that answers the upgrade. Every header is traced to its bytes, bodies are read back
// through their DATA ranges, and decoding the same bytes one byte at a time finds the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import http2 from 'node:http2'
import net from 'node:net'
import { promisify } from 'node:util'
import type { HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import { listen } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { startRecordingRelay, type RecordedConnection, type RecordingRelay } from '../../../helpers/recording-relay'
import { decode, type Decoded, type Piece } from '../feed'

const run = promisify(execFile)

/** A message's content: its DATA payloads joined. */
function contentOf(d: Decoded, m: HttpMessage): string {
  const s = Buffer.from(d.streams[m.dir])
  return Buffer.concat((m.body.chunks ?? []).map((r) => s.subarray(r.offset, r.offset + r.length))).toString()
}

const header = (m: HttpMessage | undefined, name: string): string | undefined => m?.headers.find((h) => h.name === name)?.value

function decodeConnection(conn: RecordedConnection): Decoded {
  const d = decode(conn.pieces, { takeEvery: true })
  expect(d.problems).toEqual([])
  expect(d.decoder.protocol).toBe('http2')
  return d
}

/** The same pieces one byte at a time, with DATA payloads skipped as the engine's feeder skips them. */
function byteByByte(conn: RecordedConnection): Piece[] {
  const out: Piece[] = []
  for (const p of conn.pieces) {
    if ('end' in p) out.push(p)
    else for (const b of p.bytes) out.push({ dir: p.dir, bytes: Uint8Array.of(b), time: p.time })
  }
  return out
}

/** What a decoded exchange says, without ranges: to compare two decodings. */
function gist(ex: HttpExchange): unknown {
  const m = (msg: HttpMessage | undefined): unknown => msg && { start: msg.startLine, headers: msg.headers.map((h) => [h.name, h.value]), size: msg.body.size, trailers: msg.body.trailers?.map((h) => [h.name, h.value]), complete: msg.body.complete }
  return { index: ex.index, stream: ex.stream, state: ex.state, request: m(ex.request), response: m(ex.response), informational: ex.informational.map(m), ended: ex.ended?.name, pushedOn: ex.pushedOn }
}

describe('HTTP/2 from Node http2 peers', () => {
  let server: http2.Http2Server
  let relay: RecordingRelay
  const sessions: http2.ClientHttp2Session[] = []

  beforeAll(async () => {
    server = http2.createServer()
    server.on('stream', (stream, headers) => {
      const path = String(headers[':path'])
      if (path === '/hints') {
        stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' })
        stream.respond({ ':status': 200, 'content-type': 'text/plain' })
        stream.end('after hints')
        return
      }
      if (path === '/push') {
        stream.pushStream({ ':path': '/pushed.js' }, (err, push) => {
          if (err) return
          push.respond({ ':status': 200, 'content-type': 'text/javascript' })
          push.end('pushed();')
        })
        stream.respond({ ':status': 200 })
        stream.end('page')
        return
      }
      if (path === '/hang') {
        stream.respond({ ':status': 200 })
        stream.write('partial')
        return
      }
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/json', 'x-path': path }, { waitForTrailers: true })
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': String(Buffer.concat(chunks).length) }))
        stream.end(JSON.stringify({ path, got: Buffer.concat(chunks).toString(), big: 'x'.repeat(path === '/big' ? 100_000 : 10) }))
      })
    })
    const port = await listen(server)
    relay = await startRecordingRelay(port)
  })

  afterAll(async () => {
    for (const s of sessions) s.destroy()
    await relay?.close()
    await new Promise<void>((r) => server?.close(() => r()))
  })

  async function request(session: http2.ClientHttp2Session, path: string, body?: string, method = body ? 'POST' : 'GET'): Promise<string> {
    const req = session.request({ ':method': method, ':path': path, 'x-request': path, cookie: 'a=1' }, { endStream: body === undefined })
    if (body !== undefined) req.end(body)
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (text += c))
    await new Promise<void>((resolve, reject) => {
      req.on('end', () => resolve())
      req.on('error', reject)
    })
    return text
  }

  it('decodes concurrent streams into exchanges in the order their requests began, bodies and trailers traced to their bytes', async () => {
    const before = relay.connections.length
    const session = http2.connect(`http://127.0.0.1:${relay.port}`)
    sessions.push(session)
    const answers = await Promise.all([request(session, '/a', 'hello a'), request(session, '/big'), request(session, '/c', 'x'.repeat(70_000)), request(session, '/hints')])
    expect(answers[3]).toBe('after hints')
    session.close()
    const [conn] = (await relay.settled(before + 1)).slice(before)
    const d = decodeConnection(conn)
    expect(d.exchanges.map((e) => [e.stream, e.request?.method, e.request?.target, e.response?.status, e.state])).toEqual([
      [1, 'POST', '/a', 200, 'complete'],
      [3, 'GET', '/big', 200, 'complete'],
      [5, 'POST', '/c', 200, 'complete'],
      [7, 'GET', '/hints', 200, 'complete']
    ])
    const [a, big, c, hints] = d.exchanges
    // Pseudo-headers first, as sent; every header's range holds its HPACK representation.
    // Node sends :method, :path, :authority, :scheme in that order.
    expect(a.request!.headers.slice(0, 4).map((h) => h.name)).toEqual([':method', ':path', ':authority', ':scheme'])
    expect(header(a.request, 'x-request')).toBe('/a')
    expect(a.request!.startLine).toBe('POST /a HTTP/2')
    expect(a.response!.startLine).toBe('HTTP/2 200')
    for (const h of [...a.request!.headers, ...a.response!.headers]) {
      const r = h.range
      expect(r.offset).toBeGreaterThanOrEqual(a.request!.dir === r.dir ? a.request!.headRange.offset : a.response!.headRange.offset)
      expect(r.length).toBeGreaterThan(0)
    }
    expect(contentOf(d, a.request!)).toBe('hello a')
    expect(JSON.parse(contentOf(d, a.response!))).toMatchObject({ path: '/a', got: 'hello a' })
    expect(a.response!.body.trailers?.map((h) => [h.name, h.value])).toEqual([['x-checksum', '7']])
    expect(big.response!.body.size).toBe(JSON.stringify({ path: '/big', got: '', big: 'x'.repeat(100_000) }).length)
    expect(JSON.parse(contentOf(d, big.response!)).big).toHaveLength(100_000)
    expect(big.response!.body.chunks!.length).toBeGreaterThan(1)
    expect(big.response!.body.chunkTimes).toHaveLength(big.response!.body.chunks!.length)
    expect(contentOf(d, c.request!)).toBe('x'.repeat(70_000))
    expect(hints.informational.map((m) => [m.status, header(m, 'link')])).toEqual([[103, '</style.css>; rel=preload']])
    expect(contentOf(d, hints.response!)).toBe('after hints')

    // Whatever the segmentation, and with DATA payloads skipped, the same is found.
    const slow = decode(byteByByte(conn), { skip: true })
    expect(slow.problems).toEqual([])
    expect(slow.exchanges.map(gist)).toEqual(d.exchanges.map(gist))
  })

  it('decodes a pushed stream as an exchange promised on its stream, and a stream the client cancels as ended by RST_STREAM CANCEL', async () => {
    const before = relay.connections.length
    const session = http2.connect(`http://127.0.0.1:${relay.port}`)
    sessions.push(session)
    const pushed = new Promise<string>((resolve) => {
      session.on('stream', (push) => {
        let t = ''
        push.setEncoding('utf8')
        push.on('data', (c: string) => (t += c))
        push.on('end', () => resolve(t))
      })
    })
    expect(await request(session, '/push')).toBe('page')
    expect(await pushed).toBe('pushed();')
    const hang = session.request({ ':path': '/hang' })
    await new Promise<void>((resolve) => hang.once('data', () => resolve()))
    hang.close(http2.constants.NGHTTP2_CANCEL)
    await request(session, '/after')
    session.close()
    const [conn] = (await relay.settled(before + 1)).slice(before)
    const d = decodeConnection(conn)
    const push = d.exchanges.find((e) => e.pushedOn !== undefined)!
    expect(push).toMatchObject({ stream: 2, pushedOn: 1, state: 'complete' })
    expect(push.request).toMatchObject({ dir: 'server', method: 'GET', target: '/pushed.js' })
    expect(contentOf(d, push.response!)).toBe('pushed();')
    const hung = d.exchanges.find((e) => e.request?.target === '/hang')!
    expect(hung.state).toBe('incomplete')
    expect(hung.ended).toMatchObject({ kind: 'rst_stream', by: 'client', code: 8, name: 'CANCEL' })
    expect(contentOf(d, hung.response!)).toBe('partial')
    expect(d.exchanges.find((e) => e.request?.target === '/after')?.state).toBe('complete')
    // Exchanges are numbered in the order their requests (or promises) began.
    expect(d.exchanges.map((e) => e.index)).toEqual(d.exchanges.map((_, i) => i))
  })
})

describe('HTTP/2 from curl', () => {
  let server: http2.Http2Server
  let relay: RecordingRelay

  beforeAll(async () => {
    server = http2.createServer()
    server.on('stream', (stream, headers) => {
      stream.resume()
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' })
        stream.end(`you asked for ${headers[':path']}`)
      })
    })
    relay = await startRecordingRelay(await listen(server))
  })
  afterAll(async () => {
    await relay?.close()
    await new Promise<void>((r) => server?.close(() => r()))
  })

  it('decodes curl --http2-prior-knowledge, a request with a body', async (ctx) => {
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    const before = relay.connections.length
    // (curl 7.88 breaks its own framing when it reuses a prior-knowledge connection, so one request; --parallel is tested over TLS, through the proxy.)
    const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--http2-prior-knowledge', '-H', 'x-trace: 1', '--data-binary', 'a=1&b=2', `http://127.0.0.1:${relay.port}/form`])
    expect(stdout).toBe('you asked for /form')
    const conns = (await relay.settled(before + 1)).slice(before)
    expect(conns).toHaveLength(1)
    const d = decodeConnection(conns[0])
    expect(d.exchanges.map((e) => [e.stream, e.request?.method, e.request?.target, e.response?.status, e.state])).toEqual([[1, 'POST', '/form', 200, 'complete']])
    const [e] = d.exchanges
    expect(header(e.request, 'user-agent')).toMatch(/^curl\//)
    expect(header(e.request, ':authority')).toBe(`127.0.0.1:${relay.port}`)
    expect(header(e.request, 'x-trace')).toBe('1')
    expect(header(e.request, 'content-type')).toBe('application/x-www-form-urlencoded')
    expect(contentOf(d, e.request!)).toBe('a=1&b=2')
    expect(contentOf(d, e.response!)).toBe('you asked for /form')
  })
})

/** 0x88: `:status: 200` from HPACK's static table (index 8); then a literal without indexing, new name. */
function h2Response(stream: number, body: string): Buffer {
  const name = Buffer.from('x-upgraded')
  const value = Buffer.from('yes')
  const block = Buffer.concat([Buffer.from([0x88, 0x00, name.length]), name, Buffer.from([value.length]), value])
  const frame = (type: number, flags: number, id: number, payload: Buffer): Buffer => {
    const h = Buffer.alloc(9)
    h.writeUIntBE(payload.length, 0, 3)
    h[3] = type
    h[4] = flags
    h.writeUInt32BE(id, 5)
    return Buffer.concat([h, payload])
  }
  return Buffer.concat([frame(4, 0, 0, Buffer.alloc(0)), frame(1, 0x4, stream, block), frame(0, 0x1, stream, Buffer.from(body))])
}

describe('HTTP/2 after Upgrade: h2c', () => {
  it('decodes curl --http2 on http://: the 101, then the upgrade request answered on stream 1', async (ctx) => {
    needProgram(ctx, 'curl (apt-get install curl)', hasProgram('curl'))
    // Node's http2 cannot take an upgrade, so this server answers it by hand: 101, then its SETTINGS, and stream 1's answer.
    const h2c = net.createServer((socket) => {
      let got = ''
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1')
        if (got.includes('\r\n\r\n') && !got.includes('answered')) {
          got += 'answered'
          socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n')
          socket.write(h2Response(1, 'hello over h2c'))
        }
        // The client's preface and SETTINGS come after the 101; then its SETTINGS ACK: done.
        if (got.includes('PRI * HTTP/2.0')) setTimeout(() => socket.end(), 100)
      })
      socket.on('error', () => undefined)
    })
    const relay = await startRecordingRelay(await listen(h2c))
    try {
      const { stdout } = await run('curl', ['-sS', '--max-time', '20', '--http2', `http://127.0.0.1:${relay.port}/up`])
      expect(stdout).toBe('hello over h2c')
      const [conn] = await relay.settled(1)
      const d = decode(conn.pieces, { takeEvery: true })
      expect(d.decoder.protocol).toBe('http2')
      expect(d.exchanges.map((e) => [e.index, e.stream, e.request?.version, e.request?.target, e.response?.version, e.response?.status, e.state])).toEqual([
        [0, undefined, 'HTTP/1.1', '/up', 'HTTP/1.1', 101, 'upgraded'],
        [1, 1, 'HTTP/1.1', '/up', 'HTTP/2', 200, 'complete']
      ])
      expect(header(d.exchanges[1].response, 'x-upgraded')).toBe('yes')
      expect(contentOf(d, d.exchanges[1].response!)).toBe('hello over h2c')
    } finally {
      await relay.close()
      await new Promise<void>((r) => h2c.close(() => r()))
    }
  })
})
