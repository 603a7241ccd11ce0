// The kept tail of a program's stream: bounded by its UTF-8 size, cut between characters,
// and what fell off counted in bytes.
import { describe, expect, it } from 'vitest'
import { OutputTail, utf8Length } from '../../src/shared/output-tail'

describe('OutputTail', () => {
  it('keeps the last max bytes and counts the rest', () => {
    const t = new OutputTail(10)
    t.append('0123456')
    t.append('789abc', 5)
    expect(t.text).toBe('3456789abc')
    expect(t.bytes).toBe(10)
    expect(t.dropped).toBe(5 + 3)
    expect(t.take()).toEqual({ text: '3456789abc', dropped: 8 })
    expect(t.take()).toEqual({ text: '', dropped: 0 })
  })

  it('never cuts inside a character', () => {
    expect(utf8Length('a中😀\ud800')).toBe(1 + 3 + 4 + 3)
    const t = new OutputTail(8)
    t.append('😀中😀')
    // 4 + 3 + 4 = 11 bytes: the first emoji goes whole, and 4 bytes are counted.
    expect(t.text).toBe('中😀')
    expect(t.dropped).toBe(4)
    t.append('中')
    expect(t.text).toBe('😀中')
    expect(t.dropped).toBe(7)
  })
})
