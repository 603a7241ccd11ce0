// Text search in the encodings the text view shows: the pattern is encoded as the stream's
// text is, so what the view shows as 日本 or 你好 is found where its bytes are.
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { compilePattern, searchStream } from '../../../../src/core/capture/query/stream-search'
import { validateArgs } from '../../../../src/shared/contract'

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

describe('regex search over a long stream', () => {
  const mib = 1024 * 1024
  const aThenB = Buffer.concat([Buffer.alloc(mib, 'a'), Buffer.from('b')])

  it('runs a pattern that backtracks forever in V8 and answers correctly, with ^ and $ only at the stream ends', async () => {
    const catastrophic = { kind: 'regex', value: '^(a+)+$', encoding: 'latin1' } as const
    expect(await search(aThenB, catastrophic)).toEqual({ found: false })
    expect(await search(aThenB, catastrophic, { backward: true })).toEqual({ found: false })
    expect(await search(aThenB.subarray(0, mib), catastrophic)).toEqual({ found: true, offset: 0, length: mib })
    // Longer than a step, the match is found from a later start, but it ends at the b.
    const tail = await search(aThenB, { ...catastrophic, value: '(a+)+b$', encoding: 'utf8' })
    expect(tail.found && tail.offset + tail.length).toBe(mib + 1)
  })

  it('finds matches across its steps, forward and backward, and a whole match that runs past a step', async () => {
    const stream = Buffer.alloc(3 * mib, '.')
    stream.write('id=12345;', mib - 4)
    stream.write('id=777;', 2 * mib + 10)
    const ids = { kind: 'regex', value: 'id=(\\d+);', encoding: 'latin1' } as const
    expect(await search(stream, ids)).toEqual({ found: true, offset: mib - 4, length: 9 })
    expect(await search(stream, ids, { from: mib })).toEqual({ found: true, offset: 2 * mib + 10, length: 7 })
    expect(await search(stream, ids, { backward: true })).toEqual({ found: true, offset: 2 * mib + 10, length: 7 })
    expect(await search(stream, ids, { backward: true, from: 2 * mib + 16 })).toEqual({ found: true, offset: mib - 4, length: 9 })
    // Adjacent matches going backward: the one that ends where the search starts counts.
    expect(await search(Buffer.from('xaaay'), { kind: 'regex', value: 'a', encoding: 'latin1' }, { backward: true, from: 3 })).toEqual({ found: true, offset: 2, length: 1 })
    const run = Buffer.concat([Buffer.from('b'), Buffer.alloc(600 * 1024, 'a'), Buffer.from('b')])
    expect(await search(run, { kind: 'regex', value: 'a+', encoding: 'latin1' })).toEqual({ found: true, offset: 1, length: 600 * 1024 })
  })

  it('refuses backreferences and lookahead in one line, saying why', () => {
    expect(() => compilePattern({ kind: 'regex', value: '(\\w)\\1' })).toThrow(/^search: \/\(\\w\)\\1\/ uses a backreference \(\\1\), which tcpscope's regular expressions do not support: they run on RE2, which takes time linear in the input/)
    expect(() => compilePattern({ kind: 'regex', value: 'a(?=b)' })).toThrow(/^search: \/a\(\?=b\)\/ uses a lookahead/)
  })
})
