// Users' regular expressions run on RE2: what JavaScript syntax they keep, what they refuse
// (with one line saying why), and that a pattern that backtracks forever in V8 runs at once.
import { describe, expect, it } from 'vitest'
import { compileUserRegex } from '../../../src/core/regex/user-regex'

const refusal = (source: string): string => {
  try {
    compileUserRegex(source)
  } catch (err) {
    return (err as Error).message
  }
  throw new Error(`/${source}/ compiled`)
}

describe('a user regex', () => {
  it('keeps the JavaScript syntax RE2 shares: groups, named groups, classes, \\u escapes, lookbehind, case folding', () => {
    expect(compileUserRegex('^PING (\\w+)').first('PING abc def')).toEqual({ start: 0, end: 8, text: 'PING abc', groups: ['abc'] })
    expect(compileUserRegex('(?<word>[a-z]+)-(x)?').first('--ab-')).toEqual({ start: 2, end: 5, text: 'ab-', groups: ['ab', ''] })
    expect(compileUserRegex('\\u0041\\u{42}').test('xAB')).toBe(true)
    expect(compileUserRegex('[]a]+').first('x]a]')?.text).toBe(']a]')
    expect(compileUserRegex('(?<=id=)\\d+').first('id=42')?.text).toBe('42')
    expect(compileUserRegex('straße', { caseInsensitive: true }).test('STRASSE STRAßE')).toBe(true)
    expect(compileUserRegex('a*').all('baab').map((m) => [m.start, m.end])).toEqual([[1, 3]])
  })

  it('gives byte offsets over bytes (UTF-8) and character offsets over a string', () => {
    const bytes = Buffer.from('你好 world', 'utf8')
    expect(compileUserRegex('w\\w+').first(bytes)).toMatchObject({ start: 7, end: 12, text: 'world' })
    expect(compileUserRegex('w\\w+').first(bytes.toString('utf8'))).toMatchObject({ start: 3, end: 8 })
  })

  it('refuses what RE2 cannot run in linear time, naming it in one line', () => {
    for (const [source, what] of [
      ['(a)\\1', /^\/\(a\)\\1\/ uses a backreference \(\\1\), which tcpscope's regular expressions do not support: they run on RE2/],
      ['(?<n>a)\\k<n>', /uses a named backreference/],
      ['foo(?=bar)', /uses a lookahead \(\?=\.\.\.\)/],
      ['foo(?!bar)', /uses a lookahead \(\?!\.\.\.\)/],
      ['(?>a+)b', /uses an atomic group/]
    ] as const) {
      const message = refusal(source)
      expect(message).toMatch(what)
      expect(message).not.toContain('\n')
    }
    // In a class, (?= is plain characters.
    expect(compileUserRegex('[(?=]').test('=')).toBe(true)
  })

  it('says what is wrong with a malformed pattern', () => {
    expect(refusal('([a-')).toBe('bad regular expression /([a-/: missing closing ]: [a-')
    expect(refusal('a{1001}')).toMatch(/^bad regular expression \/a\{1001\}\/: invalid repeat count \{1001\} \(RE2 allows at most 1000/)
    expect(refusal('(?<=(a))b')).toMatch(/a lookbehind cannot hold a capturing group; write \(\?:\.\.\.\) inside it$/)
    expect(refusal('(?:.{0,100}x){10}')).toMatch(/^regular expression \/.*\/ is too large \(\d+ steps; at most 1000\): use smaller repeat counts$/)
  })

  it('runs a pattern that backtracks catastrophically in V8 over 1 MiB and answers correctly', () => {
    const subject = Buffer.concat([Buffer.alloc(1024 * 1024, 'a'), Buffer.from('b')])
    const re = compileUserRegex('^(a+)+$')
    expect(re.first(subject)).toBeNull()
    expect(re.first(subject.subarray(0, subject.length - 1))).toMatchObject({ start: 0, end: 1024 * 1024 })
  })
})
