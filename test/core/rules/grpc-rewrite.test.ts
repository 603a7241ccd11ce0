// A rule's rewrite on a gRPC body (http-edit.ts rewriteMessage, grpc-edit.ts): message by
// message, each 5-byte prefix refitted; several messages, an empty one, gRPC-Web's trailer
// frame kept byte for byte; compressed messages inflated and compressed again the same way;
// gRPC-Web text (base64) and +json; json paths, a whole body, a body that does not frame and a
// message too large after the edit are notes, and the body goes as it came.
import { gunzipSync, gzipSync, inflateSync, deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import protobuf from 'protobufjs'
import { rewriteMessage } from '../../../src/core/rules/http-edit'
import type { EditableResponse } from '../../../src/shared/http-request-edit'
import type { MessageRewrite } from '../../../src/shared/rules/rule-types'
import { GrpcFramer } from '../../../src/core/protocols/grpc/grpc-framing'

const Reply = protobuf.parse('syntax = "proto3"; message Reply { string message = 1; int32 count = 2; }').root.lookupType('Reply')
const encode = (o: object): Buffer => Buffer.from(Reply.encode(Reply.fromObject(o)).finish())
const decode = (b: Uint8Array): unknown => Reply.toObject(Reply.decode(b))

const frame = (payload: Uint8Array, flags = 0): Buffer => {
  const prefix = Buffer.alloc(5)
  prefix[0] = flags
  prefix.writeUInt32BE(payload.length, 1)
  return Buffer.concat([prefix, payload])
}
const TRAILER = frame(Buffer.from('grpc-status:0\r\ngrpc-message:\r\n'), 0x80)

const response = (body: Buffer, headers: Record<string, string> = {}): EditableResponse => ({
  version: 'HTTP/1.1',
  status: '200',
  reason: 'OK',
  headers: Object.entries({ 'content-type': 'application/grpc', ...headers }).map(([name, value]) => ({ name, value })),
  eol: '\r\n',
  body
})

/** The frames of a body: flags and payload. */
function framesOf(body: Uint8Array): Array<{ flags: number; payload: Buffer }> {
  const framer = new GrpcFramer()
  const frames = framer.push(body)
  framer.end(true)
  expect(framer.problem).toBeUndefined()
  return frames.map((f) => ({ flags: f.flags, payload: Buffer.from(f.payload!) }))
}

const header = (r: EditableResponse, name: string): string | undefined => r.headers.find((h) => h.name === name)?.value
const rewrite = (body: Buffer, rw: MessageRewrite, headers?: Record<string, string>) => rewriteMessage(response(body, headers), rw)

describe('a rewrite on a gRPC body', () => {
  it('sets a field in each of several messages, an empty one among them, each prefix refitted', async () => {
    const body = Buffer.concat([frame(encode({ message: 'hello ann', count: 1 })), frame(new Uint8Array(0)), frame(encode({ message: 'hi' }))])
    const out = await rewrite(body, { grpc: { field: { '1': 'a greeting rather longer than before' } } })
    expect(out.notes).toEqual([])
    const frames = framesOf(out.message.body)
    expect(frames.map((f) => decode(f.payload))).toEqual([
      { message: 'a greeting rather longer than before', count: 1 },
      { message: 'a greeting rather longer than before' },
      { message: 'a greeting rather longer than before' }
    ])
    expect(header(out.message, 'content-length')).toBe(String(out.message.body.length))
  })

  it("replaces text in each message's string fields, refitting the protobuf lengths; a message it does not change keeps its bytes", async () => {
    const second = frame(encode({ message: 'nothing here', count: 2 }))
    const body = Buffer.concat([frame(encode({ message: 'hello world', count: 7 })), second])
    const out = await rewrite(body, { replace: [{ find: 'world', with: 'everyone out there' }, { find: 'l+', with: 'L', regex: true }] })
    const frames = framesOf(out.message.body)
    expect(frames.map((f) => decode(f.payload))).toEqual([{ message: 'heLo everyone out there', count: 7 }, { message: 'nothing here', count: 2 }])
    expect(Buffer.from(out.message.body).subarray(out.message.body.length - second.length).equals(second)).toBe(true)
    // Nothing matches: the body as it came, no Content-Length added.
    const same = await rewrite(body, { replace: [{ find: 'absent', with: 'x' }] })
    expect(same.message.body).toBe(body)
    expect(header(same.message, 'content-length')).toBeUndefined()
  })

  it('inflates a gzip or deflate message, changes it, and compresses it again the same way', async () => {
    for (const [coding, zip, unzip] of [
      ['gzip', gzipSync, gunzipSync],
      ['deflate', deflateSync, inflateSync]
    ] as const) {
      const body = Buffer.concat([frame(zip(encode({ message: 'hello ann' })), 1), frame(encode({ message: 'plain ann' }))])
      const out = await rewrite(body, { replace: [{ find: 'ann', with: 'annabel' }] }, { 'grpc-encoding': coding })
      expect(out.notes).toEqual([])
      const [packed, plain] = framesOf(out.message.body)
      expect(packed.flags).toBe(1)
      expect(decode(unzip(packed.payload))).toEqual({ message: 'hello annabel' })
      expect([plain.flags, decode(plain.payload)]).toEqual([0, { message: 'plain annabel' }])
    }
    // An encoding tcpscope cannot inflate: that message as it came, and why.
    const snappy = Buffer.concat([frame(Buffer.from('not really snappy'), 1), frame(encode({ message: 'hello ann' }))])
    const out = await rewrite(snappy, { replace: [{ find: 'ann', with: 'bo' }] }, { 'grpc-encoding': 'snappy' })
    expect(out.notes).toEqual(['message 1 left as sent: it is compressed with snappy, which tcpscope cannot inflate'])
    const frames = framesOf(out.message.body)
    expect(frames[0].payload.toString()).toBe('not really snappy')
    expect(decode(frames[1].payload)).toEqual({ message: 'hello bo' })
  })

  it("keeps gRPC-Web's trailer frame, and reads and writes gRPC-Web text as base64", async () => {
    const body = Buffer.concat([frame(encode({ message: 'hello ann' })), TRAILER])
    const web = await rewrite(body, { grpc: { field: { '2': 5 } } }, { 'content-type': 'application/grpc-web+proto' })
    const frames = framesOf(web.message.body)
    expect(decode(frames[0].payload)).toEqual({ message: 'hello ann', count: 5 })
    expect(frame(frames[1].payload, frames[1].flags).equals(TRAILER)).toBe(true)
    // Text mode: each flush may be its own base64 (padding inside the body).
    const text = Buffer.from(frame(encode({ message: 'hello ann' })).toString('base64') + TRAILER.toString('base64'))
    const out = await rewrite(text, { replace: [{ find: 'hello', with: 'bye' }] }, { 'content-type': 'application/grpc-web-text' })
    const decoded = framesOf(Buffer.from(Buffer.from(out.message.body).toString('latin1'), 'base64'))
    expect(decode(decoded[0].payload)).toEqual({ message: 'bye ann' })
    expect(frame(decoded[1].payload, decoded[1].flags).equals(TRAILER)).toBe(true)
  })

  it('replaces over the bytes of a +json message, whose lengths are only the prefix', async () => {
    const body = frame(Buffer.from('{"message":"hello ann"}'))
    const out = await rewrite(body, { replace: [{ find: 'ann', with: 'annabel' }], grpc: { field: { '1': 'x' } } }, { 'content-type': 'application/grpc+json' })
    expect(framesOf(out.message.body)[0].payload.toString()).toBe('{"message":"hello annabel"}')
    expect(out.notes).toEqual(['fields not set: the messages are not protobuf (content-type application/grpc+json)'])
  })

  it('sets no json path and no whole body on a gRPC body, saying so, and sends it as it came', async () => {
    const body = frame(encode({ message: 'hello ann' }))
    const out = await rewrite(body, { json: { '$.message': 'x' }, body: 'x', headers: { 'x-seen': 'yes' } })
    expect(out.message.body).toBe(body)
    expect(header(out.message, 'x-seen')).toBe('yes')
    expect(out.notes).toEqual([
      "not rewritten: json paths do not apply to a gRPC body (set its messages' fields with grpc.field)",
      "not rewritten: a whole body cannot be set on a gRPC body (set its messages' fields with grpc.field)"
    ])
  })

  it('leaves a body that does not frame, a message that is not protobuf, and one that would grow too large, each said in one line', async () => {
    const cut = frame(encode({ message: 'hello' })).subarray(0, 8)
    expect((await rewrite(cut, { replace: [{ find: 'h', with: 'j' }] })).notes).toEqual(['body left as sent: its gRPC framing does not read: the body ends 3 bytes into message 1 of 7 bytes'])
    const garbage = frame(Buffer.from([0x0a, 0x09, 0x61]))
    const bad = await rewrite(garbage, { grpc: { field: { '1': 'x' } } })
    expect(bad.message.body).toBe(garbage)
    expect(bad.notes).toEqual(['message 1 left as sent: it does not read as protobuf (at byte 0, field 1 runs past the end)'])
    const MiB = 'x'.repeat(1 << 20)
    const big = await rewrite(frame(encode({ message: 'a' })), { grpc: { field: { '1': MiB, '3': MiB, '4': MiB, '5': MiB, '6': MiB } } })
    expect(big.notes).toHaveLength(1)
    expect(big.notes[0]).toMatch(/^message 1 left as sent: changed, it would be 5242\d{3} bytes, more than gRPC's largest message \(4194304 bytes\)$/)
  })

  it('says a grpc field set on a body that is not gRPC is not made', async () => {
    const plain: EditableResponse = { ...response(Buffer.from('{"a":1}')), headers: [{ name: 'content-type', value: 'application/json' }] }
    const out = await rewriteMessage(plain, { grpc: { field: { '1': 'x' } }, json: { '$.a': 2 } })
    expect(out.notes).toEqual(['grpc fields not set: the body is not gRPC (content-type application/json)'])
    expect(Buffer.from(out.message.body).toString()).toBe('{"a":2}')
  })
})
