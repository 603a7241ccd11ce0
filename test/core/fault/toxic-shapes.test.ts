// The shapes Toxiproxy's Go code gives a chunk, without sockets: how slicer halves it
// (toxics/slicer.go) and how latency draws its jitter (toxics/latency.go).
import { describe, expect, it } from 'vitest'
import { latencyMs, slicerPieces } from '../../../src/core/fault/toxic-direction'
import { randomPayload } from '../../helpers/net'

describe('slicer pieces', () => {
  it('halves until a piece is at most average + variation: 1000 B by 100 gives 16 pieces of 62 and 63 B, in order', () => {
    const bytes = randomPayload(1000)
    const pieces = slicerPieces(bytes, 100, 0)
    expect(pieces.map((p) => p.length)).toEqual(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 62 : 63)))
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true)
  })

  it('moves each cut by up to the variation, and keeps every piece within average + variation', () => {
    const bytes = randomPayload(5000)
    for (let round = 0; round < 50; round++) {
      const pieces = slicerPieces(bytes, 50, 20)
      expect(Buffer.concat(pieces).equals(bytes)).toBe(true)
      for (const p of pieces) expect(p.length).toBeLessThanOrEqual(70)
      for (const p of pieces) expect(p.length).toBeGreaterThan(0)
    }
  })

  it('passes a chunk whole when it is no longer than average + variation, or the average is below 1 (where Go recurses without end)', () => {
    expect(slicerPieces(randomPayload(120), 100, 20)).toHaveLength(1)
    expect(slicerPieces(randomPayload(500), 0, 0)).toHaveLength(1)
    // A variation over half a piece would move Go's cut outside it (a panic); here the cut stays inside.
    const bytes = randomPayload(300)
    for (let round = 0; round < 50; round++) expect(Buffer.concat(slicerPieces(bytes, 10, 200)).equals(bytes)).toBe(true)
  })
})

describe('latency jitter', () => {
  it('draws whole milliseconds in [latency - jitter, latency + jitter), never below 0', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) {
      const ms = latencyMs(100, 5)
      expect(Number.isInteger(ms)).toBe(true)
      expect(ms).toBeGreaterThanOrEqual(95)
      expect(ms).toBeLessThan(105)
      seen.add(ms)
    }
    expect(seen.size).toBe(10)
    expect(latencyMs(10, 50)).toBeGreaterThanOrEqual(0)
    expect(latencyMs(200, 0)).toBe(200)
  })
})
