// gRPC's length-prefixed framing read from content that arrives in pieces split anywhere,
// gRPC-Web's trailer frame and text mode, and framing that cannot be trusted (absurd
// lengths, bad flag bytes, a body that stops inside a message).
import { describe, expect, it } from 'vitest'
import { GrpcFramer, parseTrailerFrame, type GrpcFrame } from '../../../../src/core/protocols/grpc/grpc-framing'
import { Base64Pieces } from '../../../../src/core/protocols/grpc/grpc-web-text'

const frame = (flags: number, payload: Uint8Array | string): Buffer => {
  const p = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload)
  const head = Buffer.alloc(5)
  head[0] = flags
  head.writeUInt32BE(p.length, 1)
  return Buffer.concat([head, p])
}

const TRAILERS = 'grpc-status: 5\r\ngrpc-message: not%20found\r\nx-extra: a:b\r\n'
const content = Buffer.concat([frame(0, 'first'), frame(0, ''), frame(1, Buffer.from([1, 2, 3, 4])), frame(0, Buffer.alloc(300, 7)), frame(0x80, TRAILERS)])

/** What the framer found, payloads as hex, from `pieces` in order. */
function frameAll(pieces: Uint8Array[], complete = true, framer = new GrpcFramer()): Array<Omit<GrpcFrame, 'payload'> & { payload?: string }> {
  const out: GrpcFrame[] = []
  for (const p of pieces) out.push(...framer.push(p))
  const last = framer.end(complete)
  if (last) out.push(last)
  return out.map((f) => ({ ...f, payload: f.payload && Buffer.from(f.payload).toString('hex') }))
}

describe('gRPC framing', () => {
  const whole = frameAll([content])

  it('reads each message with its offset, size and flags, and the trailer frame', () => {
    expect(whole.map((f) => [f.index, f.offset, f.size, f.compressed, f.trailer, f.complete])).toEqual([
      [0, 0, 5, false, false, true],
      [1, 10, 0, false, false, true],
      [2, 15, 4, true, false, true],
      [3, 24, 300, false, false, true],
      [4, 329, TRAILERS.length, false, true, true]
    ])
    expect(whole[0].payload).toBe(Buffer.from('first').toString('hex'))
    expect(whole[3].payload).toBe('07'.repeat(300))
    expect(parseTrailerFrame(Buffer.from(whole[4].payload!, 'hex'))).toEqual([
      { name: 'grpc-status', value: '5' },
      { name: 'grpc-message', value: 'not%20found' },
      { name: 'x-extra', value: 'a:b' }
    ])
  })

  it('finds the same frames however the content is split: at every byte, in two and in single bytes', () => {
    for (let cut = 0; cut <= content.length; cut++) expect(frameAll([content.subarray(0, cut), content.subarray(cut)])).toEqual(whole)
    expect(frameAll(Array.from(content, (b) => Uint8Array.of(b)))).toEqual(whole)
  })

  it('reads many messages in one piece, keeping only the payloads asked for', () => {
    const many = Buffer.concat(Array.from({ length: 1000 }, (_, i) => frame(0, `m${i}`)))
    const kept = frameAll([many], true, new GrpcFramer({ want: (i) => i >= 10 && i < 12 }))
    expect(kept).toHaveLength(1000)
    expect(kept.filter((f) => f.payload !== undefined).map((f) => Buffer.from(f.payload!, 'hex').toString())).toEqual(['m10', 'm11'])
  })

  it('stops at an absurd declared length with one sentence, before allocating it', () => {
    const absurd = Buffer.concat([frame(0, 'ok'), Buffer.from([0, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(100)])
    const framer = new GrpcFramer()
    expect(frameAll([absurd], true, framer).map((f) => f.size)).toEqual([2])
    expect(framer.problem).toEqual({ offset: 7, message: "message 2 declares 4294967295 bytes, more than the 4 MiB limit (gRPC's default largest message): the framing is not read past it" })
    const small = new GrpcFramer({ maxMessage: 10 })
    frameAll([frame(0, 'x'.repeat(11))], true, small)
    expect(small.problem?.message).toMatch(/^message 1 declares 11 bytes, more than the 10 bytes limit/)
    expect(small.messages).toBe(0)
  })

  it('stops at a flag byte gRPC does not define', () => {
    const framer = new GrpcFramer()
    expect(frameAll([Buffer.concat([frame(0, 'a'), Buffer.from('HTTP/1.1 200 OK\r\n')])], true, framer)).toHaveLength(1)
    expect(framer.problem?.message).toBe('message 2 has flag byte 0x48, which gRPC does not define: this is not gRPC framing, or it lost its place')
  })

  it('gives the message a body stopped inside as incomplete; a problem when the body ended', () => {
    const cut = content.subarray(0, 100)
    const live = new GrpcFramer()
    const frames = frameAll([cut], false, live)
    expect(frames.at(-1)).toMatchObject({ index: 3, size: 300, complete: false, payload: '07'.repeat(100 - 29) })
    expect(live.problem).toBeUndefined()
    const ended = new GrpcFramer()
    frameAll([cut], true, ended)
    expect(ended.problem?.message).toBe('the body ends 71 bytes into message 4 of 300 bytes')
    const inPrefix = new GrpcFramer()
    frameAll([content.subarray(0, 12)], true, inPrefix)
    expect(inPrefix.problem?.message).toBe('the body ends 2 bytes into the 5-byte prefix of message 2')
  })
})

describe('gRPC-Web text', () => {
  // Each flush encoded by itself, as grpc-web servers do: padding mid-body.
  const text = Buffer.from(frame(0, 'hi').toString('base64') + frame(0, 'there!').toString('base64') + '\r\n' + frame(0x80, TRAILERS).toString('base64'))

  it('decodes base64 split at every byte, padding in the middle included', () => {
    const expected = Buffer.concat([frame(0, 'hi'), frame(0, 'there!'), frame(0x80, TRAILERS)])
    for (let cut = 0; cut <= text.length; cut++) {
      const b = new Base64Pieces()
      const out = Buffer.concat([b.push(text.subarray(0, cut)), b.push(text.subarray(cut))])
      expect(out.equals(expected)).toBe(true)
      expect([b.problem, b.partial]).toEqual([undefined, false])
    }
  })

  it('stops at a byte that is not base64', () => {
    const b = new Base64Pieces()
    b.push(Buffer.from('AAAA*AAA'))
    expect(b.problem?.message).toBe('byte 4 of the gRPC-Web text body (0x2a) is not base64')
  })
})
