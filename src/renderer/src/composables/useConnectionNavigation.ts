// The keyboard's place in the capture's connections, for every view of them (the list and
// the timeline): the arrow, Page, Home and End keys move the selection through the rows,
// fetching the row's page when it is not here yet, and Enter opens the selected one.

import type { Virtualizer } from '@tanstack/vue-virtual'
import { nextTick, ref, watch, type Ref } from 'vue'
import { PAGE_SIZE, useConnectionsStore } from '../stores/connections'
import { useSelectionStore } from '../stores/selection'
import { movedIndex } from './list-keys'

/** Rows a Page key moves by. */
const PAGE_ROWS = 20

export function useConnectionNavigation(virtualizer: Ref<Virtualizer<HTMLElement, Element>>, open: () => void) {
  const list = useConnectionsStore()
  const selection = useSelectionStore()
  /** The selected row's place in the list, for the keys. */
  const selectedIndex = ref(-1)

  /** Selects row `index`, or, while its page is on its way, the row it will be. */
  function choose(index: number): void {
    selectedIndex.value = index
    const c = list.row(index)
    if (c) selection.select(c.id)
  }
  // A row fetched after the keys reached it becomes the selection.
  watch(
    () => list.row(selectedIndex.value),
    (c) => {
      if (c && c.id !== selection.connId && selectedIndex.value >= 0) selection.select(c.id)
    }
  )

  /** Where a connection is among the rows fetched, or -1. */
  function loadedIndex(id: number): number {
    for (const [page, rows] of list.pages) {
      const i = rows.findIndex((r) => r.id === id)
      if (i >= 0) return page * PAGE_SIZE + i
    }
    return -1
  }
  // A selection made elsewhere (a session's new connection) moves the keys' place too, or the
  // row left behind there would take the selection back when its page is refetched.
  watch(
    () => selection.connId,
    (id) => {
      if (id === undefined) selectedIndex.value = -1
      else if (list.row(selectedIndex.value)?.id !== id) selectedIndex.value = loadedIndex(id)
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
    if (e.key === 'Enter' && selection.connId !== undefined) {
      e.preventDefault()
      open()
      return true
    }
    return false
  }

  return { selectedIndex, choose, onKey }
}
