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

describe('editor text in a picked encoding', () => {
  const exact = (b: Uint8Array, encoding: Parameters<typeof bytesToEditorText>[1]): string => {
    const { text } = bytesToEditorText(b, encoding)
    expect(Array.from(editorTextToBytes(text, encoding!)), `${encoding} round trip`).toEqual(Array.from(b))
    return text
  }
  // 你好 in GBK, and a stray lead byte, a 0x80 and a byte no encoding here reads.
  const GBK = Uint8Array.from([0xc4, 0xe3, 0xba, 0xc3, 0x0d, 0x0a, 0x81, 0x41])

  it('shows GBK as its characters and gives back the very bytes, a broken sequence kept as stand-ins', () => {
    expect(exact(GBK, 'gbk')).toBe('你好\r\n丄')
    const broken = Uint8Array.from([0x41, 0xc4, 0x0a, 0xff, 0xe3, 0xba, 0xc3])
    const text = exact(broken, 'gbk')
    expect(text.startsWith('A\uf7c4\n\uf7ff')).toBe(true)
    // The same bytes as UTF-8 keep every byte too.
    exact(broken, 'utf-8')
    exact(GBK, 'shift_jis')
    exact(GBK, 'utf-16le')
    exact(GBK, 'ascii')
    exact(Uint8Array.from([0x80, 0xa2, 0xe3]), 'gb18030')
  })

  it('writes typed text in the encoding: Chinese in GBK and GB18030 (four bytes beyond GBK), Japanese in Shift_JIS', () => {
    expect(Array.from(editorTextToBytes('PASS 你好', 'gbk'))).toEqual([0x50, 0x41, 0x53, 0x53, 0x20, 0xc4, 0xe3, 0xba, 0xc3])
    expect(Array.from(editorTextToBytes('€', 'gbk'))).toEqual([0x80])
    expect(Array.from(editorTextToBytes('😀', 'gb18030'))).toEqual([0x94, 0x39, 0xfc, 0x36])
    // A BMP character beyond GBK, as the browser's decoder reads it back.
    const soft = editorTextToBytes('\u00ad\u0452', 'gb18030')
    expect(soft).toHaveLength(8)
    expect(new TextDecoder('gb18030').decode(soft)).toBe('\u00ad\u0452')
    expect(Array.from(editorTextToBytes('日本', 'shift_jis'))).toEqual([0x93, 0xfa, 0x96, 0x7b])
    expect(Array.from(editorTextToBytes('a', 'utf-16le'))).toEqual([0x61, 0])
    // What the encoding cannot write is found, and refused.
    expect(firstUnencodable('ab😀', 'gbk')).toBe(2)
    expect(firstUnencodable('ab你', 'ascii')).toBe(2)
    expect(firstUnencodable('ab你', 'gbk')).toBe(-1)
    expect(() => editorTextToBytes('😀', 'shift_jis')).toThrow(RangeError)
  })

  it('keeps a UTF-8 character in the stand-ins’ range as its bytes, so it is not read back as one byte', () => {
    const b = bytes('x\uf741y')
    const { text, encoding } = bytesToEditorText(b)
    expect(encoding).toBe('utf-8')
    expect(text).toBe('x\uf7ef\uf79d\uf781y')
    expect(Array.from(editorTextToBytes(text, encoding))).toEqual(Array.from(b))
  })
})
