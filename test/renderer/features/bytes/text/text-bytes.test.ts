// How the text view turns bytes into characters and rows: Latin-1 as bytes, never
// windows-1252; control characters and bytes that are no character shown, never dropped;
// each character knowing its bytes; lines found from any offset the same way as from the
// start, in every encoding, so a 1 GiB stream can be shown from anywhere.
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { TEXT_ENCODINGS } from '../../../../../src/renderer/src/features/settings/settings-store'
import { decodeLatin1 } from '../../../../../src/renderer/src/features/bytes/encodings'
import { decodeChars } from '../../../../../src/renderer/src/features/bytes/text/text-chars'
import { LINE_BLOCK, lineEnd, lineStart, rowAt, rowsBefore, rowsFrom, type ByteSource, NeedBytes } from '../../../../../src/renderer/src/features/bytes/text/text-layout'

const chars = (enc: (typeof TEXT_ENCODINGS)[number], bytes: number[] | Uint8Array) => decodeChars(enc, Uint8Array.from(bytes), 100, 0, bytes.length)
const texts = (enc: (typeof TEXT_ENCODINGS)[number], bytes: number[] | Uint8Array) => chars(enc, bytes).map((c) => c.text)
const src = (bytes: Uint8Array): ByteSource => ({ base: 0, bytes, total: bytes.length })

/** A deterministic pseudo-random byte generator. */
function rng(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x >> 8
  }
}

describe('Latin-1', () => {
  it('is each byte as U+00XX, not windows-1252', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const s = decodeLatin1(all)
    expect([...s].map((c) => c.charCodeAt(0))).toEqual([...all])
    // Browsers' TextDecoder('latin1') would give '€' here (windows-1252).
    expect(s[0x80]).toBe('\u0080')
    expect(s[0x9f]).toBe('\u009f')
  })
})

describe('characters of the text view', () => {
  it('shows control characters and line ends by their ASCII names', () => {
    expect(chars('utf-8', [0x00, 0x01, 0x09, 0x1b, 0x0d, 0x0a, 0x7f, 0x41]).map((c) => [c.text, c.kind, c.width])).toEqual([
      ['NUL', 'ctrl', 3],
      ['SOH', 'ctrl', 3],
      ['HT', 'ctrl', 2],
      ['ESC', 'ctrl', 3],
      ['CR', 'eol', 2],
      ['LF', 'eol', 2],
      ['DEL', 'ctrl', 3],
      ['A', 'text', 1]
    ])
    // C1 controls (Latin-1 0x85) by their code; invisible characters (a BOM) as a dim dot.
    expect(chars('latin1', [0x85, 0xe9]).map((c) => [c.text, c.kind])).toEqual([
      ['85', 'ctrl'],
      ['é', 'text']
    ])
    expect(texts('utf-8', [0xef, 0xbb, 0xbf])).toEqual(['·'])
  })

  it('names bidirectional controls, so they cannot reorder what the view shows', () => {
    const bidi = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x061c, 0x200e, 0x200f]
    const utf8 = new TextEncoder().encode(`a${String.fromCodePoint(...bidi)}b`)
    expect(chars('utf-8', utf8).map((c) => [c.text, c.kind, c.width])).toEqual([
      ['a', 'text', 1],
      ...['LRE', 'RLE', 'PDF', 'LRO', 'RLO', 'LRI', 'RLI', 'FSI', 'PDI', 'ALM', 'LRM', 'RLM'].map((n) => [n, 'ctrl', 3]),
      ['b', 'text', 1]
    ])
    // The same in UTF-16LE and GB18030 (where RLO is a four-byte sequence the decoder names).
    expect(texts('utf-16le', [0x2e, 0x20, 0x61, 0, 0x62, 0])).toEqual(['RLO', 'a', 'b'])
    expect(texts('gb18030', iconv.encode('\u2067x', 'gb18030'))).toEqual(['RLI', 'x'])
  })

  it('shows each byte that is no character as ⟨xx⟩, a character cut at the end too', () => {
    expect(chars('utf-8', [0xff, 0x41, 0xc3, 0x28, 0xe4, 0xbd]).map((c) => [c.text, c.kind, c.offset])).toEqual([
      ['⟨ff⟩', 'bad', 100],
      ['A', 'text', 101],
      ['⟨c3⟩', 'bad', 102],
      ['(', 'text', 103],
      ['⟨e4⟩', 'bad', 104],
      ['⟨bd⟩', 'bad', 105]
    ])
    // Overlong and surrogate forms are not UTF-8.
    expect(texts('utf-8', [0xc0, 0xaf, 0xed, 0xa0, 0x80])).toEqual(['⟨c0⟩', '⟨af⟩', '⟨ed⟩', '⟨a0⟩', '⟨80⟩'])
    expect(texts('utf-16le', [0x41, 0x00, 0x00, 0xdc, 0x42])).toEqual(['A', '⟨00⟩', '⟨dc⟩', '⟨42⟩'])
    expect(texts('shift_jis', [0xa0, 0xfd])).toEqual(['⟨a0⟩', '⟨fd⟩'])
    // ASCII is ASCII: a byte past 0x7f is no character of it.
    expect(chars('ascii', [0x41, 0xe9]).map((c) => [c.text, c.kind])).toEqual([
      ['A', 'text'],
      ['⟨e9⟩', 'bad']
    ])
  })

  it('decodes GBK, GB18030, Shift_JIS, UTF-16LE and UTF-8 text, each character knowing its bytes', () => {
    const cases: Array<[(typeof TEXT_ENCODINGS)[number], string, string]> = [
      ['gbk', 'gbk', '你好, 世界\r\n'],
      ['gb18030', 'gb18030', '中文 😀 é'],
      ['shift_jis', 'shift_jis', 'こんにちは ｱｲｳ 日本'],
      ['utf-16le', 'utf16le', 'a中😀\n'],
      ['utf-8', 'utf8', 'naïve 中文 😀']
    ]
    for (const [enc, iconvName, text] of cases) {
      const bytes = iconv.encode(text, iconvName)
      const cs = chars(enc, bytes)
      expect(cs.map((c) => (c.kind === 'eol' ? (c.text === 'CR' ? '\r' : '\n') : c.text)).join(''), enc).toBe(text)
      // Every byte belongs to exactly one character, in order.
      let at = 100
      for (const c of cs) {
        expect(c.offset, enc).toBe(at)
        at += c.length
      }
      expect(at).toBe(100 + bytes.length)
    }
    expect(chars('gbk', iconv.encode('你a', 'gbk')).map((c) => [c.text, c.width, c.length])).toEqual([
      ['你', 2, 2],
      ['a', 1, 1]
    ])
  })

  it('covers every byte of random data exactly once, in every encoding', () => {
    const next = rng(7)
    const bytes = Uint8Array.from({ length: 4000 }, () => next() & 0xff)
    for (const enc of TEXT_ENCODINGS) {
      let at = 0
      for (const c of decodeChars(enc, bytes, 0, 0, bytes.length)) {
        expect(c.offset).toBe(at)
        expect(c.length).toBeGreaterThan(0)
        at += c.length
      }
      expect(at, enc).toBe(bytes.length)
    }
  })
})

/** The lines of a whole stream, read from its start. */
function linesFromStart(s: ByteSource, enc: (typeof TEXT_ENCODINGS)[number]): number[] {
  const starts: number[] = []
  for (let p = 0; p < s.total; p = lineEnd(s, enc, p)) starts.push(p)
  return starts
}

describe('lines and rows of the text view', () => {
  it('ends lines after a line feed, and shows rows from any offset and before it', () => {
    const s = src(new TextEncoder().encode('one\ntwo\r\nthree\n\nfour'))
    const layout = { encoding: 'utf-8' as const }
    const rowText = (r: { chars: Array<{ text: string }> }) => r.chars.map((c) => c.text).join('')
    expect(rowsFrom(s, layout, 0, 10).map(rowText)).toEqual(['oneLF', 'twoCRLF', 'threeLF', 'LF', 'four'])
    expect(rowsFrom(s, layout, 5, 2).map(rowText)).toEqual(['twoCRLF', 'threeLF'])
    expect(rowsBefore(s, layout, 9, 5).map(rowText)).toEqual(['oneLF', 'twoCRLF'])
    expect(rowsBefore(s, layout, s.total, 2).map(rowText)).toEqual(['LF', 'four'])
    expect(rowAt(s, layout, 15)).toMatchObject({ offset: 15, end: 16 })
    expect(rowAt(s, layout, 17)).toMatchObject({ offset: 16, end: 20 })
  })

  it('wraps rows at a number of columns, a wide character taking two', () => {
    const s = src(iconv.encode('你好世界ab\n', 'gbk'))
    const rows = rowsFrom(s, { encoding: 'gbk', cols: 5 }, 0, 10)
    expect(rows.map((r) => r.chars.map((c) => c.text).join(''))).toEqual(['你好', '世界a', 'bLF'])
    expect(rows.map((r) => [r.offset, r.end])).toEqual([
      [0, 4],
      [4, 9],
      [9, 11]
    ])
  })

  it('breaks a line with no line feed at a block boundary, after the character there', () => {
    // "é" is two bytes in UTF-8: one straddles the first block boundary.
    const s = src(new TextEncoder().encode('a' + 'é'.repeat(2 * LINE_BLOCK)))
    expect(linesFromStart(s, 'utf-8')).toEqual([0, LINE_BLOCK + 1, 2 * LINE_BLOCK + 1, 3 * LINE_BLOCK + 1])
    expect(lineStart(s, 'utf-8', LINE_BLOCK)).toBe(0)
    expect(lineStart(s, 'utf-8', LINE_BLOCK + 1)).toBe(LINE_BLOCK + 1)
  })

  it('finds the same line starts from any offset as from the start, in every encoding', () => {
    const next = rng(42)
    for (const density of [0.002, 0.05]) {
      const bytes = Uint8Array.from({ length: 6 * LINE_BLOCK }, () => (next() % 1000 < density * 1000 ? 0x0a : next() & 0xff))
      const s = src(bytes)
      for (const enc of TEXT_ENCODINGS) {
        const starts = linesFromStart(s, enc)
        let line = 0
        for (let p = 0; p < s.total; p += 7) {
          while (line + 1 < starts.length && starts[line + 1] <= p) line++
          expect(lineStart(s, enc, p), `${enc} at ${p}`).toBe(starts[line])
        }
      }
    }
  })

  it('asks for the bytes it needs beyond its window', () => {
    const bytes = new TextEncoder().encode('x'.repeat(5000))
    const window: ByteSource = { base: 3000, bytes: bytes.subarray(3000, 4000), total: 5000 }
    expect(() => rowsFrom(window, { encoding: 'utf-8' }, 3500, 1)).toThrow(NeedBytes)
  })
})
