// A window over a list longer than a browser can scroll: it holds a row asked for near its
// middle, stays put for rows inside it, follows the end, and moves by half its length.
import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { rowWindow, windowStart } from '../../../../src/renderer/src/ui/list/row-window'

describe('row window', () => {
  it('starts where a row sits near its middle, within the list', () => {
    expect(windowStart(5, 50, 100)).toBe(0)
    expect(windowStart(500, 1000, 100)).toBe(450)
    expect(windowStart(10, 1000, 100)).toBe(0)
    expect(windowStart(999, 1000, 100)).toBe(900)
  })

  it('moves only for a row outside it, follows the end, and shifts by half', () => {
    const total = ref(1000)
    const w = rowWindow(total, 100)
    expect([w.base.value, w.count.value, w.windowed.value]).toEqual([0, 100, true])
    expect(w.hold(99)).toBe(false)
    expect(w.hold(100)).toBe(true)
    expect(w.base.value).toBe(50)
    expect(w.hold(120)).toBe(false)
    w.shift(1)
    expect(w.base.value).toBe(100)
    w.shift(-1)
    w.shift(-1)
    w.shift(-1)
    expect(w.base.value).toBe(0)
    total.value = 2000
    w.followEnd()
    expect([w.base.value, w.count.value]).toEqual([1900, 100])
    w.shift(1)
    expect(w.base.value).toBe(1900)
  })

  it('is the whole list when the list fits', () => {
    const total = ref(30)
    const w = rowWindow(total, 100)
    expect([w.base.value, w.count.value, w.windowed.value]).toEqual([0, 30, false])
    w.followEnd()
    expect(w.hold(29)).toBe(false)
    expect(w.base.value).toBe(0)
  })
})
