// How `tcpscope show` lays out exchanges the HTTP/1 captures of show-cli.test.ts do not
// have: HTTP/2 ones (a stream, pseudo-headers in `headers`, `HTTP/2` start lines, a reset
// stream, a push, trailers), told apart as h2, h2c and grpc as the exchange list names them,
// their URLs from :scheme, :authority and :path; a 1xx; header values that would drive a
// terminal; and a failed body read, which leaves no half JSON line. Exchanges are made by
// hand in the contract's shape (shared/protocol-types.ts); their bodies come from a source
// that answers as http.body does.
import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import { bodyType, contentTypeOf } from '../../src/shared/body-type'
import { hexDump } from '../../src/shared/hexdump'
import type { TlsSummary } from '../../src/shared/tls-types'
import type { BodyPiece, HttpExchange, HttpHeader, HttpMessage } from '../../src/shared/protocol-types'
import { OutputBatches } from '../../src/cli/output'
import { printExchange } from '../../src/cli/commands/show-text'
import { writeExchangeJson } from '../../src/cli/commands/show-json'
import type { PieceSource } from '../../src/cli/commands/show-bodies'
import type { ShownConnection } from '../../src/cli/commands/show-facts'

const range = { dir: 'client' as const, offset: 0, length: 0 }
const headers = (pairs: Array<[string, string]>): HttpHeader[] => pairs.map(([name, value]) => ({ name, value, range }))

function message(dir: 'client' | 'server', startLine: string, pairs: Array<[string, string]>, body: Partial<HttpMessage['body']> = {}, more: Partial<HttpMessage> = {}): HttpMessage {
  return {
    dir,
    startLine,
    startRange: range,
    version: startLine.includes('HTTP/2') ? 'HTTP/2' : 'HTTP/1.1',
    headers: headers(pairs),
    headRange: range,
    body: { framing: 'none', range, size: 0, complete: true, ...body },
    startedAt: Date.UTC(2026, 10, 25, 6, 0, 0),
    ...more
  }
}

/** Answers as http.body does: a window of `content`, typed from the message's Content-Type. */
function source(msg: HttpMessage | undefined, content: Buffer): PieceSource {
  return async (offset, length) => {
    const bytes = content.subarray(offset, offset + length)
    const piece: BodyPiece = { bytes, offset, total: content.length, end: offset + bytes.length >= content.length, decoded: [] }
    if (offset === 0) piece.type = bodyType(contentTypeOf(msg?.headers ?? []), bytes)
    return piece
  }
}

const failing: PieceSource = async () => {
  throw new Error('the capture went away')
}

async function layout(conn: ShownConnection, ex: HttpExchange, bodies: { request?: Buffer; response?: Buffer } = {}): Promise<{ text: string; json: Record<string, unknown> }> {
  const make = (): { out: OutputBatches; read: () => string } => {
    const stream = new PassThrough()
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    return { out: new OutputBatches(stream), read: () => Buffer.concat(chunks).toString() }
  }
  const b = { request: source(ex.request, bodies.request ?? Buffer.alloc(0)), response: source(ex.response, bodies.response ?? Buffer.alloc(0)) }
  const t = make()
  await printExchange(t.out, conn, ex, b, 1024 * 1024)
  await t.out.flush()
  const j = make()
  await writeExchangeJson(j.out, conn, ex, b, 1024 * 1024)
  await j.out.flush()
  const lines = j.read().split('\n')
  expect(lines).toHaveLength(2)
  expect(lines[1]).toBe('')
  return { text: t.read(), json: JSON.parse(lines[0]) as Record<string, unknown> }
}

const TLS: TlsSummary = { client: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', alpn: 'h2' } } as unknown as TlsSummary
const tlsConn: ShownConnection = { id: 7, kind: 'proxy', client: { address: '127.0.0.1', port: 50000, family: 'IPv4' }, target: 'example.test:443', tls: TLS }
const plainConn: ShownConnection = { id: 8, kind: 'proxy', client: { address: '127.0.0.1', port: 50001, family: 'IPv4' }, target: '127.0.0.1:8080' }

const h2Get = (stream: number): HttpMessage =>
  message('client', 'GET /api/items?x=1 HTTP/2', [
    [':method', 'GET'],
    [':scheme', 'https'],
    [':authority', 'example.test'],
    [':path', '/api/items?x=1'],
    ['accept', 'application/json']
  ], {}, { method: 'GET', target: '/api/items?x=1', startedAt: Date.UTC(2026, 10, 25, 6, 0, stream) })

describe('show on HTTP/2 exchanges', () => {
  it('prints the stream, the pseudo-headers as sent and the body, and names the URL from :scheme, :authority and :path', async () => {
    const json = Buffer.from('{"items":[1,2]}')
    const res = message('server', 'HTTP/2 200', [[':status', '200'], ['content-type', 'application/json']], { framing: 'h2', size: json.length }, { status: 200, reason: '' })
    const ex: HttpExchange = { index: 2, stream: 5, request: h2Get(5), informational: [], response: res, state: 'complete' }
    const { text, json: line } = await layout(tlsConn, ex, { response: json })
    expect(text).toMatch(/^\n#7 exchange 3 h2 stream 5 \d\d:\d\d:\d\d\.\d{3}\n/)
    expect(text).toContain('GET /api/items?x=1 HTTP/2\n:method: GET\n:scheme: https\n:authority: example.test\n:path: /api/items?x=1\naccept: application/json\n\nHTTP/2 200\n:status: 200\ncontent-type: application/json\n\n{"items":[1,2]}\n')
    expect(line).toMatchObject({
      type: 'exchange',
      conn: 7,
      exchange: 3,
      protocol: 'h2',
      stream: 5,
      method: 'GET',
      url: 'https://example.test/api/items?x=1',
      status: 200,
      version: 'HTTP/2',
      state: 'complete',
      requestHeaders: [
        [':method', 'GET'],
        [':scheme', 'https'],
        [':authority', 'example.test'],
        [':path', '/api/items?x=1'],
        ['accept', 'application/json']
      ],
      responseHeaders: [
        [':status', '200'],
        ['content-type', 'application/json']
      ],
      responseBody: { text: '{"items":[1,2]}', size: 15 }
    })
  })

  it('names h2c without TLS and grpc by content type, prints trailers, and says what reset a stream', async () => {
    const req = message('client', 'POST /pkg.Greeter/SayHello HTTP/2', [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':authority', '127.0.0.1:50051'],
      [':path', '/pkg.Greeter/SayHello'],
      ['content-type', 'application/grpc']
    ], { framing: 'h2', size: 7 }, { method: 'POST', target: '/pkg.Greeter/SayHello' })
    const res = message('server', 'HTTP/2 200', [[':status', '200'], ['content-type', 'application/grpc']], { framing: 'h2', size: 0, trailers: headers([['grpc-status', '0'], ['grpc-message', 'OK']]) }, { status: 200 })
    const grpc: HttpExchange = { index: 0, stream: 1, request: req, informational: [], response: res, state: 'complete' }
    const call = Buffer.from([0, 0, 0, 0, 2, 0x08, 0x01])
    const { text, json } = await layout(plainConn, grpc, { request: call })
    expect(text).toMatch(/^\n#8 exchange 1 grpc stream 1 /)
    // The length-prefixed message as sent, binary: a dump, until grpc.messages decodes it.
    expect(text).toContain(`\n\n${hexDump(call).join('\n')}\n(binary, 7 B)\n\nHTTP/2 200\n`)
    expect(hexDump(call)).toEqual([expect.stringMatching(/^00000000: 0000 0000 0208 01 +\.{7}$/)])
    expect(text).toContain('trailers:\ngrpc-status: 0\ngrpc-message: OK\n')
    expect(json).toMatchObject({ protocol: 'grpc', url: 'http://127.0.0.1:50051/pkg.Greeter/SayHello', responseTrailers: [['grpc-status', '0'], ['grpc-message', 'OK']] })
    expect(json.requestBody).toEqual({ text: call.toString('base64'), encoding: 'base64', size: 7 })

    const reset: HttpExchange = {
      index: 1,
      stream: 3,
      request: h2Get(3),
      informational: [],
      state: 'incomplete',
      ended: { kind: 'rst_stream', by: 'client', code: 8, name: 'CANCEL', range, time: Date.UTC(2026, 10, 25, 6, 0, 9) }
    }
    const r = await layout(plainConn, reset)
    expect(r.text).toMatch(/^\n#8 exchange 2 h2c stream 3 /)
    expect(r.text).toMatch(/\n\(ended by RST_STREAM CANCEL from the client at \d\d:\d\d:\d\d\.\d{3}\)\n$/)
    expect(r.json).toMatchObject({ protocol: 'h2c', state: 'incomplete', ended: { kind: 'rst_stream', by: 'client', code: 8, name: 'CANCEL' } })
    expect(r.json).not.toHaveProperty('responseBody')
    expect(r.json.status).toBeUndefined()

    const pushed: HttpExchange = { index: 2, stream: 2, pushedOn: 1, request: h2Get(2), informational: [], state: 'pending' }
    const p = await layout(tlsConn, pushed)
    expect(p.text).toMatch(/^\n#7 exchange 3 h2 stream 2 \(pushed on stream 1\) /)
    expect(p.text).toMatch(/\(no response in the capture\)\n$/)
    expect(p.json).toMatchObject({ pushedOn: 1, state: 'pending' })
  })
})

describe('show on what a peer may send', () => {
  it('prints a 1xx before the response, and control characters in headers and bodies as escapes', async () => {
    const req = message('client', 'POST /upload HTTP/1.1', [['Host', 'h\x1b[2Jx'], ['Expect', '100-continue'], ['Content-Type', 'text/plain']], { framing: 'length', size: 12 }, { method: 'POST', target: '/upload' })
    const cont = message('server', 'HTTP/1.1 100 Continue', [], {}, { status: 100, reason: 'Continue' })
    const res = message('server', 'HTTP/1.1 201 Created', [['Content-Type', 'text/plain']], { framing: 'length', size: 9 }, { status: 201, reason: 'Created' })
    const ex: HttpExchange = { index: 0, request: req, informational: [cont], response: res, state: 'complete' }
    const { text, json } = await layout(plainConn, ex, { request: Buffer.from('bell\x07 and\rX\n'), response: Buffer.from('done\r\nok\n') })
    expect(text).toContain('Host: h\\x1b[2Jx\n')
    expect(text).toContain('\n\nbell\\x07 and\\rX\n\nHTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\n')
    // A CRLF is a line end, not an escape.
    expect(text).toContain('\n\ndone\r\nok\n')
    expect(text).not.toContain('\x1b')
    expect(json).toMatchObject({ url: 'http://h\x1b[2Jx/upload', informational: [{ status: 100, reason: 'Continue', headers: [] }], requestBody: { text: 'bell\x07 and\rX\n' } })
  })

  it('leaves no half JSON line when a body cannot be read', async () => {
    const stream = new PassThrough()
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    const out = new OutputBatches(stream)
    out.line('before')
    const res = message('server', 'HTTP/1.1 200 OK', [['Content-Type', 'text/plain']], { framing: 'length', size: 3 }, { status: 200 })
    const ex: HttpExchange = { index: 0, request: message('client', 'GET / HTTP/1.1', [['Host', 'h']], {}, { method: 'GET', target: '/' }), informational: [], response: res, state: 'complete' }
    await expect(writeExchangeJson(out, plainConn, ex, { request: failing, response: failing }, 1024)).rejects.toThrow('the capture went away')
    await out.flush()
    expect(Buffer.concat(chunks).toString()).toBe('before\n')
  })
})
