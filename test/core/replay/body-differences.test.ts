// How two bodies differ, on what a person reads: JSON by the path of each changed value
// (nested arrays, added and removed keys) with a line diff of the pretty JSON; text by a line
// diff; binary by where its bytes first differ. Every result is bounded.
import { describe, expect, it } from 'vitest'
import { compareBodies, readContent } from '../../../src/core/replay/body-differences'
import { lineDiff } from '../../../src/core/replay/line-diff'
import { jsonChangePhrase } from '../../../src/shared/comparison-phrases'
import { MAX_DIFF_LINE_CHARS, MAX_DIFF_RESULT_LINES, MAX_JSON_CHANGES, MAX_JSON_PATH_CHARS, type BodyComparison } from '../../../src/shared/response-comparison-types'

const body = (text: string | Uint8Array, type?: string): ReturnType<typeof readContent> =>
  readContent({ bytes: typeof text === 'string' ? Buffer.from(text) : text, whole: true, ...(type === undefined ? {} : { type }) })
const compare = (a: string | Uint8Array, b: string | Uint8Array, type?: string): BodyComparison => compareBodies(body(a, type), body(b, type))

function json(c: BodyComparison): Extract<BodyComparison, { kind: 'json' }> {
  if (c.kind !== 'json') throw new Error(`expected a JSON comparison, got ${c.kind}`)
  return c
}

describe('readContent', () => {
  it('reads JSON by its type or its look, text in its charset, and binary', () => {
    expect(body('{"a":1}', 'application/json; charset=utf-8')).toMatchObject({ form: 'json', json: { a: 1 } })
    expect(body('[1,2]')).toMatchObject({ form: 'json' })
    expect(body('{"a":1}', 'application/problem+json').form).toBe('json')
    expect(body('{not json', 'application/json')).toMatchObject({ form: 'text', text: '{not json' })
    expect(body('hello\r\n\tthere', 'text/plain')).toMatchObject({ form: 'text', charset: 'utf-8' })
    expect(body(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain; charset=ISO-8859-1')).toMatchObject({ form: 'text', charset: 'windows-1252', text: 'café' })
    expect(body(Buffer.from([0x1f, 0x8b, 0x08, 0x00])).form).toBe('binary')
    expect(body(Buffer.from([0xff, 0xfe, 0x41]), 'text/plain').form).toBe('binary')
  })

  it('does not call text binary for a character cut at the end of a body not kept whole', () => {
    const cut = Buffer.from('naïve').subarray(0, 3)
    expect(readContent({ bytes: cut, whole: false }).form).toBe('text')
    expect(readContent({ bytes: cut, whole: true }).form).toBe('binary')
  })
})

describe('compareBodies: JSON', () => {
  it('names the path of each changed value, recorded → replayed', () => {
    const c = json(compare('{"stamp":4100001,"ok":true}', '{"stamp":4100002,"ok":true}', 'application/json'))
    expect(c.changes).toEqual([{ path: '$.stamp', change: 'changed', recorded: '4100001', replayed: '4100002' }])
    expect(c.changeCount).toBe(1)
    expect(c.changes.map(jsonChangePhrase)).toEqual(['body $.stamp: 4100001 → 4100002'])
  })

  it('walks nested objects and arrays by index, in document order', () => {
    const a = { items: [{ name: 'a' }, { name: 'b' }, { name: 'c', tags: ['x', 'y'] }], grid: [[1, 2], [3, 4]] }
    const b = { items: [{ name: 'a' }, { name: 'b' }, { name: 'C', tags: ['x', 'z'] }], grid: [[1, 2], [3, 5, 6]] }
    const c = json(compare(JSON.stringify(a), JSON.stringify(b)))
    expect(c.changes).toEqual([
      { path: '$.items[2].name', change: 'changed', recorded: '"c"', replayed: '"C"' },
      { path: '$.items[2].tags[1]', change: 'changed', recorded: '"y"', replayed: '"z"' },
      { path: '$.grid[1][1]', change: 'changed', recorded: '4', replayed: '5' },
      { path: '$.grid[1][2]', change: 'added', replayed: '6' }
    ])
  })

  it('names added and removed keys, quoting keys that are not identifiers', () => {
    const c = json(compare('{"keep":1,"gone":{"deep":[1]},"a b":2}', '{"keep":1,"a b":3,"new":null}'))
    expect(c.changes).toEqual([
      { path: '$.gone', change: 'removed', recorded: '{"deep":[1]}' },
      { path: '$["a b"]', change: 'changed', recorded: '2', replayed: '3' },
      { path: '$.new', change: 'added', replayed: 'null' }
    ])
    expect(c.changes.map(jsonChangePhrase)).toEqual(['body $.gone removed (was {"deep":[1]})', 'body $["a b"]: 2 → 3', 'body $.new added: null'])
  })

  it('counts a value whose type changed as changed', () => {
    expect(json(compare('{"a":[1]}', '{"a":{"0":1}}')).changes).toEqual([{ path: '$.a', change: 'changed', recorded: '[1]', replayed: '{"0":1}' }])
    expect(json(compare('{"a":1}', '{"a":"1"}')).changes[0]).toMatchObject({ recorded: '1', replayed: '"1"' })
  })

  it('finds no change in the same values written differently', () => {
    const c = json(compare('{"a":1,"b":[1,2]}', '{ "b": [1, 2],\n  "a": 1 }'))
    expect(c).toMatchObject({ changes: [], changeCount: 0 })
  })

  it('gives a line diff of the pretty JSON with context', () => {
    const a = { list: Array.from({ length: 20 }, (_, i) => i), stamp: 1 }
    const c = json(compare(JSON.stringify(a), JSON.stringify({ ...a, stamp: 2 })))
    expect(c.lines.hunks).toHaveLength(1)
    const hunk = c.lines.hunks[0]
    expect(hunk.lines.filter((l) => l.change !== 'same')).toEqual([
      { change: 'removed', text: '  "stamp": 1' },
      { change: 'added', text: '  "stamp": 2' }
    ])
    // Three lines of context before (the list's end), one after (the closing brace).
    expect(hunk.lines.map((l) => l.text)).toEqual(['    18,', '    19', '  ],', '  "stamp": 1', '  "stamp": 2', '}'])
    expect(hunk.recordedLine).toBe(21)
  })

  it('lists at most MAX_JSON_CHANGES changes and counts them all', () => {
    const n = MAX_JSON_CHANGES + 50
    const c = json(compare(JSON.stringify(Array.from({ length: n }, () => 0)), JSON.stringify(Array.from({ length: n }, () => 1))))
    expect(c.changes).toHaveLength(MAX_JSON_CHANGES)
    expect(c.changeCount).toBe(n)
  })

  it('compares a document nested deeper than the call stack without overflowing it', () => {
    const depth = 20_000
    const a = '['.repeat(depth) + '1' + ']'.repeat(depth)
    const b = '['.repeat(depth) + '2' + ']'.repeat(depth)
    const c = json(compare(a, b))
    expect(c.changeCount).toBe(1)
    // Its path keeps its end, cut to MAX_JSON_PATH_CHARS.
    expect(c.changes[0].path).toBe('$…' + '[0]'.repeat(depth).slice(-(MAX_JSON_PATH_CHARS - 2)))
    expect(c.lines.hunks.length).toBe(1)
  })
})

describe('compareBodies: text and binary', () => {
  it('diffs text by lines', () => {
    const c = compare('one\ntwo\nthree\n', 'one\n2\nthree\nfour\n', 'text/plain')
    expect(c).toEqual({
      kind: 'text',
      lines: {
        hunks: [
          {
            recordedLine: 1,
            replayedLine: 1,
            lines: [
              { change: 'same', text: 'one' },
              { change: 'removed', text: 'two' },
              { change: 'added', text: '2' },
              { change: 'same', text: 'three' },
              { change: 'added', text: 'four' }
            ]
          }
        ],
        cut: false,
        coarse: false
      }
    })
  })

  it('is the same for the same bytes', () => {
    expect(compare('same', 'same')).toEqual({ kind: 'same' })
  })

  it('shows binary as where the bytes first differ, with a 16-byte-aligned window of both', () => {
    const a = Buffer.alloc(100, 7)
    const b = Buffer.from(a)
    b[37] = 9
    const c = compare(a, b)
    expect(c).toMatchObject({ kind: 'binary', firstDifference: 37, at: 32 })
    if (c.kind !== 'binary') throw new Error('binary expected')
    expect(Buffer.from(c.recorded)).toEqual(a.subarray(32, 96))
    expect(c.replayed[5]).toBe(9)
  })
})

describe('lineDiff bounds', () => {
  it('splits far-apart changes into hunks and cuts long lines', () => {
    const a = Array.from({ length: 40 }, (_, i) => `line ${i}`)
    const b = [...a]
    b[2] = 'changed 2'
    b[30] = 'x'.repeat(MAX_DIFF_LINE_CHARS + 10)
    const d = lineDiff(a.join('\n'), b.join('\n'))
    expect(d.hunks.map((h) => h.recordedLine)).toEqual([1, 28])
    expect(d.hunks[1].lines.find((l) => l.change === 'added')!.text).toBe('x'.repeat(MAX_DIFF_LINE_CHARS) + '…')
  })

  it('finds an inserted line as one added line, not as every line after it changed', () => {
    const a = Array.from({ length: 50 }, (_, i) => `line ${i}\n`)
    const b = [...a.slice(0, 20), 'new\n', ...a.slice(20)]
    const d = lineDiff(a.join(''), b.join(''))
    expect(d).toMatchObject({ coarse: false, cut: false })
    expect(d.hunks).toHaveLength(1)
    expect(d.hunks[0].lines.filter((l) => l.change !== 'same')).toEqual([{ change: 'added', text: 'new' }])
    expect(d.hunks[0]).toMatchObject({ recordedLine: 18, replayedLine: 18 })
  })

  it('pairs line by line a large text whose values changed in place, far apart', () => {
    const a = Array.from({ length: 200_000 }, (_, i) => `  "v${i}": ${i},\n`)
    const b = [...a]
    b[10] = '  "v10": -1,\n'
    b[150_000] = '  "v150000": -1,\n'
    const d = lineDiff(a.join(''), b.join(''))
    expect(d.coarse).toBe(false)
    expect(d.hunks.map((h) => [h.recordedLine, h.lines.filter((l) => l.change !== 'same').map((l) => l.text)])).toEqual([
      [8, ['  "v10": 10,', '  "v10": -1,']],
      [149_998, ['  "v150000": 150000,', '  "v150000": -1,']]
    ])
  })

  it('shows a middle past the library bound coarsely, but every changed line', () => {
    // Over 1 MiB a side, a line fewer, and every other line changed.
    const a = Array.from({ length: 150_000 }, (_, i) => `row ${i}\n`)
    const b = [...a.slice(0, 100), ...a.slice(101)].map((l, i) => (i % 2 === 0 ? l : l.toUpperCase()))
    const d = lineDiff(a.join(''), b.join(''))
    expect(d).toMatchObject({ coarse: true, cut: true })
    expect(d.hunks[0].lines.slice(0, 2)).toEqual([
      { change: 'same', text: 'row 0' },
      { change: 'removed', text: 'row 1' }
    ])
  })

  it('carries at most MAX_DIFF_RESULT_LINES lines, and says it cut', () => {
    const a = Array.from({ length: MAX_DIFF_RESULT_LINES }, (_, i) => `a${i}\n`).join('')
    const b = Array.from({ length: MAX_DIFF_RESULT_LINES }, (_, i) => `b${i}\n`).join('')
    const d = lineDiff(a, b)
    expect(d.cut).toBe(true)
    expect(d.hunks.reduce((n, h) => n + h.lines.length, 0)).toBe(MAX_DIFF_RESULT_LINES)
  })

  it('gives up at its effort bound, showing the middle removed then added', () => {
    const unrelated = (tag: string): string => Array.from({ length: 20_000 }, (_, i) => `${tag}${(i * 7919) % 20_000}\n`).join('')
    const d = lineDiff('head\n' + unrelated('a') + 'tail\n', 'head\n' + unrelated('b') + 'tail\n')
    expect(d.coarse).toBe(true)
    expect(d.cut).toBe(true)
    expect(d.hunks[0].lines[0]).toEqual({ change: 'same', text: 'head' })
    expect(d.hunks[0].lines[1].change).toBe('removed')
  })
})
