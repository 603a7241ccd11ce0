// Byte arrays joined: all of them, or the first few bytes, a view where no copy is needed.
import { describe, expect, it } from 'vitest'
import { concatBytes, firstBytes } from '../../src/shared/concat-bytes'

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs)

describe('firstBytes', () => {
  it('is a view of the first part when it holds them, a copy across parts, and all there is when fewer', () => {
    const first = b(1, 2, 3, 4)
    const head = firstBytes([first, b(5)], 3)
    expect([...head]).toEqual([1, 2, 3])
    expect(head.buffer).toBe(first.buffer)
    expect(firstBytes([first], 10)).toBe(first)
    expect([...firstBytes([b(1), b(2, 3), b(4, 5)], 4)]).toEqual([1, 2, 3, 4])
    expect([...firstBytes([b(1), b(2)], 8)]).toEqual([1, 2])
    expect(firstBytes([], 8).length).toBe(0)
    expect([...concatBytes([b(1), b(), b(2, 3)])]).toEqual([1, 2, 3])
  })
})
