// The replay view's diff of a recorded answer and its replay: headers paired by name, text
// bodies by line, binary bodies by 16-byte row, every result bounded.
import { describe, expect, it } from 'vitest'
import { diffBodies, diffHeaders, looksBinary, MAX_DIFF_LINES, MAX_DIFF_ROWS, type BodyDiff } from '../../../src/renderer/src/replay/response-diff'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const h = (name: string, value: string): { name: string; value: string } => ({ name, value })

function textDiff(d: BodyDiff): Extract<BodyDiff, { kind: 'text' }> {
  if (d.kind !== 'text') throw new Error(`expected a text diff, got ${d.kind}`)
  return d
}

function byteDiff(d: BodyDiff): Extract<BodyDiff, { kind: 'bytes' }> {
  if (d.kind !== 'bytes') throw new Error(`expected a byte diff, got ${d.kind}`)
  return d
}

describe('diffHeaders', () => {
  it('pairs by name in the replayed order, with removed ones where they were', () => {
    const recorded = [h('Content-Type', 'text/plain'), h('X-Gone', '1'), h('Content-Length', '2'), h('Server', 'a')]
    const replayed = [h('Content-Type', 'application/json'), h('Content-Length', '2'), h('X-New', 'n'), h('Server', 'a')]
    expect(diffHeaders(recorded, replayed)).toEqual([
      { name: 'Content-Type', recorded: 'text/plain', replayed: 'application/json', change: 'changed', volatile: false },
      { name: 'X-Gone', recorded: '1', change: 'removed', volatile: false },
      { name: 'Content-Length', recorded: '2', replayed: '2', change: 'same', volatile: false },
      { name: 'X-New', replayed: 'n', change: 'added', volatile: false },
      { name: 'Server', recorded: 'a', replayed: 'a', change: 'same', volatile: false }
    ])
  })

  it('names match whatever their case; values must match exactly', () => {
    expect(diffHeaders([h('content-type', 'a')], [h('Content-Type', 'a')])).toEqual([{ name: 'Content-Type', recorded: 'a', replayed: 'a', change: 'same', volatile: false }])
    expect(diffHeaders([h('X', 'A')], [h('x', 'a')])[0].change).toBe('changed')
  })

  it('duplicates pair by occurrence: a third Set-Cookie is added, a missing second Vary removed', () => {
    const rows = diffHeaders(
      [h('Set-Cookie', 'a=1'), h('Vary', 'Accept'), h('Set-Cookie', 'b=2'), h('Vary', 'Origin')],
      [h('Set-Cookie', 'a=1'), h('Vary', 'Accept'), h('Set-Cookie', 'b=3'), h('Set-Cookie', 'c=4')]
    )
    expect(rows.map((r) => [r.name, r.change, r.recorded, r.replayed])).toEqual([
      ['Set-Cookie', 'same', 'a=1', 'a=1'],
      ['Vary', 'same', 'Accept', 'Accept'],
      ['Set-Cookie', 'changed', 'b=2', 'b=3'],
      ['Vary', 'removed', 'Origin', undefined],
      ['Set-Cookie', 'added', undefined, 'c=4']
    ])
  })

  it('removed headers before any paired one come first', () => {
    const rows = diffHeaders([h('A', '1'), h('B', '2')], [h('B', '2')])
    expect(rows.map((r) => `${r.name} ${r.change}`)).toEqual(['A removed', 'B same'])
  })

  it('Date, Age and Expires are marked volatile, whatever their case', () => {
    const rows = diffHeaders(
      [h('Date', 'Mon, 23 Nov 2026 10:00:00 GMT'), h('age', '1'), h('Expires', '0'), h('ETag', '"a"')],
      [h('date', 'Mon, 23 Nov 2026 10:00:05 GMT'), h('Age', '7'), h('ETag', '"b"')]
    )
    expect(rows.map((r) => [r.name, r.change, r.volatile])).toEqual([
      ['date', 'changed', true],
      ['Age', 'changed', true],
      ['Expires', 'removed', true],
      ['ETag', 'changed', false]
    ])
  })

  it('300 seeded random header lists: every replayed header in its order, every recorded one once, in its order among its name', () => {
    let seed = 5
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const NAMES = ['A', 'a', 'B', 'Date', 'C']
    const list = (): Array<{ name: string; value: string }> => Array.from({ length: Math.floor(random() * 7) }, () => h(NAMES[Math.floor(random() * NAMES.length)], String(Math.floor(random() * 3))))
    for (let i = 0; i < 300; i++) {
      const recorded = list()
      const replayed = list()
      const rows = diffHeaders(recorded, replayed)
      expect(rows.filter((r) => r.change !== 'removed').map((r) => h(r.name, r.replayed!))).toEqual(replayed)
      for (const name of ['a', 'b', 'date', 'c']) {
        const of = (r: { name: string }): boolean => r.name.toLowerCase() === name
        expect(rows.filter((r) => of(r) && r.change !== 'added').map((r) => r.recorded)).toEqual(recorded.filter(of).map((x) => x.value))
      }
      expect(rows.every((r) => r.volatile === (r.name.toLowerCase() === 'date'))).toBe(true)
    }
  })

  it('nothing on either side is no rows', () => {
    expect(diffHeaders([], [])).toEqual([])
  })
})

describe('looksBinary', () => {
  it('text with tabs, CR, LF and UTF-8 is text; control bytes and invalid UTF-8 are binary', () => {
    expect(looksBinary(utf8('{"a": "é€😀"}\r\n\tend'))).toBe(false)
    expect(looksBinary(new Uint8Array())).toBe(false)
    expect(looksBinary(new Uint8Array([0x61, 0x00, 0x62]))).toBe(true)
    expect(looksBinary(new Uint8Array([0x1b, 0x5b, 0x30, 0x6d]))).toBe(true)
    expect(looksBinary(new Uint8Array([0x61, 0xff, 0x62]))).toBe(true)
    expect(looksBinary(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true)
  })

  it('a preview cut in the middle of a character is still text', () => {
    const euro = utf8('price: €')
    expect(looksBinary(euro.subarray(0, euro.length - 1))).toBe(false)
  })
})

describe('diffBodies', () => {
  it('the same bytes are "same"', () => {
    expect(diffBodies(utf8('{"a":1}'), utf8('{"a":1}'))).toEqual({ kind: 'same' })
    expect(diffBodies(new Uint8Array(), new Uint8Array())).toEqual({ kind: 'same' })
  })

  it('JSON bodies diff by line, with the same lines kept', () => {
    const recorded = JSON.stringify({ id: 1, name: 'old', items: [1, 2, 3], ok: true }, null, 2)
    const replayed = JSON.stringify({ id: 1, name: 'new', items: [1, 2, 3], ok: true, extra: null }, null, 2)
    const d = textDiff(diffBodies(utf8(recorded), utf8(replayed)))
    expect(d.truncated).toBe(false)
    expect(d.lines.filter((l) => l.change !== 'same')).toEqual([
      { change: 'removed', text: '  "name": "old",' },
      { change: 'added', text: '  "name": "new",' },
      { change: 'removed', text: '  "ok": true' },
      { change: 'added', text: '  "ok": true,' },
      { change: 'added', text: '  "extra": null' }
    ])
    expect(d.lines[0]).toEqual({ change: 'same', text: '{' })
    expect(d.lines.at(-1)).toEqual({ change: 'same', text: '}' })
    // Every line of both bodies is there once: the removed and same ones are the recorded body.
    expect(d.lines.filter((l) => l.change !== 'added').map((l) => l.text)).toEqual(recorded.split('\n'))
    expect(d.lines.filter((l) => l.change !== 'removed').map((l) => l.text)).toEqual(replayed.split('\n'))
  })

  it('CRLF lines show without their line ending; an empty body against text is all added', () => {
    const d = textDiff(diffBodies(utf8('a\r\nb\r\n'), utf8('a\r\nc\r\n')))
    expect(d.lines).toEqual([
      { change: 'same', text: 'a' },
      { change: 'removed', text: 'b' },
      { change: 'added', text: 'c' }
    ])
    expect(textDiff(diffBodies(new Uint8Array(), utf8('x\ny'))).lines).toEqual([
      { change: 'added', text: 'x' },
      { change: 'added', text: 'y' }
    ])
  })

  it('binary bodies diff by 16-byte rows aligned by offset', () => {
    const recorded = new Uint8Array(40).map((_, i) => i)
    const replayed = recorded.slice(0, 36)
    replayed[17] = 0xff
    const d = byteDiff(diffBodies(recorded, replayed))
    expect(d.firstDifference).toBe(17)
    expect(d.truncated).toBe(false)
    expect(d.rows.map((r) => r.offset)).toEqual([0, 16, 32])
    expect(d.rows[0].differs.every((x) => !x)).toBe(true)
    expect(d.rows[1].recorded[1]).toBe(17)
    expect(d.rows[1].replayed[1]).toBe(0xff)
    expect(d.rows[1].differs.map((x, i) => (x ? i : -1)).filter((i) => i >= 0)).toEqual([1])
    expect(d.rows[2].recorded).toEqual([32, 33, 34, 35, 36, 37, 38, 39])
    expect(d.rows[2].replayed).toEqual([32, 33, 34, 35, undefined, undefined, undefined, undefined])
    expect(d.rows[2].differs).toEqual([false, false, false, false, true, true, true, true])
  })

  it('a prefix differs first where it ends; either side binary makes a byte diff; binary can be forced either way', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(byteDiff(diffBodies(png, png.subarray(0, 5))).firstDifference).toBe(5)
    expect(byteDiff(diffBodies(utf8('text'), png)).firstDifference).toBe(0)
    expect(diffBodies(utf8('a\nb'), utf8('a\nc'), { binary: true }).kind).toBe('bytes')
    expect(textDiff(diffBodies(png, utf8('\x89PNG'), { binary: false })).lines.length).toBeGreaterThan(0)
  })

  it('byte rows stop at a cap, marked truncated', () => {
    const big = new Uint8Array(MAX_DIFF_ROWS * 16 + 100)
    const other = big.slice()
    other[big.length - 1] = 1
    const d = byteDiff(diffBodies(big, other, { binary: true }))
    expect(d.rows.length).toBe(MAX_DIFF_ROWS)
    expect(d.truncated).toBe(true)
    expect(d.firstDifference).toBe(big.length - 1)
  })

  it('two very different 64 KiB texts return, bounded', () => {
    let seed = 7
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const text = (): string => Array.from({ length: 64 * 1024 / 4 }, () => `${Math.floor(random() * 100)}\n`).join('').slice(0, 64 * 1024)
    const d = textDiff(diffBodies(utf8(text()), utf8(text())))
    expect(d.lines.length).toBeLessThanOrEqual(MAX_DIFF_LINES)
    expect(d.truncated).toBe(true)
  })

  it('500 seeded random text pairs: the kept and removed lines are the recorded body, the kept and added the replayed one', () => {
    let seed = 11
    const random = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    const LINES = ['a', 'b', '{', '}', '', ' x', 'a\r']
    const text = (): string => Array.from({ length: Math.floor(random() * 12) }, () => LINES[Math.floor(random() * LINES.length)] + (random() < 0.9 ? '\n' : '')).join('')
    // A line is up to and with its LF; shown without LF or CRLF (a CR not before an LF is text).
    const linesOf = (t: string): string[] => (t.match(/[^\n]*\n|[^\n]+$/g) ?? []).map((l) => l.replace(/\r?\n$/, ''))
    for (let i = 0; i < 500; i++) {
      const a = text()
      const b = text()
      const d = diffBodies(utf8(a), utf8(b))
      if (a === b) {
        expect(d).toEqual({ kind: 'same' })
        continue
      }
      const t = textDiff(d)
      expect(t.lines.filter((l) => l.change !== 'added').map((l) => l.text), JSON.stringify([a, b])).toEqual(linesOf(a))
      expect(t.lines.filter((l) => l.change !== 'removed').map((l) => l.text), JSON.stringify([a, b])).toEqual(linesOf(b))
    }
  })

  it('one changed line in a large body costs only that line (common ends are kept whole)', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}`)
    const changed = [...lines]
    changed[1500] = 'changed'
    const d = textDiff(diffBodies(utf8(lines.join('\n')), utf8(changed.join('\n'))))
    expect(d.truncated).toBe(false)
    expect(d.coarse).toBeUndefined()
    expect(d.lines.length).toBe(3001)
    expect(d.lines.filter((l) => l.change !== 'same')).toEqual([
      { change: 'removed', text: 'line 1500' },
      { change: 'added', text: 'changed' }
    ])
  })
})
