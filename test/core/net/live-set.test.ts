import { describe, expect, it } from 'vitest'
import { LiveSet } from '../../../src/core/net/live-set'

const member = (name: string) => ({ name, liveSlot: -1 })

describe('live set', () => {
  it('adds, removes from any place, and keeps the rest', () => {
    const set = new LiveSet<ReturnType<typeof member>>()
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(member)
    for (const m of [a, b, c, d]) set.add(m)
    set.add(b) // already in: no duplicate
    expect(set.size).toBe(4)
    expect(set.delete(b)).toBe(true)
    expect(set.delete(b)).toBe(false)
    expect(b.liveSlot).toBe(-1)
    expect(set.delete(a)).toBe(true)
    expect(set.snapshot().map((m) => m.name).sort()).toEqual(['c', 'd'])
    expect(set.delete(d)).toBe(true)
    expect(set.delete(c)).toBe(true)
    expect(set.size).toBe(0)
    set.add(a)
    expect(set.snapshot()).toEqual([a])
  })

  it('refuses a member of another set', () => {
    const one = new LiveSet<ReturnType<typeof member>>()
    const other = new LiveSet<ReturnType<typeof member>>()
    const [a, b] = ['a', 'b'].map(member)
    one.add(a)
    other.add(b)
    expect(other.delete(a)).toBe(false)
    expect(one.size).toBe(1)
  })

  it('lets members leave while a snapshot is walked', () => {
    const set = new LiveSet<ReturnType<typeof member>>()
    const all = Array.from({ length: 100 }, (_, i) => member(String(i)))
    for (const m of all) set.add(m)
    for (const m of set.snapshot()) set.delete(m)
    expect(set.size).toBe(0)
    expect(all.every((m) => m.liveSlot === -1)).toBe(true)
  })
})
