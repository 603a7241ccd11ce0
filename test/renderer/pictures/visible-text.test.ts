// Bytes as text a person can read: control characters as dimmed escapes (never dropped,
// never acted on), invalid bytes as U+FFFD, any encoding the browser decodes, and a fold
// at a number of lines that keeps line breaks where they were.
import { describe, expect, it } from 'vitest'
import { decodeBytes, visibleRuns } from '../../../src/renderer/src/composables/visible-text'

const plain = (runs: Array<{ text: string; control: boolean }>): string => runs.map((r) => (r.control ? `[${r.text}]` : r.text)).join('')

describe('visible text', () => {
  it('shows control characters as escapes, keeps the line breaks, and drops nothing', () => {
    const { runs, lines, cut } = visibleRuns('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(plain(runs)).toBe('GET / HTTP/1.1[\\r][\\n]\nHost: x[\\r][\\n]\n[\\r][\\n]')
    expect(lines).toBe(3)
    expect(cut).toBe(false)
    expect(plain(visibleRuns('\u0000\u0007\t\u001b[0m\u007f\u0085').runs)).toBe('[\\0][\\x07][\\t][\\x1b][0m[\\x7f][\\x85]')
  })

  it('keeps markup as text', () => {
    const { runs } = visibleRuns('<img src=x onerror=alert(1)>')
    expect(runs).toEqual([{ text: '<img src=x onerror=alert(1)>', control: false }])
  })

  it('folds at a number of lines, saying so, and not when the text ends there', () => {
    const text = 'a\nb\nc\nd\n'
    const folded = visibleRuns(text, 2)
    expect(plain(folded.runs)).toBe('a[\\n]\nb[\\n]')
    expect(folded).toMatchObject({ lines: 2, cut: true })
    expect(visibleRuns('a\nb\n', 2)).toMatchObject({ lines: 2, cut: false })
    expect(visibleRuns('one line').lines).toBe(1)
  })

  it('decodes in the encoding asked for, invalid bytes as U+FFFD, an unknown one as UTF-8', () => {
    expect(decodeBytes(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), 'gbk')).toBe('你好')
    expect(decodeBytes(new Uint8Array([0x68, 0xff, 0x69]), 'utf-8')).toBe('h\ufffdi')
    expect(decodeBytes(new Uint8Array([0x68, 0x69]), 'no-such-encoding')).toBe('hi')
  })
})
