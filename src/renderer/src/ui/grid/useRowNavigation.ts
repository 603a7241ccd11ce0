// The keyboard's place in one of the engine's paged lists (connections, exchanges): the
// arrow, Page, Home and End keys move the selection through the rows, fetching the row's
// page when it is not here yet, and Enter opens the selected one.

import type { Virtualizer } from '@tanstack/vue-virtual'
import { nextTick, ref, watch, type Ref } from 'vue'
import { movedIndex } from '../list/list-keys'
import type { PagedRows } from './useGridRows'

/** Rows a Page key moves by. */
const PAGE_ROWS = 20

export interface RowNavigationOptions<R> {
  /** Makes row `r` the selection. */
  select(r: R): void
  isSelected(r: R): boolean
  /** Whether Enter has a selected row to open. */
  canOpen(): boolean
  open(): void
}

export function useRowNavigation<R>(virtualizer: Ref<Virtualizer<HTMLElement, Element>>, list: PagedRows<R>, opts: RowNavigationOptions<R>) {
  /** The selected row's place in the list, for the keys. */
  const selectedIndex = ref(-1)

  /** Selects row `index`, or, while its page is on its way, the row it will be. */
  function choose(index: number): void {
    selectedIndex.value = index
    const r = list.row(index)
    if (r) opts.select(r)
  }
  // A row fetched after the keys reached it becomes the selection.
  watch(
    () => list.row(selectedIndex.value),
    (r) => {
      if (r && selectedIndex.value >= 0 && !opts.isSelected(r)) opts.select(r)
    }
  )

  async function moveTo(index: number): Promise<void> {
    virtualizer.value.scrollToIndex(index, { align: 'auto' })
    list.show(index, index + 1)
    await nextTick()
    choose(index)
  }

  /** Handles the keys that move or open; false for any other key (the view's own). */
  function onKey(e: KeyboardEvent): boolean {
    const next = movedIndex(e.key, selectedIndex.value, list.total - 1, PAGE_ROWS)
    if (next !== undefined) {
      e.preventDefault()
      void moveTo(next)
      return true
    }
    if (e.key === 'Enter' && opts.canOpen()) {
      e.preventDefault()
      opts.open()
      return true
    }
    return false
  }

  return { selectedIndex, choose, onKey }
}
