// The keys that move through a list of rows move the same way in every list and feed.
import { describe, expect, it } from 'vitest'
import { movedIndex } from '../../../../src/renderer/src/ui/list/list-keys'

describe('list keys', () => {
  it('move by one, by a page, and to either end, never past them', () => {
    expect(movedIndex('ArrowDown', 3, 9, 5)).toBe(4)
    expect(movedIndex('ArrowUp', 3, 9, 5)).toBe(2)
    expect(movedIndex('PageDown', 3, 9, 5)).toBe(8)
    expect(movedIndex('PageDown', 8, 9, 5)).toBe(9)
    expect(movedIndex('PageUp', 3, 9, 5)).toBe(0)
    expect(movedIndex('Home', 3, 9, 5)).toBe(0)
    expect(movedIndex('End', 3, 9, 5)).toBe(9)
  })

  it('start at the first row when none is chosen yet', () => {
    expect(movedIndex('ArrowDown', -1, 9, 5)).toBe(0)
    expect(movedIndex('ArrowUp', -1, 9, 5)).toBe(0)
    expect(movedIndex('PageDown', -1, 9, 5)).toBe(4)
  })

  it('leave other keys, and an empty list, to the view', () => {
    expect(movedIndex('Enter', 3, 9, 5)).toBeUndefined()
    expect(movedIndex('ArrowLeft', 3, 9, 5)).toBeUndefined()
    expect(movedIndex('ArrowDown', -1, -1, 5)).toBeUndefined()
    expect(movedIndex('End', -1, -1, 5)).toBeUndefined()
  })
})
