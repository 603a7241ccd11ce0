// What the timeline draws for one connection: its bar (from open to close, or to now while
// open), the colour of its state, and the bytes each way as a thin chart inside it, client
// above the middle and server below, on a (square-rooted) log scale shared by the rows on screen so that
// a quiet connection still shows beside a busy one.

import type { ActivityPage, ConnectionActivity, ConnectionSummary } from '../../../../../shared/capture-types'
import { endLook, type EndLook } from '../connection-state'
import { xOf, type TimeView } from './time-scale'

/** A bar's colour: the list's state badge's (connection-state.ts endLook), so the two never disagree. */
export type BarState = EndLook
export const barState = endLook

/** The narrowest bar drawn: a connection of a microsecond is still something to click. */
const MIN_BAR = 3

/**
 * Where the bar lies across a chart `width` wide (`end` stands in for a connection not
 * closed), clipped just past the chart's edges; undefined when it lies wholly outside.
 */
export function barSpan(c: ConnectionSummary, v: TimeView, width: number, end: number): { x: number; w: number } | undefined {
  const x0 = xOf(v, width, c.openedAt)
  const x1 = Math.max(x0 + MIN_BAR, xOf(v, width, c.closedAt ?? Math.max(end, c.openedAt)))
  if (x1 < 0 || x0 > width) return undefined
  const x = Math.max(-MIN_BAR, x0)
  return { x, w: Math.min(width + MIN_BAR, x1) - x }
}

/** The largest slice on screen, for the shared scale. */
export function busiest(conns: readonly ConnectionActivity[]): number {
  let max = 0
  for (const a of conns) for (const v of a.client) max = Math.max(max, v)
  for (const a of conns) for (const v of a.server) max = Math.max(max, v)
  return max
}

/**
 * One direction's slices as an SVG path of bars standing on `mid` (up for `sign` -1, down
 * for +1), at most `half` tall, clipped to [clipX, clipX + clipW]. Slices come from `page`'s
 * own window, so a page fetched for an older view still lands where its times are.
 */
export function slicePath(
  values: readonly number[],
  page: Pick<ActivityPage, 'from' | 'to' | 'buckets'>,
  v: TimeView,
  width: number,
  clip: { x: number; w: number },
  mid: number,
  half: number,
  sign: 1 | -1,
  max: number
): string {
  if (max <= 0) return ''
  const slice = (page.to - page.from) / page.buckets
  const scale = Math.log1p(max)
  let d = ''
  for (let i = 0; i < values.length; i++) {
    if (values[i] <= 0) continue
    const a = Math.max(clip.x, xOf(v, width, page.from + i * slice))
    const b = Math.min(clip.x + clip.w, xOf(v, width, page.from + (i + 1) * slice))
    if (b <= a) continue
    // The square root lifts small counts further (a 12-byte request beside a 3 KiB reply
    // is about half as tall), and two pixels keep a single byte visible.
    const h = Math.max(2, Math.sqrt(Math.log1p(values[i]) / scale) * half)
    // At least a pixel and a half wide: a chunk is an instant, and must not vanish.
    const w = Math.max(1.5, b - a)
    d += `M${a.toFixed(1)},${mid}h${w.toFixed(1)}v${(sign * h).toFixed(1)}h${(-w).toFixed(1)}z`
  }
  return d
}
