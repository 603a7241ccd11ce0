// HTTP breakpoints on HTTP/2 (h2c with prior knowledge): Node's http2 client and server
// through a proxy the engine started. One stream's request held while another stream of the
// same session completes; forwarded; dropped (a reset for both sides, the session goes on);
// edited, headers and body, with a later request whose headers reuse the dynamic table still
// read right by the server; a held response edited; an edit over the receiver's flow-control
// window refused. The capture keeps what each side sent.
import http2 from 'node:http2'
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { connectTo, waitFor } from '../../helpers/net'
import { summaryOf } from '../../helpers/sessions'
import { READ_AHEAD } from '../../../src/core/breakpoint/read-ahead'
import { PREFACE, frame, literal, settings } from '../protocols/http2/h2-frames'
import { lastConnId } from '../fault/toxic-helpers'
import { addBreak, breakRecords, heldQueue } from './break-helpers'

interface Seen {
  path: string
  headers: http2.IncomingHttpHeaders
  body: string
  /** Every field the server decoded, in order, `name: value`. */
  fields: string[]
}

/** Node's raw header list (name, value, name, value...) as `name: value` lines. */
const pairs = (raw: string[]): string[] => raw.flatMap((v, i) => (i % 2 === 0 ? [`${v}: ${raw[i + 1]}`] : []))

let t: TestEngine
let server: http2.Http2Server
let proxyId: string
let proxyPort: number
let seen: Seen[]
/** Paths whose request the server began to read. */
let started: string[]
/** Streams the server saw reset before they were whole. */
let aborted: string[]
let session: http2.ClientHttp2Session | undefined
/** A hand-made client's socket, if a test made one. */
let raw: Socket | undefined

async function start(settings: http2.Settings = {}): Promise<void> {
  server = http2.createServer({ settings })
  // Node gives the fields as decoded, in order, as the listener's fourth argument (its types declare three).
  const onStream = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]): void => {
    const parts: Buffer[] = []
    const path = String(headers[':path'])
    started.push(path)
    stream.on('data', (c: Buffer) => parts.push(c))
    stream.on('aborted', () => aborted.push(path))
    stream.on('error', () => {})
    stream.on('end', () => {
      const body = Buffer.concat(parts).toString()
      seen.push({ path, headers, body, fields: pairs(rawHeaders) })
      const answer = `got ${body.length} bytes on ${path}`
      stream.respond({ ':status': path === '/missing' ? 404 : 200, 'content-type': 'text/plain', 'content-length': String(answer.length) })
      stream.end(answer)
    })
  }
  server.on('stream', onStream as (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
  proxyId = proxy.id
  proxyPort = portOf(proxy.listen)
}

beforeEach(async () => {
  t = await testEngine()
  seen = []
  started = []
  aborted = []
  session = undefined
  raw = undefined
})
afterEach(async () => {
  session?.destroy()
  raw?.destroy()
  await new Promise((r) => server.close(r))
  await t.dispose()
})

function connect(): http2.ClientHttp2Session {
  session = http2.connect(`http://127.0.0.1:${proxyPort}`)
  session.on('error', () => {})
  return session
}

interface Answer {
  status: number
  headers: http2.IncomingHttpHeaders
  body: string
}

/** A request on `s`; rejects when its stream is reset (saying the code: 8 is CANCEL). */
function request(s: http2.ClientHttp2Session, path: string, opts: { method?: string; body?: string; headers?: http2.OutgoingHttpHeaders } = {}): Promise<Answer> {
  const req = s.request({ ':method': opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), ':path': path, ...opts.headers })
  req.end(opts.body)
  return answerOf(req)
}

function answerOf(req: http2.ClientHttp2Stream): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0
    let headers: http2.IncomingHttpHeaders = {}
    const parts: Buffer[] = []
    req.on('response', (h) => {
      headers = h
      status = Number(h[':status'])
    })
    req.on('data', (c: Buffer) => parts.push(c))
    // A reset with CANCEL is no error to Node: the stream closes with its code.
    req.on('close', () => (req.rstCode ? reject(new Error(`stream reset with code ${req.rstCode}`)) : resolve({ status, headers, body: Buffer.concat(parts).toString() })))
    req.on('error', () => {})
  })
}

const text = async (heldId: number): Promise<string> => Buffer.from(await t.engine['held.read']({ heldId })).toString('latin1')

describe('an HTTP breakpoint on HTTP/2', () => {
  it('holds one stream while another stream of the session completes, then forwards it as it came', async () => {
    await start()
    const rule = await addBreak(t.engine, proxyId, { match: 'http-request', path: '/x' })
    const s = connect()
    // /y opens first (stream 1) and sends half its body; then /x (stream 3) is held.
    const y = s.request({ ':method': 'POST', ':path': '/y' })
    const yAnswer = answerOf(y)
    y.write('part one, ')
    await waitFor(() => started.includes('/y'), 'the server sees /y begin')
    const x = request(s, '/x', { headers: { 'x-note': 'first' } })
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ kind: 'http-request', dir: 'client', ruleId: rule, summary: 'GET /x', stream: 3 })
    expect(await text(held.id)).toMatch(/^:method: GET\n:path: \/x\n:authority: 127\.0\.0\.1:\d+\n:scheme: http\nx-note: first\n\n$/)
    // The rest of /y's body passes the held stream, and its answer comes back while /x waits.
    y.end('part two')
    expect((await yAnswer).body).toBe('got 18 bytes on /y')
    expect(seen.map((r) => r.path)).toEqual(['/y'])
    // A stream opened after the held one waits behind it (stream ids reach the server in order).
    const z = request(s, '/z', { headers: { 'x-note': 'first' } })

    expect(await t.engine['held.forward']({ heldId: held.id })).toMatchObject({ action: 'forwarded' })
    expect(await x).toMatchObject({ status: 200, body: 'got 0 bytes on /x' })
    expect((await z).body).toBe('got 0 bytes on /z')
    expect(seen.map((r) => [r.path, r.headers['x-note']])).toEqual([['/y', undefined], ['/x', 'first'], ['/z', 'first']])
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'forwarded'])
    expect(String(records[0].info?.message)).toMatch(/^held \d+ B \(GET \/x\) by b1$/)
    expect(records[0].info).toMatchObject({ summary: 'GET /x', stream: 3 })
  })

  it('drops a held request: the client gets RST_STREAM CANCEL, the server resets the stream, the session goes on', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/x' })
    const s = connect()
    const x = request(s, '/x', { body: 'secret', headers: { 'x-token': 'abc' } })
    const [held] = await heldQueue(t.engine)
    expect(await t.engine['held.drop']({ heldId: held.id })).toMatchObject({ action: 'dropped' })
    await expect(x).rejects.toThrow('stream reset with code 8')
    // The next request reuses the table the dropped one's block filled (x-token): the server reads it right.
    expect((await request(s, '/z', { body: 'ok', headers: { 'x-token': 'abc' } })).body).toBe('got 2 bytes on /z')
    expect(seen.map((r) => [r.path, r.headers['x-token'], r.body])).toEqual([['/z', 'abc', 'ok']])
    const connId = await lastConnId(t.engine)
    const records = await breakRecords(t.engine, connId)
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'dropped'])
    expect(String(records[1].info?.message)).toMatch(/^dropped after \d+\.\d s: stream 1 reset \(CANCEL\) on both sides$/)
    // The capture keeps what each side sent: the client's request on stream 1 whole, and the server's own reset of the block it refused.
    const frames = (await t.engine['h2.frames']({ capture: 'live', connId, stream: 1 })).frames
    expect(frames.filter((f) => f.dir === 'client').map((f) => f.typeName)).toEqual(['HEADERS', 'DATA'])
    expect(frames.filter((f) => f.dir === 'server').map((f) => `${f.typeName} ${f.info}`)).toEqual(['RST_STREAM PROTOCOL_ERROR'])
  })

  it('sends an edited request: the server reads the edited header and body, and a later request that reuses the table', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-request', method: 'POST' })
    const s = connect()
    const x = request(s, '/login', { body: 'user=bob&pass=PASS', headers: { 'x-token': 'abc', 'content-length': '18', 'x-mode': 'plain' } })
    const [held] = await heldQueue(t.engine)
    const original = await text(held.id)
    expect(original).toMatch(/^:method: POST\n:path: \/login\n:authority: [^\n]+\n:scheme: http\nx-token: abc\n/)
    expect(original.endsWith('\n\nuser=bob&pass=PASS')).toBe(true)
    const edited = original.replace('x-mode: plain', 'x-mode: edited').replace('pass=PASS', 'pass=LONGER-PASSWORD')
    expect(await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(edited, 'latin1') })).toMatchObject({ action: 'edited' })
    expect((await x).body).toBe('got 29 bytes on /login')
    expect(seen[0]).toMatchObject({ path: '/login', body: 'user=bob&pass=LONGER-PASSWORD' })
    // content-length fitted to the new body; the edited header arrives (with the original's value,
    // which the original added to the server's table and so is sent too).
    expect(seen[0].headers['content-length']).toBe('29')
    expect(String(seen[0].headers['x-mode'])).toContain('edited')
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records[1].info).toMatchObject({ action: 'edited', stream: 1, kept: ['x-mode: plain'] })
    // As delivered, the request is what the server got: the edit, and the field it kept where it went.
    const delivered = await t.engine['http.delivered']({ capture: 'live', connId: await lastConnId(t.engine), exchange: 0 })
    expect(delivered.request?.message.headers.map((h) => `${h.name}: ${h.value}`)).toEqual(seen[0].fields)
    expect(seen[0].fields.filter((f) => f.startsWith('x-mode:'))).toEqual(['x-mode: plain', 'x-mode: edited'])

    // Same headers again (GET: not held): the client's encoder refers to the entries the first block added.
    await t.engine['break.update']({ proxyId, id: 'b1', enabled: false })
    expect((await request(s, '/again', { headers: { 'x-token': 'abc', 'x-mode': 'plain' } })).body).toBe('got 0 bytes on /again')
    expect(seen[1].headers).toMatchObject({ 'x-token': 'abc', 'x-mode': 'plain' })
  })

  it('holds a response and sends the edit the client then reads', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-response', status: '4xx' })
    const s = connect()
    expect((await request(s, '/fine')).status).toBe(200)
    const answer = request(s, '/missing')
    const [held] = await heldQueue(t.engine)
    expect(held).toMatchObject({ kind: 'http-response', dir: 'server', summary: '404', stream: 3 })
    const original = await text(held.id)
    expect(original).toMatch(/^:status: 404\ncontent-type: text\/plain\ncontent-length: 23\n[\s\S]*\n\ngot 0 bytes on \/missing$/)
    const edited = original.replace(':status: 404', ':status: 200').replace('got 0 bytes on /missing', 'here it is after all')
    await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(edited, 'latin1') })
    expect(await answer).toMatchObject({ status: 200, body: 'here it is after all' })
    expect((await answer).headers['content-length']).toBe('20')
  })

  it('lets other responses pass a held one, and the client still reads every header block right after it', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-response', status: '404' })
    const s = connect()
    const missing = request(s, '/missing')
    const [held] = await heldQueue(t.engine)
    // Responses after the held one pass it; their header blocks were encoded after its own (HPACK order).
    for (const path of ['/a', '/b']) expect((await request(s, path)).body).toBe(`got 0 bytes on ${path}`)
    await t.engine['held.forward']({ heldId: held.id })
    expect(await missing).toMatchObject({ status: 404, body: 'got 0 bytes on /missing' })
    const later = await request(s, '/c')
    expect(later).toMatchObject({ status: 200, body: 'got 0 bytes on /c' })
    expect(later.headers['content-type']).toBe('text/plain')
  })

  it('drops a held response: the client gets RST_STREAM CANCEL, and the session goes on', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-response', status: '404' })
    const s = connect()
    const missing = request(s, '/missing')
    const [held] = await heldQueue(t.engine)
    await t.engine['held.drop']({ heldId: held.id })
    await expect(missing).rejects.toThrow('stream reset with code 8')
    expect((await request(s, '/after')).headers['content-type']).toBe('text/plain')
  })

  it('reads the client on after dropping a request with more than 64 KiB of its stream’s frames waiting behind it', async () => {
    await start()
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/x' })
    const c = (raw = await connectTo(proxyPort))
    const frames = serverFrames(c)
    const get = (stream: number, path: string): Buffer => frame(1, 0x5, stream, Buffer.concat([Buffer.from([0x82, 0x86]), literal(':path', path), literal(':authority', 'example.test')]))
    c.write(Buffer.concat([PREFACE, settings(), get(1, '/x')]))
    const [held] = await heldQueue(t.engine)
    // WINDOW_UPDATEs on the held stream (the client opening the window of the answer it awaits):
    // each waits behind the request, past READ_AHEAD, so the proxy stops reading the client.
    const updates = Array.from({ length: 6000 }, () => frame(8, 0, 1, Buffer.from([0, 0, 0, 1])))
    c.write(Buffer.concat(updates))
    const connId = await lastConnId(t.engine)
    await waitFor(() => summaryOf(t.engine, connId).bytes.client > READ_AHEAD + 200, 'the proxy to read past READ_AHEAD behind the held request')
    await t.engine['held.drop']({ heldId: held.id })
    await waitFor(() => frames.some((f) => f.type === 3 && f.stream === 1), 'the RST_STREAM of the dropped stream')
    // The connection goes on: the dropped stream's frames no longer count, the client is read again.
    c.write(get(3, '/after'))
    await waitFor(() => frames.some((f) => f.type === 1 && f.stream === 3), 'the answer on stream 3')
    expect(seen.map((r) => r.path)).toEqual(['/after'])
  })

  it('refuses an edited body over the receiver’s flow-control window, and keeps the message held', async () => {
    await start({ initialWindowSize: 100 })
    await addBreak(t.engine, proxyId, { match: 'http-request', path: '/up' })
    const s = connect()
    const x = request(s, '/up', { body: 'small' })
    const [held] = await heldQueue(t.engine)
    const original = await text(held.id)
    const big = original.replace('small', 'y'.repeat(300))
    await expect(t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(big, 'latin1') })).rejects.toThrow(
      /^edit refused, still held: its body of 300 B is over the 100 B the receiver's flow-control window allows on stream 1 now$/
    )
    expect((await t.engine['held.list']()).map((m) => m.id)).toEqual([held.id])
    await t.engine['held.forward']({ heldId: held.id, bytes: Buffer.from(original.replace('small', 'y'.repeat(90)), 'latin1') })
    expect((await x).body).toBe('got 90 bytes on /up')
    const records = await breakRecords(t.engine, await lastConnId(t.engine))
    expect(records.map((r) => r.info?.action)).toEqual(['held', 'refused', 'edited'])
    expect(records[1].info).toMatchObject({ bodySize: 300, window: 100, stream: 1 })
  })
})

/** The frames a hand-made HTTP/2 client gets (type and stream), its SETTINGS acknowledged as they come. */
function serverFrames(c: Socket): Array<{ type: number; stream: number }> {
  const got: Array<{ type: number; stream: number }> = []
  let buf = Buffer.alloc(0)
  c.on('error', () => {})
  c.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    while (buf.length >= 9 && buf.length >= 9 + buf.readUIntBE(0, 3)) {
      const f = { type: buf[3], flags: buf[4], stream: buf.readUInt32BE(5) & 0x7fffffff }
      buf = buf.subarray(9 + buf.readUIntBE(0, 3))
      got.push({ type: f.type, stream: f.stream })
      if (f.type === 4 && (f.flags & 1) === 0) c.write(frame(4, 1, 0, Buffer.alloc(0)))
    }
  })
  return got
}
