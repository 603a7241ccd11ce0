// What was sent beside what was delivered: a changed line beside its change, lines only one
// side has on their own, control bytes shown, and two unrelated messages side by side.
import { describe, expect, it } from 'vitest'
import { besideEachOther, changedRows, readable, sideBySide } from '../../../../src/renderer/src/features/rules/rule-diff'

describe('rule diff', () => {
  it('pairs a changed line with its change, and keeps lines one side has alone', () => {
    const before = 'HTTP/1.1 200 OK\r\nContent-Length: 38\r\nX-Old: 1\r\n\r\n{"from":"backend"}'
    const after = 'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{"from":"rewritten"}\r\nextra'
    const rows = sideBySide(before, after)
    expect(rows).toEqual([
      { left: 'HTTP/1.1 200 OK', right: 'HTTP/1.1 200 OK', change: 'same' },
      { left: 'Content-Length: 38', right: 'Content-Length: 40', change: 'changed' },
      { left: 'X-Old: 1', change: 'removed' },
      { left: '', right: '', change: 'same' },
      { left: '{"from":"backend"}', right: '{"from":"rewritten"}', change: 'changed' },
      { right: 'extra', change: 'added' }
    ])
    expect(changedRows(rows)).toBe(4)
    expect(changedRows(sideBySide('a\nb\n', 'a\nb\n'))).toBe(0)
  })

  it('shows a request beside the answer given instead, line by line', () => {
    expect(besideEachOther('GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n')).toEqual([
      { left: 'GET / HTTP/1.1', right: 'HTTP/1.1 200 OK', change: 'same' },
      { left: 'Host: a', right: '', change: 'same' },
      { left: '', change: 'same' }
    ])
  })

  it('shows control bytes as \\xNN, tabs and line ends as they are', () => {
    expect(readable(new Uint8Array([0x41, 0x00, 0x09, 0x1b, 0x0d, 0x0a]))).toBe('A\\x00\t\\x1b\r\n')
  })
})
