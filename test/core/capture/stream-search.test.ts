// Text search in the encodings the text view shows: the pattern is encoded as the stream's
// text is, so what the view shows as 日本 or 你好 is found where its bytes are.
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { compilePattern, searchStream } from '../../../src/core/capture/stream-search'
import { validateArgs } from '../../../src/shared/contract'

const search = (stream: Buffer, pattern: Parameters<typeof compilePattern>[0], opts: { from?: number; backward?: boolean } = {}) =>
  searchStream(async (offset, length) => stream.subarray(offset, offset + length), stream.length, compilePattern(pattern), opts)

describe('text search in an encoding', () => {
  it('finds Shift_JIS, GBK and UTF-16LE text by its bytes in that encoding', async () => {
    const sjis = Buffer.concat([Buffer.from('header\r\n'), iconv.encode('こんにちは 日本', 'shift_jis')])
    expect(await search(sjis, { kind: 'text', value: '日本', encoding: 'shift_jis' })).toEqual({ found: true, offset: sjis.length - 4, length: 4 })
    // The same text in UTF-8 is not what the stream holds.
    expect(await search(sjis, { kind: 'text', value: '日本' })).toEqual({ found: false })

    const gbk = Buffer.concat([Buffer.from([0, 1, 2]), iconv.encode('你好，世界', 'gbk')])
    expect(await search(gbk, { kind: 'text', value: '世界', encoding: 'gbk' })).toEqual({ found: true, offset: 9, length: 4 })

    const u16 = Buffer.from('say hi\r\n', 'utf16le')
    expect(await search(u16, { kind: 'text', value: 'hi\\r', encoding: 'utf16le' })).toEqual({ found: true, offset: 8, length: 6 })
  })

  it('is a search the contract lets through', () => {
    expect(() => validateArgs('conn.search', { capture: 'live', connId: 1, dir: 'client', pattern: { kind: 'text', value: 'x', encoding: 'shift_jis' } })).not.toThrow()
    expect(() => compilePattern({ kind: 'regex', value: 'x', encoding: 'shift_jis' })).toThrow(/UTF-8 or Latin-1/)
  })
})
