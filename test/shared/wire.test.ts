// The frame codec both transports share: bytes travel as attachments whatever the header
// looks like, and a header with no reference reads the same with or without the reviver.
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameError } from '../../src/shared/wire'

const frameOf = (json: string, tail = new Uint8Array()): Uint8Array => {
  const head = new TextEncoder().encode(json)
  const f = new Uint8Array(4 + head.length + tail.length)
  new DataView(f.buffer).setUint32(0, head.length, true)
  f.set(head, 4)
  f.set(tail, 4 + head.length)
  return f
}

describe('frames', () => {
  it('carry bytes, empty bytes and text with escapes through a round trip', () => {
    const message = { t: 'event' as const, event: { a: new Uint8Array([1, 2, 3]), empty: new Uint8Array(), s: 'tab\t"q" \u0001 é $b', rows: [{ id: 1 }] } }
    expect(decodeFrame(encodeFrame(message))).toEqual(message)
    const plain = { t: 'event' as const, event: { rows: [{ id: 1, host: 'a' }], n: null } }
    expect(decodeFrame(encodeFrame(plain))).toEqual(plain)
  })

  it('read a reference whose key is spelled with escapes as bytes, and refuse a bad one', () => {
    expect(decodeFrame(frameOf('{"x":{"\\u0024\\u0062":0,"n":2}}', new Uint8Array([7, 8])))).toEqual({ x: new Uint8Array([7, 8]) })
    expect(() => decodeFrame(frameOf('{"x":{"\\u0024b":0,"n":9}}'))).toThrow(FrameError)
    expect(() => decodeFrame(frameOf('{"x":'))).toThrow(FrameError)
  })

  it('say a message without bytes as plain JSON, and still find bytes deep, in arrays, after a toJSON or beside other typed arrays', () => {
    const plain = { t: 'reply' as const, id: 3, ok: true as const, value: { rows: [{ id: 1, at: new Date(0), n: -0, big: 2 ** 53, s: '$b \\u0024b', u: undefined, x: [null, 'é'] }], total: 1 } }
    const frame = encodeFrame(plain)
    // Exactly JSON.stringify's text, with nothing after it.
    expect(new TextDecoder().decode(frame.subarray(4))).toBe(JSON.stringify(plain))
    expect(decodeFrame(frame)).toEqual(JSON.parse(JSON.stringify(plain)))
    const deep: Record<string, unknown> = { b: new Uint8Array([9]) }
    let nest = deep
    for (let i = 0; i < 70; i++) nest = { nest, i }
    const odd = {
      t: 'event' as const,
      event: { nest, list: [[new Int32Array([5, -5])], [Buffer.from('ab')]], later: { toJSON: () => ({ bytes: new Uint8Array([1, 2]) }) } }
    }
    const back = decodeFrame(encodeFrame(odd)) as { event: Record<string, unknown> }
    let got = back.event.nest as Record<string, unknown>
    for (let i = 0; i < 70; i++) got = got.nest as Record<string, unknown>
    expect(got.b).toEqual(new Uint8Array([9]))
    expect(back.event.list).toEqual([[{ 0: 5, 1: -5 }], [new Uint8Array([97, 98])]])
    expect(back.event.later).toEqual({ bytes: new Uint8Array([1, 2]) })
  })

  it('refuse a message that refers to itself, as JSON does', () => {
    const loop: Record<string, unknown> = { t: 'event' }
    loop.event = { loop }
    expect(() => encodeFrame(loop as never)).toThrow(TypeError)
  })
})
