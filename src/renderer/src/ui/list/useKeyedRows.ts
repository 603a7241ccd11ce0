// A list of fixed-height rows (only those on screen drawn) with one tab stop: the keyboard's
// row is `active`, and the arrow, Page, Home and End keys move it, scroll it into view and
// focus it. The replay's turn lists are two such lists.

import { nextTick, ref, type Ref } from 'vue'
import { useFixedRows } from './fixed-rows'
import { movedIndex } from './list-keys'

export const KEYED_ROW_PX = 24
const PAGE_ROWS = 10

/** `rowSelector(i)` finds row `i`'s focusable element inside the scroller. */
export function useKeyedRows(scroller: Ref<HTMLElement | null>, total: Ref<number>, rowSelector: (i: number) => string) {
  const fixed = useFixedRows(scroller, total, KEYED_ROW_PX)
  const active = ref(0)

  async function focusRow(i: number): Promise<void> {
    active.value = i
    fixed.reveal(i)
    await nextTick()
    scroller.value?.querySelector<HTMLElement>(rowSelector(i))?.focus({ preventScroll: true })
  }

  /** The row a navigation key moves to (the key is then taken), or undefined for any other key. */
  function movedBy(e: KeyboardEvent): number | undefined {
    const next = movedIndex(e.key, active.value, total.value - 1, PAGE_ROWS)
    if (next !== undefined) e.preventDefault()
    return next
  }

  /** A keydown handler that only moves: the key's row is focused. */
  function onKey(e: KeyboardEvent): void {
    const next = movedBy(e)
    if (next !== undefined) void focusRow(next)
  }

  return { ...fixed, active, focusRow, movedBy, onKey }
}
