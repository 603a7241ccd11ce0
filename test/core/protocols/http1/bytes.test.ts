// latin1(): one char per octet, as RFC 9112 reads a head, whatever the bytes: the ASCII fast
// path (UTF-8 decoding) must never let a byte above 0x7F through as anything else.
import { describe, expect, it } from 'vitest'
import { latin1 } from '../../../../src/core/protocols/http1/bytes'

const node = (b: Uint8Array, from = 0, to = b.length) => Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1')

describe('latin1', () => {
  it('reads ASCII, bytes above 0x7F (valid UTF-8 or not, U+FFFD\'s own bytes, windows-1252\'s 0x80-0x9F) and a range', () => {
    const cases = ['GET / HTTP/1.1\r\nHost: a\r\n\r\n', '', 'caf\u00e9', '\u00ef\u00bf\u00bd', '\u0080\u0093\u009f\u00ff\u0000'].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)))
    cases.push(new TextEncoder().encode('名前: 値\r\n'))
    for (const b of cases) expect(latin1(b)).toBe(node(b))
    const b = new TextEncoder().encode('x-é: ok')
    expect(latin1(b, 2, 5)).toBe(node(b, 2, 5))
    expect(latin1(b, 6)).toBe(node(b, 6))
  })

  it('matches Node\'s Latin-1 on random bytes, mostly ASCII and not', () => {
    let seed = 7
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
    for (let n = 0; n < 2000; n++) {
      const high = n % 3 === 0 ? 0 : rand()
      const b = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => (rand() < high * 0.1 ? 128 + Math.floor(rand() * 128) : Math.floor(rand() * 128)))
      const from = Math.floor(rand() * b.length)
      expect(latin1(b, from)).toBe(node(b, from))
    }
  })
})
