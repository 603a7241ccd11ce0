// The keyboard's place in the capture's connections, for every view of them (the list and
// the timeline): the rows' keys (useRowNavigation.ts), and a selection made elsewhere moving
// that place too.

import type { Virtualizer } from '@tanstack/vue-virtual'
import { watch, type Ref } from 'vue'
import { PAGE_SIZE, useConnectionsStore } from './connections-store'
import { useSelectionStore } from './selection-store'
import { useRowNavigation } from '../../ui/grid/useRowNavigation'

export function useConnectionNavigation(virtualizer: Ref<Virtualizer<HTMLElement, Element>>, open: () => void) {
  const list = useConnectionsStore()
  const selection = useSelectionStore()
  const nav = useRowNavigation(virtualizer, list, {
    select: (c) => selection.select(c.id),
    isSelected: (c) => c.id === selection.connId,
    canOpen: () => selection.connId !== undefined,
    open
  })

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
      if (id === undefined) nav.selectedIndex.value = -1
      else if (list.row(nav.selectedIndex.value)?.id !== id) nav.selectedIndex.value = loadedIndex(id)
    }
  )

  return nav
}
