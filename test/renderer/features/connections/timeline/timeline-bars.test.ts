// A connection's bar in the timeline: its colour from how it ended, its span (to now while
// open, never thinner than something to click), and the bytes each way as slices inside it.
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../../src/shared/capture-types'
import { barSpan, barState, busiest, slicePath } from '../../../../../src/renderer/src/features/connections/timeline/timeline-bars'
import { endLook, isBad } from '../../../../../src/renderer/src/features/connections/connection-state'

const conn = (c: Partial<ConnectionSummary>): ConnectionSummary => ({
  id: 1,
  kind: 'proxy',
  ownerId: 'p1',
  target: 't:1',
  openedAt: 1000,
  bytes: { client: 0, server: 0 },
  fin: { client: false, server: false },
  end: 'closed',
  ...c
})
const view = { start: 1000, span: 1000 }

describe('timeline bars', () => {
  // One look for both: a reset tcpscope made on purpose is coloured as the reset it is, in the
  // list's state badge as in the timeline, but its row is not marked bad (nothing failed unasked).
  it("colours a bar as the list's state badge, a reset tcpscope made as a reset that is not bad", () => {
    const ends = ['open', 'closed', 'client-reset', 'server-reset', 'tcpscope-reset', 'connect-failed', 'error', 'stopped', 'cut'] as const
    expect(ends.map((end) => barState(conn({ end })))).toEqual(ends.map((end) => endLook(conn({ end }))))
    expect(endLook(conn({ end: 'tcpscope-reset' }))).toBe(endLook(conn({ end: 'server-reset' })))
    expect(isBad(conn({ end: 'tcpscope-reset' }))).toBe(false)
    expect(isBad(conn({ end: 'server-reset' }))).toBe(true)
  })

  it('colours a bar by how its connection ended', () => {
    expect((['open', 'closed', 'client-reset', 'server-reset', 'tcpscope-reset', 'connect-failed', 'error', 'stopped', 'cut'] as const).map((end) => barState(conn({ end })))).toEqual([
      'open',
      'closed',
      'reset',
      'reset',
      'reset',
      'failed',
      'failed',
      'closed',
      'closed'
    ])
  })

  it('spans open to close, to the given end while open, and is never thinner than a click', () => {
    expect(barSpan(conn({ openedAt: 1100, closedAt: 1600 }), view, 1000, 0)).toEqual({ x: 100, w: 500 })
    expect(barSpan(conn({ openedAt: 1100, end: 'open' }), view, 1000, 1900)).toEqual({ x: 100, w: 800 })
    expect(barSpan(conn({ openedAt: 1500, closedAt: 1500.1 }), view, 1000, 0)).toEqual({ x: 500, w: 3 })
    // Running past both edges, a bar stops just past them instead of running for miles.
    expect(barSpan(conn({ openedAt: 0, closedAt: 1e9 }), view, 1000, 0)).toEqual({ x: -3, w: 1006 })
    // Wholly before or after the view, there is nothing to draw.
    expect(barSpan(conn({ openedAt: 0, closedAt: 900 }), view, 1000, 0)).toBeUndefined()
    expect(barSpan(conn({ openedAt: 2100, closedAt: 2200 }), view, 1000, 0)).toBeUndefined()
  })

  it('draws each slice with bytes as a bar on the middle line, up for the client, down for the server, clipped to the bar', () => {
    const page = { from: 1000, to: 2000, buckets: 4 }
    const clip = { x: 0, w: 600 }
    const up = slicePath([0, 100, 0, 100], page, view, 1000, clip, 10, 6, -1, 100)
    // The second slice (250..500 px) at full height; the fourth lies past the bar's end.
    expect(up).toBe('M250.0,10h250.0v-6.0h-250.0z')
    const down = slicePath([1, 0, 0, 0], page, view, 1000, clip, 10, 6, 1, 1_000_000)
    expect(down.startsWith('M0.0,10h250.0v')).toBe(true)
    expect(Number(/v([\d.]+)/.exec(down)![1])).toBeGreaterThanOrEqual(2)
    expect(slicePath([0, 0], page, view, 1000, clip, 10, 6, 1, 0)).toBe('')
  })

  it('lands a page fetched for an older view where its times are in the new one', () => {
    const page = { from: 1000, to: 2000, buckets: 2 }
    const zoomed = { start: 1000, span: 500 }
    expect(slicePath([5, 0], page, zoomed, 1000, { x: 0, w: 1000 }, 10, 6, -1, 5)).toBe('M0.0,10h1000.0v-6.0h-1000.0z')
  })

  it('finds the busiest slice of the rows on screen', () => {
    expect(busiest([{ id: 1, client: [1, 7], server: [3, 0], exact: true }, { id: 2, client: [0, 0], server: [9, 2], exact: true }])).toBe(9)
    expect(busiest([])).toBe(0)
  })
})
