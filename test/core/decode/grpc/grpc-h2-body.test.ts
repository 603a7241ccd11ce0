// A gRPC response carried in HTTP/2 DATA frames (framing `h2`), read through its listed
// payload ranges: messages split across frames, other streams' frames between them, each
// message timed by the frame holding its first byte. The bytes are real (recorded through
// the proxy); the exchange is the shape the HTTP/2 decoder gives, made by hand so the gRPC
// reading is tested apart from it.
import { afterEach, describe, expect, it } from 'vitest'
import { readGrpcMessages } from '../../../../src/core/decode/grpc/grpc-messages'
import type { ByteRange, HttpExchange, HttpMessage } from '../../../../src/shared/protocol-types'
import { proxiedPair, testEngine, type TestEngine } from '../../../helpers/engine'
import { waitFor } from '../../../helpers/net'

let t: TestEngine
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
  await t?.dispose()
})

const frame = (flags: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(5)
  head[0] = flags
  head.writeUInt32BE(payload.length, 1)
  return Buffer.concat([head, payload])
}
/** A DATA frame header (RFC 9113 6.1): length, type 0, flags, stream id. */
const dataHeader = (length: number, stream: number): Buffer => {
  const h = Buffer.alloc(9)
  h.writeUIntBE(length, 0, 3)
  h.writeUInt32BE(stream, 5)
  return h
}

describe('gRPC messages in HTTP/2 DATA frames', () => {
  it('joins a message split across frames, skips what lies between, and times each by its first frame', async () => {
    t = await testEngine()
    const pair = await proxiedPair(t.engine)
    cleanups.push(pair.close)
    // Three messages: field 1 = "alpha", "beta" * 20, "gamma".
    const msgs = ['alpha', 'beta'.repeat(20), 'gamma'].map((s) => frame(0, Buffer.concat([Buffer.from([0x0a, s.length]), Buffer.from(s)])))
    const content = Buffer.concat(msgs)
    // DATA payloads of stream 1: [0, 10) then [10, 60) then the rest; stream 3's frame between.
    const cuts = [0, 10, 60, content.length]
    const wire: Buffer[] = []
    const chunks: ByteRange[] = []
    let at = 0
    for (let k = 0; k < 3; k++) {
      const payload = content.subarray(cuts[k], cuts[k + 1])
      wire.push(dataHeader(payload.length, 1))
      at += 9
      chunks.push({ dir: 'server', offset: at, length: payload.length })
      wire.push(payload)
      at += payload.length
      if (k === 0) {
        const other = Buffer.from('other stream')
        wire.push(dataHeader(other.length, 3), other)
        at += 9 + other.length
      }
    }
    pair.serverSide.write(Buffer.concat(wire))
    await waitFor(() => (t.engine.capture.connections()[0]?.bytes.server ?? 0) >= at, 'the frames recorded')
    const connId = t.engine.capture.connections()[0].id

    const headers = (pairs: string[][]): HttpMessage['headers'] => pairs.map(([name, value]) => ({ name, value, range: { dir: 'client', offset: 0, length: 0 } }))
    const request: HttpMessage = {
      dir: 'client',
      startLine: 'POST /demo.Search/Find HTTP/2',
      startRange: { dir: 'client', offset: 0, length: 0 },
      version: 'HTTP/2',
      method: 'POST',
      target: '/demo.Search/Find',
      headers: headers([
        [':method', 'POST'],
        [':path', '/demo.Search/Find'],
        ['content-type', 'application/grpc']
      ]),
      headRange: { dir: 'client', offset: 0, length: 0 },
      body: { framing: 'none', range: { dir: 'client', offset: 0, length: 0 }, size: 0, complete: true },
      startedAt: 1000
    }
    const response: HttpMessage = {
      dir: 'server',
      startLine: 'HTTP/2 200',
      startRange: { dir: 'server', offset: 0, length: 0 },
      version: 'HTTP/2',
      status: 200,
      headers: headers([
        [':status', '200'],
        ['content-type', 'application/grpc']
      ]),
      headRange: { dir: 'server', offset: 0, length: 0 },
      body: {
        framing: 'h2',
        range: { dir: 'server', offset: 0, length: at },
        size: content.length,
        chunks,
        chunkTimes: [2000, 2001, 2002],
        trailers: headers([
          ['grpc-status', '0'],
          ['grpc-message', 'ok']
        ]),
        complete: true
      },
      startedAt: 2000
    }
    const ex: HttpExchange = { index: 0, stream: 1, request, response, informational: [], state: 'complete' }

    const page = await readGrpcMessages(t.engine.capture, connId, ex, { part: 'response', from: 0, limit: 10 })
    expect(page.call).toMatchObject({ kind: 'grpc', method: '/demo.Search/Find', status: 0, statusName: 'OK', message: 'ok', statusFrom: 'trailers' })
    expect([page.total, page.problems]).toEqual([3, []])
    expect(page.messages.map((m) => [m.contentOffset, m.fields[0].value, m.startedAt])).toEqual([
      [0, 'alpha', 2000],
      [msgs[0].length, 'beta'.repeat(20), 2001],
      [msgs[0].length + msgs[1].length, 'gamma', 2002]
    ])
    // The first message (12 bytes) starts in the first frame (wire 9..19) and ends 2 bytes into
    // the second (its payload at wire 49), past stream 3's frame: wire [9, 51).
    expect(msgs[0].length).toBe(12)
    expect(page.messages[0].range).toEqual({ dir: 'server', offset: 9, length: 42 })
    expect(page.messages[2].range).toEqual({ dir: 'server', offset: chunks[2].offset + (msgs[0].length + msgs[1].length - 60), length: msgs[2].length })

    // The request side has no body: no messages, and no error.
    const req = await readGrpcMessages(t.engine.capture, connId, ex, { part: 'request', from: 0, limit: 10 })
    expect([req.total, req.messages]).toEqual([0, []])
  })
})
