// The HTTP/1 decoder, rule by rule (RFC 9112): framing, interim responses, bodiless
// responses, pipelining, switching protocols, headers as sent, and the byte ranges of it all,
// checked by slicing the streams with them.
import { describe, expect, it } from 'vitest'
import type { HttpMessage } from '../../../../src/shared/protocol-types'
import { MAX_CHUNK_RANGES } from '../../../../src/shared/protocol-types'
import { MAX_HEAD_BYTES } from '../../../../src/core/protocols/http1/message-reader'
import { NOTHING_MORE } from '../../../../src/core/protocols/stream-decoder'
import { decode, text, type Decoded, type Piece } from '../feed'

const req = (s: string): Piece => ({ dir: 'client', bytes: s })
const res = (s: string): Piece => ({ dir: 'server', bytes: s })
const end = (dir: 'client' | 'server'): Piece => ({ dir, end: true })

/** A message's parts, read back through its ranges. */
function parts(d: Decoded, m: HttpMessage): { start: string; head: string; headers: string[]; body: string; chunks?: string[] } {
  const s = d.streams[m.dir]
  return {
    start: text(s, m.startRange),
    head: text(s, m.headRange),
    headers: m.headers.map((h) => text(s, h.range)),
    body: text(s, m.body.range),
    ...(m.body.chunks ? { chunks: m.body.chunks.map((c) => text(s, c)) } : {})
  }
}

describe('HTTP/1 decoder', () => {
  it('reads a request and a response with Content-Length, headers exactly as sent, and their ranges', () => {
    const d = decode([
      req('GET /items?x=1 HTTP/1.1\r\nHost: example.test\r\nX-Dup: a\r\nx-dup:  b \r\n\r\n'),
      res('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
    ])
    expect(d.problems).toEqual([])
    const [ex] = d.exchanges
    expect(ex).toMatchObject({ index: 0, state: 'complete', informational: [] })
    expect(ex.request).toMatchObject({ method: 'GET', target: '/items?x=1', version: 'HTTP/1.1', startLine: 'GET /items?x=1 HTTP/1.1' })
    expect(ex.request!.headers.map((h) => [h.name, h.value])).toEqual([
      ['Host', 'example.test'],
      ['X-Dup', 'a'],
      ['x-dup', 'b']
    ])
    expect(parts(d, ex.request!)).toEqual({
      start: 'GET /items?x=1 HTTP/1.1\r\n',
      head: 'GET /items?x=1 HTTP/1.1\r\nHost: example.test\r\nX-Dup: a\r\nx-dup:  b \r\n\r\n',
      headers: ['Host: example.test\r\n', 'X-Dup: a\r\n', 'x-dup:  b \r\n'],
      body: ''
    })
    expect(ex.response).toMatchObject({ status: 200, reason: 'OK', body: { framing: 'length', size: 2, complete: true } })
    expect(parts(d, ex.response!).body).toBe('{}')
    expect(d.decoder.summary()).toEqual({ protocol: 'http1', exchanges: 1, first: { method: 'GET', target: '/items?x=1', status: 200, size: 2, contentType: 'application/json' } })
  })

  it('reads chunked bodies with extensions and trailers, each chunk by its range', () => {
    const body = '5;name=value\r\nhello\r\n6 ; q="x"\r\n world\r\n0\r\nChecksum: abc\r\nX-More: 1\r\n\r\n'
    const d = decode([req('GET / HTTP/1.1\r\n\r\n'), res(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`)])
    const r = d.exchanges[0].response!
    expect(r.body).toMatchObject({ framing: 'chunked', size: 11, complete: true })
    expect(r.body.trailers!.map((h) => [h.name, h.value])).toEqual([
      ['Checksum', 'abc'],
      ['X-More', '1']
    ])
    expect(parts(d, r)).toMatchObject({ body, chunks: ['hello', ' world'] })
    expect(r.body.trailers!.map((h) => text(d.streams.server, h.range))).toEqual(['Checksum: abc\r\n', 'X-More: 1\r\n'])
    expect(d.exchanges[0].state).toBe('complete')
  })

  it('keeps at most MAX_CHUNK_RANGES chunk ranges and counts the rest', () => {
    const n = MAX_CHUNK_RANGES + 10
    const d = decode([req('GET / HTTP/1.1\r\n\r\n'), res(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1\r\nx\r\n'.repeat(n)}0\r\n\r\n`)])
    const b = d.exchanges[0].response!.body
    expect(b.chunks).toHaveLength(MAX_CHUNK_RANGES)
    expect(b.chunksOmitted).toBe(10)
    expect(b.size).toBe(n)
  })

  it('reads a response to its close when nothing else delimits it, and marks it complete at the FIN', () => {
    const d = decode([req('GET / HTTP/1.0\r\n\r\n'), res('HTTP/1.0 200 OK\r\n\r\nall of '), res('this'), { dir: 'server', end: true, time: 5000 }])
    const r = d.exchanges[0].response!
    expect(r.body).toMatchObject({ framing: 'close', size: 11, complete: true })
    expect(r.endedAt).toBe(5000)
    expect(d.exchanges[0].state).toBe('complete')
  })

  it('gives no body to responses to HEAD, nor to 204 and 304, whatever their Content-Length says', () => {
    const d = decode([
      req('HEAD /big HTTP/1.1\r\n\r\nGET /gone HTTP/1.1\r\n\r\nGET /same HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n'),
      res('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'),
      res('HTTP/1.1 204 No Content\r\n\r\n'),
      res('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: "x"\r\n\r\n'),
      res('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz')
    ])
    expect(d.problems).toEqual([])
    expect(d.exchanges.map((e) => [e.request!.target, e.response!.status, e.response!.body.framing, e.state])).toEqual([
      ['/big', 200, 'none', 'complete'],
      ['/gone', 204, 'none', 'complete'],
      ['/same', 304, 'none', 'complete'],
      ['/next', 200, 'length', 'complete']
    ])
  })

  it('keeps 1xx responses (100 Continue, 103 Early Hints) apart from the final one', () => {
    const d = decode([
      req('POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n'),
      res('HTTP/1.1 100 Continue\r\n\r\n'),
      req('abc'),
      res('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n')
    ])
    const [ex] = d.exchanges
    expect(ex.informational.map((m) => m.status)).toEqual([100, 103])
    expect(ex.response!.status).toBe(201)
    expect(ex.request!.body).toMatchObject({ size: 3, complete: true })
    expect(ex.state).toBe('complete')
  })

  it('pairs pipelined requests with responses in order, and shows a request with no response yet as pending', () => {
    const d = decode([req('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n'), res('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb')], {
      takeEvery: true
    })
    expect(d.exchanges.map((e) => [e.request!.target, e.response?.status, e.state])).toEqual([
      ['/1', 200, 'complete'],
      ['/2', 404, 'complete'],
      ['/3', undefined, 'pending']
    ])
    const later = decode([req('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n'), res('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), end('server'), end('client')])
    expect(later.exchanges.map((e) => e.state)).toEqual(['complete', 'incomplete'])
  })

  it('joins obsolete line folding into one value, its range covering every line', () => {
    const d = decode([req('GET / HTTP/1.1\r\nX-Folded: first\r\n  second\r\n\tthird\r\nHost: h\r\n\r\n')])
    const r = d.exchanges[0].request!
    expect(r.headers.map((h) => [h.name, h.value])).toEqual([
      ['X-Folded', 'first second third'],
      ['Host', 'h']
    ])
    expect(parts(d, r).headers).toEqual(['X-Folded: first\r\n  second\r\n\tthird\r\n', 'Host: h\r\n'])
  })

  it('reads a head as Latin-1: every octet one char, 0x80-0x9F too (which windows-1252 would remap)', () => {
    const d = decode([req('GET /caf\xe9 HTTP/1.1\r\nX-Bytes: \x80\x85\x9f\xe9\xff\r\n\r\n')])
    expect(d.exchanges[0].request).toMatchObject({ target: '/caf\xe9', headers: [{ name: 'X-Bytes', value: '\x80\x85\x9f\xe9\xff' }] })
  })

  it('accepts bare LF line ends and empty lines between messages', () => {
    const d = decode([req('\r\nGET /a HTTP/1.1\nHost: h\n\n'), res('HTTP/1.1 200 OK\nContent-Length: 1\n\nx\r\n')])
    expect(d.problems).toEqual([])
    expect(d.exchanges[0].request!.headers[0]).toMatchObject({ name: 'Host', value: 'h' })
    expect(parts(d, d.exchanges[0].request!).start).toBe('GET /a HTTP/1.1\n')
    expect(d.exchanges[0].state).toBe('complete')
  })

  it('switches away from HTTP after 101 and after a 2xx to CONNECT', () => {
    const ws = decode([
      req('GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
      res('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi')
    ])
    expect(ws.exchanges[0]).toMatchObject({ state: 'upgraded', upgrade: 'websocket' })
    expect(ws.decoder.protocol).toBe('websocket')

    const tunnel = decode([req('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n\x16\x03\x01\x00'), res('HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03')])
    expect(tunnel.problems).toEqual([])
    expect(tunnel.exchanges[0]).toMatchObject({ state: 'upgraded', upgrade: 'tunnel' })
    expect(tunnel.decoder.protocol).toBe('http1')
    expect(tunnel.decoder.wantFrom('client')).toBe(NOTHING_MORE)

    // Refused: the client's next request is HTTP again.
    const refused = decode([
      req('GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\n\r\n'),
      res('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
    ])
    expect(refused.problems).toEqual([])
    expect(refused.exchanges.map((e) => [e.request!.target, e.response!.status, e.state])).toEqual([
      ['/chat', 400, 'complete'],
      ['/next', 200, 'complete']
    ])
  })

  it('decodes a 1 GiB Content-Length body without being given it: the feeder skips to the last byte', () => {
    const gib = 2 ** 30
    const decoder = decode([req('GET /big HTTP/1.1\r\n\r\n')]).decoder
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n'
    decoder.push('server', Uint8Array.from(head, (c) => c.charCodeAt(0)), 0, 2000)
    expect(decoder.wantFrom('server')).toBe(head.length + gib - 1)
    decoder.push('server', new Uint8Array([0x7a]), head.length + gib - 1, 3000)
    const [ex] = decoder.takeChanges().exchanges
    expect(ex.response).toMatchObject({ body: { size: gib, complete: true, range: { offset: head.length, length: gib } }, endedAt: 3000 })
    expect(ex.state).toBe('complete')
  })

  it('lets the feeder skip chunk data too', () => {
    const body = `4\r\nabcd\r\n${(100).toString(16)}\r\n${'y'.repeat(100)}\r\n0\r\n\r\n`
    const pieces = [req('GET / HTTP/1.1\r\n\r\n'), ...`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`.match(/[^]{1,7}/g)!.map(res)]
    const skipped = decode(pieces, { skip: true })
    const whole = decode(pieces)
    expect(skipped.exchanges).toEqual(whole.exchanges)
    expect(skipped.problems).toEqual([])
  })

  it('keeps the time of the chunk holding the first and the last byte of each message', () => {
    const d = decode([
      { dir: 'client', bytes: 'GET / HT', time: 10 },
      { dir: 'client', bytes: 'TP/1.1\r\n\r\n', time: 20 },
      { dir: 'server', bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab', time: 30 },
      { dir: 'server', bytes: 'cd', time: 40 }
    ])
    expect(d.exchanges[0].request).toMatchObject({ startedAt: 10, endedAt: 20 })
    expect(d.exchanges[0].response).toMatchObject({ startedAt: 30, endedAt: 40 })
  })

  describe('tolerant of what is malformed: what decoded, and a problem at its offset', () => {
    it('a bad chunk size', () => {
      const resp = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n'
      const d = decode([req('GET / HTTP/1.1\r\n\r\n'), res(resp)])
      expect(d.problems).toEqual([{ dir: 'server', offset: resp.indexOf('zz'), message: expect.stringContaining('chunk-size') }])
      expect(d.exchanges[0]).toMatchObject({ state: 'incomplete', response: { body: { size: 3, complete: false } } })
      expect(d.decoder.summary().problem).toBe(true)
    })

    it('a bad header line is skipped, the rest of the message kept', () => {
      const head = 'GET / HTTP/1.1\r\nGood: 1\r\nno colon here\r\nAlso: 2\r\n\r\n'
      const d = decode([req(head)])
      expect(d.problems).toEqual([{ dir: 'client', offset: head.indexOf('no colon'), message: expect.stringContaining('bad header line') }])
      expect(d.exchanges[0].request!.headers.map((h) => h.name)).toEqual(['Good', 'Also'])
    })

    it('a truncated message', () => {
      const d = decode([req('GET / HTTP/1.1\r\n\r\n'), res('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'), end('server'), end('client')])
      expect(d.problems).toEqual([{ dir: 'server', offset: 42, message: expect.stringContaining('ended inside') }])
      expect(d.exchanges[0]).toMatchObject({ state: 'incomplete', response: { body: { size: 3, complete: false } } })
    })

    it('garbage where HTTP was expected, after a good exchange', () => {
      const d = decode([req('GET / HTTP/1.1\r\n\r\n\x00\x01binary'), res('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')])
      expect(d.exchanges[0].state).toBe('complete')
      expect(d.problems).toEqual([{ dir: 'client', offset: 18, message: expect.stringContaining('not the start of an HTTP/1.x request') }])
      expect(d.decoder.wantFrom('client')).toBe(NOTHING_MORE)
    })

    it('conflicting Content-Lengths', () => {
      const pieces = [req('POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc')]
      const d = decode(pieces)
      expect(d.problems[0].message).toContain('bad Content-Length')
      // The server may still answer (a 400, most likely); once it cannot, the exchange is incomplete.
      expect(d.exchanges[0].state).toBe('pending')
      expect(decode([...pieces, res('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')]).exchanges[0]).toMatchObject({ state: 'incomplete', response: { status: 400 } })
    })

    it('a head that never ends is cut at MAX_HEAD_BYTES, not buffered on', () => {
      const decoder = decode([req('GET / HTTP/1.1\r\n')]).decoder
      const line = Uint8Array.from('X-Pad: ' + 'p'.repeat(1000) + '\r\n', (c) => c.charCodeAt(0))
      let at = 16
      for (let i = 0; i < 100; i++, at += line.length) decoder.push('client', line, at, 1)
      const { problems } = decoder.takeChanges()
      expect(problems).toEqual([{ dir: 'client', offset: 0, message: `a head longer than ${MAX_HEAD_BYTES} bytes` }])
    })
  })
})
