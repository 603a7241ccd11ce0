// The replay editors' text is the request's bytes: an untouched text gives back exactly the
// bytes it came from, whatever they are, and hex text is checked with where it goes wrong.
import { describe, expect, it } from 'vitest'
import {
  bytesToEditorText,
  bytesToHexText,
  editorTextToBytes,
  firstUnencodable,
  hexTextToBytes
} from '../../../../../src/renderer/src/features/replay/editor/editor-text'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const roundTrip = (b: Uint8Array): Uint8Array => {
  const { text, encoding } = bytesToEditorText(b)
  return editorTextToBytes(text, encoding)
}

describe('editor text', () => {
  it('shows valid UTF-8 as UTF-8, CR, LF, a BOM and NUL kept', () => {
    const b = bytes('\ufeffPOST /ü HTTP/1.1\r\nHost: 例子\r\n\r\n\0{"a":1}\n')
    const { text, encoding } = bytesToEditorText(b)
    expect(encoding).toBe('utf-8')
    expect(text.startsWith('\ufeffPOST /ü')).toBe(true)
    expect(text).toContain('\r\n\r\n\0')
    expect(roundTrip(b)).toEqual(b)
  })

  it('shows bytes that are not UTF-8 as Latin-1, one character a byte, and gives them back', () => {
    const b = new Uint8Array([0x47, 0x45, 0x54, 0x20, 0xff, 0xc3, 0x28, 0x0d, 0x0a, 0x80])
    const { text, encoding } = bytesToEditorText(b)
    expect(encoding).toBe('latin1')
    expect(text.length).toBe(b.length)
    expect(roundTrip(b)).toEqual(b)
  })

  it('round-trips every byte value, alone and all together', () => {
    for (let v = 0; v < 256; v++) expect(roundTrip(new Uint8Array([v]))).toEqual(new Uint8Array([v]))
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(roundTrip(all)).toEqual(all)
  })

  it('round-trips a MiB of binary', () => {
    const big = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (i * 7919) & 0xff)
    const back = roundTrip(big)
    // Compared by hand: a deep toEqual over a million elements takes seconds.
    expect(back.length === big.length && back.every((v, i) => v === big[i])).toBe(true)
  })

  it('finds a character a Latin-1 text cannot hold, and refuses to encode it', () => {
    expect(firstUnencodable('ab\u00ffc中', 'latin1')).toBe(4)
    expect(firstUnencodable('ab中', 'utf-8')).toBe(-1)
    expect(() => editorTextToBytes('a中', 'latin1')).toThrow(RangeError)
    expect(editorTextToBytes('é', 'latin1')).toEqual(new Uint8Array([0xe9]))
    expect(editorTextToBytes('é', 'utf-8')).toEqual(new Uint8Array([0xc3, 0xa9]))
  })

  it('writes hex 16 bytes a line and reads it back', () => {
    const b = Uint8Array.from({ length: 20 }, (_, i) => i * 13)
    const text = bytesToHexText(b)
    expect(text.split('\n')).toEqual(['00 0d 1a 27 34 41 4e 5b 68 75 82 8f 9c a9 b6 c3', 'd0 dd ea f7'])
    expect(hexTextToBytes(text)).toEqual({ bytes: b })
    expect(bytesToHexText(new Uint8Array())).toBe('')
  })

  it('takes hex as people paste it, and says where it is wrong', () => {
    expect(hexTextToBytes('0x47,0x45\t54\r\n 20')).toEqual({ bytes: new Uint8Array([0x47, 0x45, 0x54, 0x20]) })
    expect(hexTextToBytes('47 4g 54')).toEqual({ problem: { kind: 'digit', at: 4 } })
    expect(hexTextToBytes('47 45 5')).toEqual({ problem: { kind: 'odd', at: 6 } })
  })
})
