// The marks of what a rule changed, as delivered: the span holding a byte (spans removed
// from the stream hold none), and hex rows cut where a span starts and ends, the gap
// between two of its bytes marked with them.
import { describe, expect, it } from 'vitest'
import { spanAt, spanClass } from '../../../../src/renderer/src/features/bytes/delivered-marks'
import { hexRow } from '../../../../src/renderer/src/features/bytes/hex/hex-rows'
import type { DeliveredSpan } from '../../../../src/shared/delivered-stream-types'

const span = (at: number, size: number, extra: Partial<DeliveredSpan> = {}): DeliveredSpan => ({
  at,
  size,
  sentOffset: at,
  sentSize: size,
  action: 'rewrite',
  rule: 'r1',
  label: 'louder',
  note: 'rule "louder": rewrote SET',
  ...extra
})

describe('delivered marks', () => {
  // A removed message (size 0) at 4, an answer put in at 4..10, a rewrite at 20..24.
  const spans = [span(4, 0, { action: 'drop' }), span(4, 6, { answer: true, action: 'respond' }), span(20, 4, { unknown: true })]

  it('finds the span that holds a byte, and none between or in a removed one', () => {
    expect([0, 3, 4, 9, 10, 19, 20, 23, 24, 1000].map((o) => spanAt(spans, o))).toEqual([-1, -1, 1, 1, -1, -1, 2, 2, -1, -1])
    expect(spanAt([], 5)).toBe(-1)
    expect(spanClass(spans[1])).toBe('dlv-changed')
    expect(spanClass(spans[2])).toBe('dlv-unknown')
    expect(spanClass(undefined)).toBe('')
  })

  it('cuts a hex row where a span starts and ends', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 0x41 + i)
    const row = hexRow(0, '00000000', 0, 16, bytes, undefined, undefined, (o) => spanAt(spans, o))
    expect(row.ascii.map((r) => [r.text, r.mark])).toEqual([
      ['ABCD', -1],
      ['EFGHIJ', 1],
      ['KLMNOP', -1]
    ])
    // The gaps between the span's bytes are its (two spaces after the eighth byte); the one after its last byte is not.
    const marked = row.hex.filter((r) => r.mark === 1).map((r) => r.text).join('')
    expect(marked).toBe('45 46 47 48  49 4a')
  })
})
