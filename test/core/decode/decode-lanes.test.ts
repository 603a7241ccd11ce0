// How many connections a run decodes at once: more for a file of small connections, never
// fewer than a live capture's, never more than MAX_LANES.
import { describe, expect, it } from 'vitest'
import { LANES, MAX_LANES, lanesFor } from '../../../src/core/decode/decode-lanes'

describe('decoding lanes', () => {
  it('are 64 for a live capture, however small its connections', () => {
    expect(lanesFor(true, 100_000_000, 100_000)).toBe(LANES)
  })

  it('grow for a file of small connections, up to MAX_LANES, and stay at 64 for large ones', () => {
    expect(lanesFor(false, 97 * 2 ** 20, 100_000)).toBe(MAX_LANES)
    expect(lanesFor(false, 126 * 2 ** 20, 100)).toBe(LANES)
    // 100 KiB a connection: 16 MiB covers 163 of them.
    expect(lanesFor(false, 100 * 100 * 1024, 100)).toBe(163)
    expect(lanesFor(false, 0, 0)).toBe(LANES)
    expect(lanesFor(false, 10, 1000)).toBe(MAX_LANES)
  })
})
