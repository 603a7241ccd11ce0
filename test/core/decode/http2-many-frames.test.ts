// HTTP/2 bodies carried in more DATA frames than a body lists (MAX_H2_DATA_RANGES), through a
// real proxy: the frames past those listed are read again from the wire, so the body is
// whole (as an HTTP/1 chunked body's chunks past MAX_CHUNK_RANGES are), in http.body, in a
// HAR export and in the gRPC view. A trial found a 50 MB download from nginx (8 KiB frames)
// cut at 32 MiB: HAR wrote it without a word, and `show` called the capture incomplete.
// Peers: Node's http2 server with padding on, two streams at once so their frames
// interleave; hand-made frames (a DATA frame whose padding the decoder refuses, between a
// gRPC response's frames, and another stream's); and the decoder alone on a connection
// whose streams rules renumbered (the target's frames name the stream by its own id).
import { afterEach, describe, expect, it } from 'vitest'
import http2 from 'node:http2'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { messageContent } from '../../../src/core/decode/body-content'
import type { CaptureView } from '../../../src/core/capture/query/capture-queries'
import { Http2Decoder } from '../../../src/core/protocols/http2/http2-decoder'
import type { Direction } from '../../../src/shared/direction'
import { MAX_H2_DATA_RANGES } from '../../../src/shared/protocol-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { connectTo, listen, startServer, waitFor } from '../../helpers/net'
import { closedConnections } from '../../helpers/capture-checks'
import { PREFACE, frame, getRoot, literal, settings } from '../protocols/http2/h2-frames'

let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
/** Node's http2 sends each write (one at a time) as its own DATA frame: 5000 of them, past the 4096 listed. */
const WRITES = 5000
const PIECE = 1000
const bodyOf = (n: number): Buffer => Buffer.from(Array.from({ length: WRITES }, (_, i) => `${n}:${String(i).padStart(8, '0')}|`.padEnd(PIECE, String.fromCharCode(97 + ((i + n) % 26)))).join(''))

interface HarContent {
  size: number
  text?: string
  encoding?: string
  comment?: string
}
interface HarEntry {
  request: { url: string }
  response: { content: HarContent; bodySize: number }
  comment?: string
}

describe('an HTTP/2 body in more DATA frames than are listed', () => {
  it('is whole through http.body and a HAR export, each stream of two interleaved, padded ones', async () => {
    t = await testEngine()
    const te = t
    const bodies = [bodyOf(1), bodyOf(2)]
    // PADDING_STRATEGY_MAX pads every DATA frame: the data starts one byte in and the padding follows it.
    const server = http2.createServer({ paddingStrategy: http2.constants.PADDING_STRATEGY_MAX })
    server.on('stream', (stream, headers) => {
      const body = bodies[Number(String(headers[':path']).slice(-1)) - 1]
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' })
      let i = 0
      // The next write once the last has gone out, so each is its own frame; the two streams take turns.
      const next = (): void => {
        if (i === WRITES) return void stream.end()
        stream.write(body.subarray(i * PIECE, ++i * PIECE), next)
      }
      next()
    })
    const port = await listen(server)
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}` })
    const session = http2.connect(`http://127.0.0.1:${portOf(proxy.listen)}`)
    cleanups.push(() => session.destroy())
    const get = async (path: string): Promise<Buffer> => {
      const req = session.request({ ':path': path })
      req.end()
      const parts: Buffer[] = []
      req.on('data', (d: Buffer) => parts.push(d))
      await new Promise((r) => req.once('end', r))
      return Buffer.concat(parts)
    }
    const got = await Promise.all([get('/big/1'), get('/big/2')])
    expect(got.map(sha)).toEqual(bodies.map(sha))
    await new Promise<void>((r) => session.close(() => r()))
    const [conn] = await closedConnections(te.engine, 1)

    const page = await te.engine['http.exchanges']({ capture: 'live', connId: conn.id })
    expect(page.exchanges.map((e) => [e.request?.target, e.response?.status, e.state])).toEqual([
      ['/big/1', 200, 'complete'],
      ['/big/2', 200, 'complete']
    ])
    // Past the listed frames, and nothing said of it: nothing of the body is lost.
    for (const ex of page.exchanges) {
      expect(ex.response!.body.chunks!.length).toBe(MAX_H2_DATA_RANGES)
      expect(ex.response!.body.chunksOmitted).toBeGreaterThan(0)
      expect(ex.response!.body.size).toBe(WRITES * PIECE)
    }
    expect(page.problems).toEqual([])
    // The two streams' frames interleave: each body's frames are not one run on the wire.
    const [one, two] = page.exchanges.map((e) => e.response!.body.range)
    expect(one.offset < two.offset + two.length && two.offset < one.offset + one.length).toBe(true)

    const read = (exchange: number, offset: number, length: number) => te.engine['http.body']({ capture: 'live', connId: conn.id, exchange, part: 'response', offset, length })
    for (const k of [0, 1]) {
      const whole = await read(k, 0, 16 * 1024 * 1024)
      expect(whole).toMatchObject({ end: true, total: WRITES * PIECE })
      expect(whole.note).toBeUndefined()
      expect(sha(whole.bytes)).toBe(sha(bodies[k]))
      // A window past the listed frames alone, as the HTTP tab pages it.
      const tail = await read(k, WRITES * PIECE - 1500, 4096)
      expect(Buffer.from(tail.bytes).equals(bodies[k].subarray(-1500))).toBe(true)
      expect(tail.end).toBe(true)
    }

    const har = join(te.dir, 'many-frames.har')
    await te.engine['capture.export']({ capture: 'live', format: 'har', path: har })
    const entries = (JSON.parse(await readFile(har, 'utf8')) as { log: { entries: HarEntry[] } }).log.entries
    expect(entries.map((e) => new URL(e.request.url).pathname)).toEqual(['/big/1', '/big/2'])
    entries.forEach((e, k) => {
      expect(e.comment).toBeUndefined()
      expect(e.response.content.comment).toBeUndefined()
      expect(e.response.content.size).toBe(WRITES * PIECE)
      expect(e.response.bodySize).toBe(WRITES * PIECE)
      expect(sha(Buffer.from(e.response.content.text!, e.response.content.encoding === 'base64' ? 'base64' : 'utf8'))).toBe(sha(bodies[k]))
    })
  })

  it("reads a gRPC response's messages past the listed frames, leaving out a refused frame and another stream's", async () => {
    t = await testEngine()
    const te = t
    const MESSAGES = MAX_H2_DATA_RANGES + 500
    const messages = Array.from({ length: MESSAGES }, (_, i) => {
      const text = `m${i}`
      // gRPC's 5-byte prefix, then field 1 (a string) of the message.
      const proto = Buffer.concat([Buffer.from([0x0a, text.length]), Buffer.from(text)])
      const prefix = Buffer.alloc(5)
      prefix.writeUInt32BE(proto.length, 1)
      return Buffer.concat([prefix, proto])
    })
    const DATA = 0
    const PADDED = 0x8
    const frames: Buffer[] = [settings(), frame(1, 0x4, 1, Buffer.concat([Buffer.from([0x88]), literal('content-type', 'application/grpc')]))]
    messages.forEach((m, i) => {
      // Every third padded (its pad length byte, the data, then 3 bytes of padding).
      frames.push(i % 3 === 0 ? frame(DATA, PADDED, 1, Buffer.concat([Buffer.from([3]), m, Buffer.alloc(3)])) : frame(DATA, 0, 1, m))
      // Past the listed frames: a frame of stream 3's (no such stream: ignored), and one of stream 1's whose padding
      // is longer than its payload, which the decoder refuses: neither is the body's.
      if (i === MAX_H2_DATA_RANGES + 10) frames.push(frame(DATA, 0, 3, Buffer.from('not stream 1')), frame(DATA, PADDED, 1, Buffer.from([200, 0x41, 0x42])))
    })
    frames.push(frame(1, 0x5, 1, literal('grpc-status', '0')))
    const answer = Buffer.concat(frames)
    const server = await startServer((s: Socket) => {
      s.once('data', () => s.end(answer))
    })
    cleanups.push(server.close)
    const proxy = await te.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
    const c = await connectTo(portOf(proxy.listen))
    cleanups.push(() => c.destroy())
    c.write(Buffer.concat([PREFACE, settings(), frame(1, 0x5, 1, Buffer.concat([getRoot(), literal('content-type', 'application/grpc')]))]))
    await waitFor(() => (te.engine.capture.connections()[0]?.bytes.server ?? 0) >= answer.length, 'the answer recorded')
    c.end()
    const [conn] = await closedConnections(te.engine, 1)

    const [ex] = (await te.engine['http.exchanges']({ capture: 'live', connId: conn.id })).exchanges
    expect(ex.state).toBe('complete')
    expect(ex.response!.body.chunksOmitted).toBe(MESSAGES - MAX_H2_DATA_RANGES)
    const content = Buffer.concat(messages)
    const body = await te.engine['http.body']({ capture: 'live', connId: conn.id, exchange: 0, part: 'response', decode: false, offset: 0, length: 1024 * 1024 })
    expect(body.end).toBe(true)
    expect(Buffer.from(body.bytes).equals(content)).toBe(true)

    const last = await te.engine['grpc.messages']({ capture: 'live', connId: conn.id, exchange: 0, part: 'response', from: MESSAGES - 2, limit: 2 })
    expect(last.total).toBe(MESSAGES)
    expect(last.problems).toEqual([])
    expect(last.messages.map((m) => m.fields[0]?.value)).toEqual([`m${MESSAGES - 2}`, `m${MESSAGES - 1}`])
  })

  it("finds a stream's frames past those listed by the target's own id, where rules renumbered the client's streams", async () => {
    // The client's stream 3 went to the target as its 5 (a `renumber` record, as when a rule held a request): the
    // target's frames name it 5, so its frames past those listed are found by 5, not by the 3 the exchange has.
    const d = new Http2Decoder()
    const get = Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), literal(':authority', 'example.test')])
    const client = Buffer.concat([PREFACE, settings(), frame(1, 0x5, 1, get), frame(1, 0x5, 3, get)])
    d.push('client', client, 0, 1)
    d.renumbered({ stream: 3, targetStream: 5 })
    const parts: Buffer[] = [settings(), frame(1, 0x4, 1, Buffer.from([0x88])), frame(1, 0x4, 5, Buffer.from([0x88]))]
    const mine: Buffer[] = []
    for (let i = 0; i < MAX_H2_DATA_RANGES + 100; i++) {
      const piece = Buffer.from(`${String(i).padStart(6, '0')};`)
      mine.push(piece)
      parts.push(frame(0, 0, 5, piece), frame(0, 0, 1, Buffer.from('stream one')))
    }
    parts.push(frame(0, 0x1, 5, Buffer.alloc(0)), frame(0, 0x1, 1, Buffer.alloc(0)))
    const server = Buffer.concat(parts)
    d.push('server', server, 0, 2)
    const ex = d.takeChanges().exchanges.find((e) => e.stream === 3)!
    expect(ex.state).toBe('complete')
    expect(ex.response!.body.unlisted).toEqual({ offset: expect.any(Number), stream: 5 })
    const wire: Record<Direction, Buffer> = { client, server }
    const view = { readBytes: (_id: number, dir: Direction, offset: number, length: number) => Promise.resolve(wire[dir].subarray(offset, offset + length)) } as unknown as CaptureView
    const content: Buffer[] = []
    for await (const piece of messageContent(view, 1, ex.response!)) content.push(Buffer.from(piece))
    expect(Buffer.concat(content).toString()).toBe(Buffer.concat(mine).toString())
  })
})
