// The stretch of time a timeline covers, for the connections its list shows (the same
// filter): from the first one's open to the last end known, asked of the engine with a
// few one-row pages rather than by reading every connection. Ends not known that way
// (a long connection that is neither the last nor the longest) widen it as their rows
// come on screen.

import type { ConnectionPage, ConnectionSummary } from '../../../../../shared/capture-types'
import type { Extent } from './time-scale'

export type PageCall = (args: { capture: string; offset: number; limit: number; filter?: string; sort: 'start' | 'duration'; descending: boolean }) => Promise<ConnectionPage>

export interface CaptureExtent extends Extent {
  /** Some connection is still open: the extent runs to now. */
  open: boolean
  /** No connection passes the filter. */
  empty: boolean
}

/** The end of a connection as far as it is known. */
export const endOf = (c: ConnectionSummary): number => c.closedAt ?? c.openedAt

export async function captureExtent(page: PageCall, capture: string, filter: string, now: number): Promise<CaptureExtent> {
  const f = filter.trim()
  const one = (sort: 'start' | 'duration', descending: boolean, extra = ''): Promise<ConnectionPage> => {
    const words = [f, extra].filter(Boolean).join(' ')
    return page({ capture, offset: 0, limit: 1, sort, descending, ...(words ? { filter: words } : {}) })
  }
  const [first, last, longest, open] = await Promise.all([one('start', false), one('start', true), one('duration', true), one('start', false, 'state:open')])
  const a = first.rows[0]
  if (!a) return { from: now - 1000, to: now, open: false, empty: true }
  const ends = [last.rows[0], longest.rows[0]].filter((c): c is ConnectionSummary => c !== undefined).map(endOf)
  const isOpen = open.total > 0
  const to = Math.max(a.openedAt + 1, ...ends, isOpen ? now : -Infinity)
  return { from: a.openedAt, to, open: isOpen, empty: false }
}
