// Chunks as text a person can read: control characters by name and bytes that are no
// character as ⟨xx⟩ (never dropped, never acted on), in the connection's encoding, and a
// fold at a number of lines that keeps line breaks where they were.
import { describe, expect, it } from 'vitest'
import { visibleText } from '../../../../../src/renderer/src/features/bytes/text/visible-text'

const plain = (runs: Array<{ text: string; control: boolean }>): string => runs.map((r) => (r.control ? `[${r.text}]` : r.text)).join('')
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('visible text', () => {
  it('names control characters, keeps the line breaks, and drops nothing', () => {
    const { runs, lines, cut } = visibleText(bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'utf-8')
    expect(plain(runs)).toBe('GET / HTTP/1.1[CR][LF]\nHost: x[CR][LF]\n[CR][LF]')
    expect(lines).toBe(3)
    expect(cut).toBe(false)
    expect(plain(visibleText(new Uint8Array([0, 7, 9, 0x1b, 0x5b, 0x30, 0x6d, 0x7f, 0xc2, 0x85]), 'utf-8').runs)).toBe('[NUL][BEL][HT][ESC][0m[DEL][85]')
  })

  it('shows bytes that are no character as their hex, and decodes the encoding asked for', () => {
    expect(plain(visibleText(new Uint8Array([0x68, 0xff, 0xfe, 0xbe, 0xef, 0x69]), 'utf-8').runs)).toBe('h[⟨ff⟩][⟨fe⟩][⟨be⟩][⟨ef⟩]i')
    expect(plain(visibleText(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]), 'gbk').runs)).toBe('你好')
    expect(plain(visibleText(new Uint8Array([0xe9]), 'latin1').runs)).toBe('é')
  })

  it('keeps markup as text', () => {
    const { runs } = visibleText(bytes('<img src=x onerror=alert(1)>'), 'utf-8')
    expect(runs).toEqual([{ text: '<img src=x onerror=alert(1)>', control: false }])
  })

  it('folds at a number of lines, saying so, and not when the text ends there', () => {
    const folded = visibleText(bytes('a\nb\nc\nd\n'), 'utf-8', 2)
    expect(plain(folded.runs)).toBe('a[LF]\nb[LF]')
    expect(folded).toMatchObject({ lines: 2, cut: true })
    expect(visibleText(bytes('a\nb\n'), 'utf-8', 2)).toMatchObject({ lines: 2, cut: false })
    expect(visibleText(bytes('one line'), 'utf-8').lines).toBe(1)
  })
})
