// gRPC-Web over HTTP/1.1 through a real proxy: a Node http server answering
// application/grpc-web+proto (a streamed response, one message gzip-compressed, then the
// trailer frame), the text mode, and a trailers-only error, each read back with grpc.messages.
import { afterEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { portOf, testEngine, type TestEngine } from '../../../helpers/engine'
import { listen } from '../../../helpers/net'
import { allClosed } from '../decode-peers'

const PROTO = `
syntax = "proto3";
package demo;
message Query { string text = 1; int32 page = 2; }
message Hit { string title = 1; sint64 score = 2; repeated int32 ids = 3; }
service Search { rpc Find (Query) returns (stream Hit); }
`
const root = protobuf.parse(PROTO, { keepCase: true }).root
const Query = root.lookupType('demo.Query')
const Hit = root.lookupType('demo.Hit')
const encode = (t: protobuf.Type, v: object): Buffer => Buffer.from(t.encode(t.fromObject(v)).finish())

const frame = (flags: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(5)
  head[0] = flags
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}
const HITS = [
  { title: 'first', score: -5, ids: [1, 2] },
  { title: 'second '.repeat(40), score: 7, ids: [] },
  { title: 'third', score: 0, ids: [300] }
]
const TRAILER = frame(0x80, Buffer.from('grpc-status: 0\r\ngrpc-message: all%20done\r\n'))

/** The frames the server sends for Find: message 1 compressed with gzip. */
const responseFrames = (): Buffer[] => HITS.map((h, i) => (i === 1 ? frame(1, gzipSync(encode(Hit, h))) : frame(0, encode(Hit, h))))

function serve(req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  req.on('end', () => {
    const text = req.headers['content-type'] === 'application/grpc-web-text'
    if (req.url === '/demo.Search/Missing') {
      // Trailers-only: the status in the headers, no body.
      res.writeHead(200, { 'content-type': 'application/grpc-web+proto', 'grpc-status': '12', 'grpc-message': 'no%20such%20method', 'content-length': '0' })
      return void res.end()
    }
    if (req.url === '/demo.Search/Odd') {
      // A message compressed with an encoding tcpscope has no inflater for, then an absurd length.
      res.writeHead(200, { 'content-type': 'application/grpc-web+proto', 'grpc-encoding': 'snappy' })
      res.write(frame(1, Buffer.from('not really snappy')))
      res.write(frame(0, encode(Hit, HITS[0])))
      return void res.end(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))
    }
    res.writeHead(200, { 'content-type': text ? 'application/grpc-web-text' : 'application/grpc-web+proto', 'grpc-encoding': 'gzip' })
    // Each frame its own chunk, as a streaming server flushes them.
    for (const f of [...responseFrames(), TRAILER]) res.write(text ? f.toString('base64') : f)
    res.end()
  })
}

let t: TestEngine
const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

/** One gRPC-Web call through the proxy on a connection of its own; the response's bytes. */
async function call(port: number, path: string, contentType: string, body: Buffer): Promise<Buffer> {
  const req = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { 'content-type': contentType, 'x-grpc-web': '1', 'content-length': body.length } })
  req.end(body)
  const [res] = (await once(req, 'response')) as [IncomingMessage]
  const parts: Buffer[] = []
  for await (const p of res) parts.push(p as Buffer)
  return Buffer.concat(parts)
}

describe('gRPC-Web over HTTP/1.1 through the proxy', () => {
  it('reads a streamed call: method, status from the trailer frame, each message with its time, bytes and fields', async () => {
    t = await testEngine()
    const server = createServer(serve)
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const queryFrame = frame(0, encode(Query, { text: 'cats', page: -2 }))
    await call(portOf(proxy.listen), '/demo.Search/Find', 'application/grpc-web+proto', queryFrame)
    await allClosed(t.engine, 1)
    const connId = t.engine.capture.connections()[0].id

    const req = await t.engine['grpc.messages']({ capture: 'live', connId, exchange: 0, part: 'request' })
    expect(req.call).toMatchObject({ kind: 'grpc-web', method: '/demo.Search/Find', contentType: 'application/grpc-web+proto', status: 0, statusName: 'OK', message: 'all done', statusFrom: 'trailer-frame' })
    expect([req.total, req.complete, req.problems]).toEqual([1, true, []])
    const [q] = req.messages
    expect(q).toMatchObject({ index: 0, dir: 'client', contentOffset: 0, size: queryFrame.length - 5, compressed: false, complete: true })
    expect(q.fields.map((f) => [f.number, f.kind, f.value, f.readings?.find((r) => r.as === 'signed')?.value])).toEqual([
      [1, 'string', 'cats', undefined],
      [2, 'varint', '18446744073709551614', '-2']
    ])
    // Its range is its bytes on the wire: the prefix and payload as sent.
    const onWire = await t.engine['conn.read']({ capture: 'live', connId, dir: 'client', offset: q.range!.offset, length: q.range!.length })
    expect(Buffer.from(onWire).equals(queryFrame)).toBe(true)

    const res = await t.engine['grpc.messages']({ capture: 'live', connId, exchange: 0, part: 'response' })
    expect(res.call).toMatchObject({ encoding: 'gzip', status: 0, trailers: [{ name: 'grpc-status', value: '0' }, { name: 'grpc-message', value: 'all%20done' }] })
    expect([res.total, res.complete, res.problems, res.schemaNote]).toEqual([3, true, [], undefined])
    expect(res.messages.map((m) => [m.index, m.compressed, m.decodedSize, m.problem])).toEqual([
      [0, false, undefined, undefined],
      [1, true, encode(Hit, HITS[1]).length, undefined],
      [2, false, undefined, undefined]
    ])
    expect(res.messages.map((m) => m.fields[0].value)).toEqual(HITS.map((h) => h.title))
    // Each frame was a chunk of its own: a message's bytes on the wire are its frame as sent.
    const frames = responseFrames()
    for (const [i, m] of res.messages.entries()) {
      const bytes = await t.engine['conn.read']({ capture: 'live', connId, dir: 'server', offset: m.range!.offset, length: m.range!.length })
      expect(Buffer.from(bytes).equals(frames[i])).toBe(true)
    }
    const [ex] = (await t.engine['http.exchanges']({ capture: 'live', connId })).exchanges
    const times = res.messages.map((m) => m.startedAt)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(times[0]).toBeGreaterThanOrEqual(ex.response!.startedAt)
    expect(times[2]).toBeLessThanOrEqual(ex.response!.endedAt!)

    // A page of one, from the second.
    const one = await t.engine['grpc.messages']({ capture: 'live', connId, exchange: 0, part: 'response', from: 1, limit: 1 })
    expect([one.total, one.messages.map((m) => m.index)]).toEqual([3, [1]])

    // With the .proto loaded, the same messages by their method's types.
    const dir = t.dir
    mkdirSync(join(dir, 'protos'))
    writeFileSync(join(dir, 'protos', 'search.proto'), PROTO)
    expect(await t.engine['grpc.protos.load']({ paths: [join(dir, 'protos', 'search.proto')] })).toMatchObject({ methods: ['/demo.Search/Find'], types: 2 })
    const typedReq = await t.engine['grpc.messages']({ capture: 'live', connId, exchange: 0, part: 'request' })
    expect(typedReq.messages[0].type).toBe('demo.Query')
    expect(typedReq.messages[0].fields.map((f) => [f.name, f.kind, f.value])).toEqual([
      ['text', 'string', 'cats'],
      ['page', 'int32', '-2']
    ])
    const typedRes = await t.engine['grpc.messages']({ capture: 'live', connId, exchange: 0, part: 'response' })
    expect(typedRes.messages.map((m) => m.fields.map((f) => [f.name, f.kind === 'packed' ? f.children!.map((c) => c.value) : f.value]))).toEqual([
      [
        ['title', 'first'],
        ['score', '-5'],
        ['ids', ['1', '2']]
      ],
      [
        ['title', HITS[1].title],
        ['score', '7']
      ],
      [
        ['title', 'third'],
        ['ids', ['300']]
      ]
    ])
    expect(await t.engine['grpc.protos']()).toMatchObject({ methods: ['/demo.Search/Find'] })
  })

  it('reads the text mode, a trailers-only error with its status from the headers, and framing it cannot trust', async () => {
    t = await testEngine()
    const server = createServer(serve)
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const queryFrame = frame(0, encode(Query, { text: 'dogs' }))
    await call(portOf(proxy.listen), '/demo.Search/Find', 'application/grpc-web-text', Buffer.from(queryFrame.toString('base64')))
    await call(portOf(proxy.listen), '/demo.Search/Missing', 'application/grpc-web+proto', queryFrame)
    await call(portOf(proxy.listen), '/demo.Search/Odd', 'application/grpc-web+proto', queryFrame)
    await allClosed(t.engine, 3)
    const [textConn, errorConn, oddConn] = t.engine.capture.connections().map((c) => c.id)

    const text = await t.engine['grpc.messages']({ capture: 'live', connId: textConn, exchange: 0, part: 'response' })
    expect(text.call).toMatchObject({ contentType: 'application/grpc-web-text', status: 0, statusFrom: 'trailer-frame' })
    expect(text.messages.map((m) => [m.fields[0].value, m.range])).toEqual(HITS.map((h) => [h.title, undefined]))
    const textReq = await t.engine['grpc.messages']({ capture: 'live', connId: textConn, exchange: 0, part: 'request' })
    expect(textReq.messages[0].fields[0].value).toBe('dogs')

    const error = await t.engine['grpc.messages']({ capture: 'live', connId: errorConn, exchange: 0, part: 'response' })
    expect(error.call).toMatchObject({ method: '/demo.Search/Missing', status: 12, statusName: 'UNIMPLEMENTED', message: 'no such method', statusFrom: 'headers' })
    expect([error.total, error.messages, error.problems]).toEqual([0, [], []])

    // Per message, an encoding it cannot inflate; for the side, a length it will not read past.
    const odd = await t.engine['grpc.messages']({ capture: 'live', connId: oddConn, exchange: 0, part: 'response' })
    expect(odd.messages.map((m) => [m.compressed, m.problem, m.fields[0]?.value])).toEqual([
      [true, 'it is compressed with snappy, which tcpscope cannot inflate', undefined],
      [false, undefined, 'first']
    ])
    expect([odd.total, odd.problems]).toEqual([2, ["message 3 declares 2147483647 bytes, more than the 4 MiB limit (gRPC's default largest message): the framing is not read past it"]])
    await expect(t.engine['grpc.messages']({ capture: 'live', connId: errorConn, exchange: 1, part: 'response' })).rejects.toThrow(`connection #${errorConn} has no exchange 1 (it has 1)`)
  })
})
