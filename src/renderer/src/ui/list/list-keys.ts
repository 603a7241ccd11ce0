// Where the arrow, Page, Home and End keys move in a list of rows: the same keys move the
// same way in every list and feed (connections, timeline, conversation, flow).

const STEPS: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: 1, PageUp: -1 }

/**
 * The row `key` moves to from row `from` (-1 when none is chosen yet) in a list whose last
 * row is `last`, Page keys moving by `page` rows; undefined for any other key, or an empty list.
 */
export function movedIndex(key: string, from: number, last: number, page: number): number | undefined {
  if (last < 0) return undefined
  if (key === 'Home') return 0
  if (key === 'End') return last
  const step = STEPS[key]
  if (step === undefined) return undefined
  const by = key.startsWith('Page') ? step * page : step
  return Math.max(0, Math.min(last, Math.max(-1, from) + by))
}
