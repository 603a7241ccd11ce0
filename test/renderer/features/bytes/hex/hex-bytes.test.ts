// The hex view's pieces: offsets typed and shown, the caret moved by keys, copies in each
// format (the same whether the bytes come in one piece or many), and the scrollbar of a
// stream too tall for any browser.
import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { moveByKey, rangeOf, caretOf } from '../../../../../src/renderer/src/features/bytes/hex/byte-selection'
import { byteAtHexColumn, hexRow } from '../../../../../src/renderer/src/features/bytes/hex/hex-rows'
import { copyFormatter, formatCopy, COPY_FORMATS } from '../../../../../src/renderer/src/features/bytes/copy-formats'
import { hexOffset, offsetDigits, parseOffset } from '../../../../../src/renderer/src/features/bytes/offset'
import { MAX_SCROLL_PX, posFromScrollTop, scrollPxFor, scrollTopFromPos } from '../../../../../src/renderer/src/ui/scaled-scroll'
import { parseEscapes } from '../../../../../src/shared/payload/escapes'
import { parseHex } from '../../../../../src/shared/payload/parse-hex'

describe('offsets', () => {
  it('reads decimal and 0x hex, and says what is wrong otherwise', () => {
    expect(parseOffset('4096', 10_000)).toEqual({ offset: 4096 })
    expect(parseOffset(' 0x1F ', 10_000)).toEqual({ offset: 31 })
    expect(parseOffset('1_000', 10_000)).toEqual({ offset: 1000 })
    expect(parseOffset('', 10)).toEqual({ error: 'empty' })
    expect(parseOffset('12g', 10)).toEqual({ error: 'bad' })
    expect(parseOffset('-1', 10)).toEqual({ error: 'bad' })
    expect(parseOffset('0x', 10)).toEqual({ error: 'bad' })
    expect(parseOffset('10', 10)).toEqual({ error: 'range' })
    expect(parseOffset('0x3fffffff', 2 ** 30)).toEqual({ offset: 2 ** 30 - 1 })
  })

  it('shows offsets in eight hex digits, more past 4 GiB', () => {
    expect(hexOffset(0x1f, offsetDigits(100))).toBe('0000001f')
    expect(offsetDigits(2 ** 32)).toBe(8)
    expect(offsetDigits(2 ** 32 + 1)).toBe(9)
  })
})

describe('hex rows', () => {
  const bytes = Uint8Array.from([0x48, 0x69, 0x00, 0x0a, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x7f])
  const text = (runs: Array<{ text: string }>) => runs.map((r) => r.text).join('')

  it('shows 16 bytes as hex with a wider gap after the eighth, and as ASCII with dots', () => {
    const row = hexRow(0, '00000000', 0, 16, bytes, undefined, undefined)
    expect(text(row.hex)).toBe('48 69 00 0a 41 42 43 44  45 46 47 48 49 4a 4b 7f ')
    expect(text(row.ascii)).toBe('Hi..ABCDEFGHIJK.')
    // Bytes that do not print are a run of their own, to be drawn dim.
    expect(row.ascii.map((r) => r.look)).toEqual(['', 'np', '', 'np'])
  })

  it('cuts runs where the selection and the caret are, the gaps inside the selection selected too', () => {
    const row = hexRow(1, '00000010', 16, 16, bytes, { offset: 17, length: 3 }, 19)
    expect(row.hex.map((r) => [r.text, r.look])).toEqual([
      ['48 ', ''],
      ['69 00 ', 'sel'],
      ['0a', 'caret'],
      [' 41 42 43 44  45 46 47 48 49 4a 4b 7f ', '']
    ])
    expect(row.ascii.map((r) => [r.text, r.look])).toEqual([
      ['H', ''],
      ['i', 'sel'],
      ['.', 'sel np'],
      ['.', 'caret np'],
      ['ABCDEFGHIJK', ''],
      ['.', 'np']
    ])
  })

  it('leaves the cells of bytes still loading blank, and a short last row short', () => {
    expect(text(hexRow(0, '0', 0, 16, bytes.subarray(0, 2), undefined, undefined).hex)).toBe('48 69 ' + ' '.repeat(43))
    expect(text(hexRow(0, '0', 0, 2, bytes.subarray(0, 2), undefined, undefined).ascii)).toBe('Hi')
  })

  it.each([1, 7, 8, 9, 15])('pads the hex column of a last row of %i bytes to a full row\'s width, so the ASCII columns line up', (count) => {
    const full = text(hexRow(0, '0', 0, 16, bytes, undefined, undefined).hex)
    const short = hexRow(1, '1', 16, count, bytes.subarray(0, count), { offset: 16, length: count }, undefined)
    expect(text(short.hex)).toHaveLength(full.length)
    expect(text(short.hex).trimEnd()).toBe(full.slice(0, count * 3 + (count > 8 ? 1 : 0)).trimEnd())
    // The padding is not part of the selection.
    expect(short.hex.at(-1)).toMatchObject({ look: '' })
  })

  it('finds the byte under a column of the hex cell', () => {
    expect([0, 1, 2, 3, 23, 24, 25, 26, 27, 47, 60].map(byteAtHexColumn)).toEqual([0, 0, 0, 1, 7, 7, 8, 8, 8, 15, 15])
  })
})

describe('the hex caret', () => {
  const move = (caret: number, key: string, opts: { shift?: boolean; ctrl?: boolean } = {}, anchor = caret) =>
    moveByKey({ anchor, caret }, { key, shift: !!opts.shift, ctrl: !!opts.ctrl }, 100, 16, 4)

  it('moves by a byte, a row, a page, to the row\'s ends and the stream\'s', () => {
    expect(move(20, 'ArrowRight')).toEqual({ anchor: 21, caret: 21 })
    expect(move(20, 'ArrowLeft')).toEqual({ anchor: 19, caret: 19 })
    expect(move(20, 'ArrowDown')).toEqual({ anchor: 36, caret: 36 })
    expect(move(20, 'ArrowUp')).toEqual({ anchor: 4, caret: 4 })
    expect(move(20, 'PageDown')).toEqual({ anchor: 68, caret: 68 })
    expect(move(20, 'Home')).toEqual({ anchor: 16, caret: 16 })
    expect(move(20, 'End')).toEqual({ anchor: 31, caret: 31 })
    expect(move(20, 'Home', { ctrl: true })).toEqual({ anchor: 0, caret: 0 })
    expect(move(20, 'End', { ctrl: true })).toEqual({ anchor: 99, caret: 99 })
    expect(move(20, 'Enter')).toBeUndefined()
  })

  it('stops at the first and last rows, keeping the column', () => {
    expect(move(5, 'ArrowUp')).toEqual({ anchor: 5, caret: 5 })
    expect(move(90, 'ArrowDown')).toEqual({ anchor: 99, caret: 99 })
    expect(move(85, 'PageDown')).toEqual({ anchor: 99, caret: 99 })
    expect(move(81, 'ArrowDown')).toEqual({ anchor: 97, caret: 97 })
    expect(move(0, 'ArrowLeft')).toEqual({ anchor: 0, caret: 0 })
  })

  it('extends the selection with Shift, either way from the anchor', () => {
    const s = move(20, 'ArrowDown', { shift: true }, 18)!
    expect(s).toEqual({ anchor: 18, caret: 36 })
    expect(rangeOf(s)).toEqual({ offset: 18, length: 19 })
    expect(rangeOf({ anchor: 18, caret: 2 })).toEqual({ offset: 2, length: 17 })
    expect(caretOf({ offset: 2, length: 17 })).toEqual({ anchor: 2, caret: 18 })
  })
})

describe('copy formats', () => {
  const bytes = Uint8Array.from([0x48, 0x69, 0x00, 0x0d, 0x0a, 0x5c, 0xff, 0x22])

  it('writes hex, C, base64, escaped strings and text', () => {
    expect(formatCopy(bytes, 'hex')).toBe('48 69 00 0d 0a 5c ff 22')
    expect(formatCopy(bytes, 'base64')).toBe('SGkADQpc/yI=')
    expect(formatCopy(bytes, 'escaped')).toBe('Hi\\x00\\r\\n\\\\\\xff"')
    expect(formatCopy(bytes, 'c')).toBe('unsigned char bytes[8] = {\n  0x48, 0x69, 0x00, 0x0d, 0x0a, 0x5c, 0xff, 0x22\n};')
    expect(formatCopy(new Uint8Array(0), 'c')).toBe('unsigned char bytes[0] = {\n};')
    expect(formatCopy(Uint8Array.from(iconv.encode('你好', 'gbk')), 'text', 'gbk')).toBe('你好')
    expect(formatCopy(Uint8Array.of(0x80, 0xe9), 'text', 'latin1')).toBe('\u0080é')
  })

  it('reads back: hex and escaped strings make the same bytes in tcpscope\'s own parsers', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(parseHex(formatCopy(all, 'hex'))).toEqual(all)
    const pieces = parseEscapes(formatCopy(all, 'escaped'))
    const back = pieces.flatMap((p) => ('byte' in p ? [p.byte] : [...p.text].map((c) => c.charCodeAt(0))))
    expect(Uint8Array.from(back)).toEqual(all)
  })

  it('gives the same text whether the bytes come in one piece or many', () => {
    const data = Uint8Array.from(iconv.encode('中文 and bytes \u0001 '.repeat(40), 'gb18030'))
    for (const format of COPY_FORMATS) {
      const whole = formatCopy(data, format, 'gb18030')
      for (const size of [1, 2, 5, 13]) {
        const f = copyFormatter(format, 'gb18030')
        for (let i = 0; i < data.length; i += size) f.push(data.subarray(i, i + size))
        expect(f.finish(), `${format} in pieces of ${size}`).toBe(whole)
      }
    }
  })
})

describe('the scrollbar of a stream too tall for a browser', () => {
  const rowPx = 18
  const oneGiB = { contentPx: (2 ** 30 / 16) * rowPx, viewPx: 400 }

  it('caps the scroll height and maps the whole scrollbar onto the whole stream', () => {
    expect(scrollPxFor(oneGiB.contentPx)).toBe(MAX_SCROLL_PX)
    const maxScroll = MAX_SCROLL_PX - oneGiB.viewPx
    expect(posFromScrollTop(0, oneGiB)).toBe(0)
    expect(posFromScrollTop(maxScroll, oneGiB)).toBe(oneGiB.contentPx - oneGiB.viewPx)
    // The last row is reachable, and a position maps to a scrollTop and back.
    const lastRowTop = oneGiB.contentPx - rowPx
    const pos = Math.min(lastRowTop, oneGiB.contentPx - oneGiB.viewPx)
    expect(posFromScrollTop(scrollTopFromPos(pos, oneGiB), oneGiB)).toBeCloseTo(pos, 3)
    expect(scrollTopFromPos(oneGiB.contentPx, oneGiB)).toBe(maxScroll)
  })

  it('is the plain scrollTop under the cap', () => {
    const small = { contentPx: 10_000, viewPx: 400 }
    expect(posFromScrollTop(1234, small)).toBe(1234)
    expect(scrollTopFromPos(1234, small)).toBe(1234)
    expect(posFromScrollTop(99_999, small)).toBe(9600)
  })
})
