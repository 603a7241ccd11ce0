// A raw replay turn's answer against the recorded one: the same, a line diff as hunks with
// context when both read as text (each hunk's lines are the bodies' own, from the line it
// names), both answers as bytes when either is binary, and a bounded diff of two unrelated
// answers.
import { describe, expect, it } from 'vitest'
import type { BodyComparison, DiffHunk } from '../../../../../src/shared/response-comparison-types'
import { MAX_DIFF_RESULT_LINES } from '../../../../../src/shared/response-comparison-types'
import { compareTurn } from '../../../../../src/renderer/src/features/replay/raw/turn-comparison'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const hunks = (c: BodyComparison): DiffHunk[] => {
  if (c.kind !== 'text') throw new Error(`a text diff, not ${c.kind}`)
  return c.lines.hunks
}

describe('compareTurn', () => {
  it('says the same answer is the same', async () => {
    expect(await compareTurn(utf8('+OK\r\n'), utf8('+OK\r\n'))).toEqual({ kind: 'same' })
  })

  it('diffs text answers by line, with three lines of context', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `$3\r\nv${i}`)
    const changed = [...lines]
    changed[10] = '$3\r\nXX'
    const c = await compareTurn(utf8(lines.join('\r\n')), utf8(changed.join('\r\n')))
    const [h] = hunks(c)
    // v10 is line 22: the hunk starts three lines before it.
    expect(h.recordedLine).toBe(19)
    expect(h.lines.filter((l) => l.change !== 'same')).toEqual([
      { change: 'removed', text: 'v10' },
      { change: 'added', text: 'XX' }
    ])
    expect(h.lines.filter((l) => l.change === 'same')).toHaveLength(6)
  })

  it('shows binary answers as bytes from the start, with where they first differ', async () => {
    const c = await compareTurn(new Uint8Array([1, 2, 0, 4]), new Uint8Array([1, 2, 0, 5, 6]))
    expect(c).toMatchObject({ kind: 'binary', firstDifference: 3, at: 0 })
  })

  it('keeps the answers’ own lines in every hunk, on 100 seeded random pairs', async () => {
    let seed = 11
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const WORDS = ['a', 'b', '{', '}', '', ' x']
    const text = (): string => Array.from({ length: 1 + Math.floor(random() * 12) }, () => WORDS[Math.floor(random() * WORDS.length)]).join('\n') + '\n'
    for (let i = 0; i < 100; i++) {
      const a = text()
      const b = text()
      const c = await compareTurn(utf8(a), utf8(b))
      if (a === b) {
        expect(c.kind).toBe('same')
        continue
      }
      const linesA = a.split('\n')
      const linesB = b.split('\n')
      for (const h of hunks(c)) {
        const fromA = h.lines.filter((l) => l.change !== 'added').map((l) => l.text)
        const fromB = h.lines.filter((l) => l.change !== 'removed').map((l) => l.text)
        expect(fromA, JSON.stringify([a, b])).toEqual(linesA.slice(h.recordedLine - 1, h.recordedLine - 1 + fromA.length))
        expect(fromB, JSON.stringify([a, b])).toEqual(linesB.slice(h.replayedLine - 1, h.replayedLine - 1 + fromB.length))
      }
    }
  })

  it('bounds the diff of two unrelated 64 KiB answers', async () => {
    let seed = 7
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const text = (): string => Array.from({ length: (64 * 1024) / 4 }, () => `${Math.floor(random() * 100)}\n`).join('').slice(0, 64 * 1024)
    const c = await compareTurn(utf8(text()), utf8(text()))
    if (c.kind !== 'text') throw new Error(c.kind)
    expect(c.lines.hunks.reduce((n, h) => n + h.lines.length, 0)).toBeLessThanOrEqual(MAX_DIFF_RESULT_LINES)
    expect(c.lines.cut).toBe(true)
  })
})
