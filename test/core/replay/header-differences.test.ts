// The one header rule replay, the UI and `replay --all` share: by name whatever the case, a
// name sent twice compared as its list of values, order a note and not a difference, and
// Date, Age, Expires, the framing headers and names the user gives shown but not counted.
import { describe, expect, it } from 'vitest'
import { compareHeaders } from '../../../src/core/replay/header-differences'
import { headerPhrase } from '../../../src/shared/comparison-phrases'

const h = (name: string, value: string): { name: string; value: string } => ({ name, value })

describe('compareHeaders', () => {
  it('pairs headers by name whatever their case; values are compared exactly', () => {
    const same = compareHeaders([h('content-type', 'text/plain')], [h('Content-Type', 'text/plain')])
    expect(same).toEqual({ rows: [{ name: 'Content-Type', recorded: ['text/plain'], replayed: ['text/plain'], change: 'same' }], differing: 0, reordered: false })
    const changed = compareHeaders([h('X-Id', 'A')], [h('x-id', 'a')])
    expect(changed.rows[0]).toMatchObject({ change: 'changed', recorded: ['A'], replayed: ['a'] })
    expect(changed.differing).toBe(1)
    expect(headerPhrase(changed.rows[0])).toBe('header x-id: "A" → "a"')
  })

  it('names added and removed headers, a removed one after the header it followed', () => {
    const c = compareHeaders([h('A', '1'), h('Gone', 'x'), h('B', '2')], [h('A', '1'), h('B', '2'), h('New', 'y')])
    expect(c.rows.map((r) => [r.name, r.change])).toEqual([
      ['A', 'same'],
      ['Gone', 'removed'],
      ['B', 'same'],
      ['New', 'added']
    ])
    expect(c.differing).toBe(2)
    expect(c.rows.filter((r) => r.change !== 'same').map(headerPhrase)).toEqual(['header Gone removed (was "x")', 'header New added: "y"'])
  })

  it('compares a header sent twice as its list of values, in order', () => {
    const twice = [h('Vary', 'Accept'), h('X', '1'), h('vary', 'Origin')]
    expect(compareHeaders(twice, [h('X', '1'), h('Vary', 'Accept'), h('Vary', 'Origin')]).differing).toBe(0)
    const swapped = compareHeaders(twice, [h('Vary', 'Origin'), h('X', '1'), h('Vary', 'Accept')])
    expect(swapped.rows[0]).toEqual({ name: 'Vary', recorded: ['Accept', 'Origin'], replayed: ['Origin', 'Accept'], change: 'changed' })
    expect(headerPhrase(swapped.rows[0])).toBe('header Vary: ["Accept","Origin"] → ["Origin","Accept"]')
    const lost = compareHeaders(twice, [h('Vary', 'Accept'), h('X', '1')])
    expect(lost.rows[0]).toMatchObject({ change: 'changed', replayed: ['Accept'] })
  })

  it('takes a list sent as one line for the same list sent as several, but not Set-Cookie', () => {
    expect(compareHeaders([h('Vary', 'Accept'), h('Vary', 'Origin')], [h('Vary', 'Accept, Origin')]).differing).toBe(0)
    expect(compareHeaders([h('Set-Cookie', 'a=1'), h('Set-Cookie', 'b=2')], [h('Set-Cookie', 'a=1, b=2')]).differing).toBe(1)
  })

  it('notes the same headers in another order without counting it', () => {
    const c = compareHeaders([h('A', '1'), h('B', '2'), h('C', '3')], [h('C', '3'), h('A', '1'), h('B', '2')])
    expect(c).toMatchObject({ differing: 0, reordered: true })
    expect(c.rows.map((r) => r.name)).toEqual(['C', 'A', 'B'])
    // An added or removed header alone moves nothing.
    expect(compareHeaders([h('A', '1'), h('B', '2')], [h('A', '1'), h('New', '0'), h('B', '2')]).reordered).toBe(false)
  })

  it('shows Date, Age and Expires, and the names the user gives, but does not count them', () => {
    const c = compareHeaders(
      [h('Date', 'Mon, 01 Jan 2024 00:00:00 GMT'), h('Age', '1'), h('X-Trace', 'a'), h('Server', 'one')],
      [h('date', 'Mon, 01 Jan 2024 00:00:09 GMT'), h('Expires', '0'), h('x-trace', 'b'), h('Server', 'two')],
      [' X-TRACE ']
    )
    expect(c.rows.map((r) => [r.name, r.change, r.ignored])).toEqual([
      ['date', 'changed', 'volatile'],
      ['Age', 'removed', 'volatile'],
      ['Expires', 'added', 'volatile'],
      ['x-trace', 'changed', 'rule'],
      ['Server', 'changed', undefined]
    ])
    expect(c.differing).toBe(1)
  })

  it('shows the framing headers but leaves them to the body comparison', () => {
    const c = compareHeaders([h('Content-Length', '2')], [h('Transfer-Encoding', 'chunked')])
    expect(c.rows.map((r) => [r.name, r.change, r.ignored])).toEqual([
      ['Content-Length', 'removed', 'framing'],
      ['Transfer-Encoding', 'added', 'framing']
    ])
    expect(c.differing).toBe(0)
  })

  it('has nothing to say about two empty heads', () => {
    expect(compareHeaders([], [])).toEqual({ rows: [], differing: 0, reordered: false })
  })
})
