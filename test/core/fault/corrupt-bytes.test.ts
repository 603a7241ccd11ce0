// corrupt's bit flips: about `probability` of the bytes get one flipped bit each, in a copy.
import { describe, expect, it } from 'vitest'
import { corruptBytes } from '../../../src/core/fault/corrupt-bytes'

describe('corruptBytes', () => {
  it('flips one bit in about probability of the bytes, in a copy', () => {
    const bytes = Buffer.alloc(100_000, 0x55)
    const { out, flips } = corruptBytes(bytes, 0.1)
    expect(bytes.every((b) => b === 0x55)).toBe(true)
    let changed = 0
    for (const b of out) {
      const diff = b ^ 0x55
      if (diff === 0) continue
      changed++
      expect(diff & (diff - 1)).toBe(0)
    }
    expect(changed).toBe(flips)
    expect(flips).toBeGreaterThan(8_000)
    expect(flips).toBeLessThan(12_000)
  })

  it('leaves the bytes alone at 0', () => {
    const bytes = Buffer.from('unchanged')
    expect(corruptBytes(bytes, 0)).toEqual({ out: bytes, flips: 0 })
  })
})
