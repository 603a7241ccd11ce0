// Long unchanged runs in a diff fold to one line, with three lines of context kept next to
// each change, and a fold a person opened stays open.
import { describe, expect, it } from 'vitest'
import { foldUnchanged, type DiffSegment } from '../../../../../src/renderer/src/features/replay/diff/diff-folds'

/** 's' same, 'x' changed; a fold shows as [count]. */
const shape = (segs: DiffSegment[], marks: string): string => segs.map((s) => (s.kind === 'fold' ? `[${s.count}]` : marks[s.index])).join('')
const fold = (marks: string, open = new Set<number>()): string => shape(foldUnchanged(marks.length, (i) => marks[i] === 's', open), marks)

describe('foldUnchanged', () => {
  it('keeps three lines of context either side of a change and folds the rest', () => {
    expect(fold('ssssssssssxssssssssss')).toBe('[7]sssxsss[7]')
    expect(fold('xssssssssssssx')).toBe('xsss[6]sssx')
  })

  it('does not fold a run that is no longer than its context, or a single line', () => {
    expect(fold('xsssssssx')).toBe('xsssssssx')
    expect(fold('ssssx')).toBe('ssssx')
    expect(fold('sssss')).toBe('[5]')
    expect(fold('x')).toBe('x')
    expect(fold('')).toBe('')
  })

  it('leaves open the fold a person opened', () => {
    const segs = foldUnchanged(21, (i) => i !== 10, new Set([0]))
    expect(segs.filter((s) => s.kind === 'fold')).toEqual([{ kind: 'fold', from: 14, count: 7 }])
  })
})
