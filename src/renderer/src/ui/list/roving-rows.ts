// One tab stop for a set of rows (a headers table, a JSON tree): the arrow, Page, Home and
// End keys move the focus between them as in every list (list-keys.ts), Enter and Space act
// on the focused row as a click would.

import { movedIndex } from './list-keys'

const PAGE_ROWS = 10

/** Handles a key pressed inside `container`, whose rows match `selector`; true when it was one of ours. */
export function rovingRowKey(e: KeyboardEvent, container: HTMLElement, selector = '[data-row]'): boolean {
  const rows = [...container.querySelectorAll<HTMLElement>(selector)]
  const at = rows.findIndex((r) => r === document.activeElement || r.contains(document.activeElement))
  if ((e.key === 'Enter' || e.key === ' ') && at >= 0) {
    e.preventDefault()
    rows[at].click()
    return true
  }
  const next = movedIndex(e.key, at, rows.length - 1, PAGE_ROWS)
  if (next === undefined) return false
  e.preventDefault()
  focusRow(rows, next)
  return true
}

/** Makes row `i` the one tab stop and focuses it. */
export function focusRow(rows: HTMLElement[], i: number): void {
  rows.forEach((r, k) => (r.tabIndex = k === i ? 0 : -1))
  rows[i]?.focus()
}
