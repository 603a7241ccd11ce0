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
})
