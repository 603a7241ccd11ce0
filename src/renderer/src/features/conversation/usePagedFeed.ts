// A connection's long list (its events, its turns) as a virtualized feed: paged from the
// engine (paged-list.ts), scrolled through a window of rows (row-window.ts), refreshed while
// the live connection grows and following its end, and moved through with the keys, the
// keyboard's row taking the focus. A picture of a connection is this and its own rows.

import { useVirtualizer } from '@tanstack/vue-virtual'
import { computed, nextTick, ref, watch, type Ref } from 'vue'
import { useEngineStore } from '../../platform/engine-store'
import { movedIndex } from '../../ui/list/list-keys'
import { pagedList, type FetchSlice } from '../../ui/list/paged-list'
import { rowWindow } from '../../ui/list/row-window'
import { useFollowEnd } from '../../ui/list/useFollowEnd'

const PAGE = 200
/** Rows a Page key moves by. */
const PAGE_ROWS = 10

export interface PagedFeedOptions<T> {
  fetch: FetchSlice<T>
  scroller: Ref<HTMLElement | null>
  /** A row's height, or its first guess when rows are measured as they are drawn. */
  rowPx: number
  overscan: number
  /** Rows in the window (fewer when rows are measured: see row-window.ts). */
  windowRows?: number
  /** The element of row `virtualIndex` (of the window) that takes the keyboard's focus. */
  focusTarget: (virtualIndex: number) => string
  /** The feed's connection, which changes while it is live. */
  liveConn: () => number | undefined
}

export function usePagedFeed<T>(opts: PagedFeedOptions<T>) {
  const { scroller, rowPx } = opts
  const engine = useEngineStore()
  const list = pagedList<T>(opts.fetch, { pageSize: PAGE, maxPages: 20 })
  const win = rowWindow(list.total, opts.windowRows)
  const virtualizer = useVirtualizer(
    computed(() => ({
      count: win.count.value,
      getScrollElement: () => scroller.value,
      estimateSize: () => rowPx,
      overscan: opts.overscan,
      initialRect: { width: 800, height: 400 }
    }))
  )
  const items = computed(() => virtualizer.value.getVirtualItems())
  /** The item a row of the window shows. */
  const indexAt = (virtualIndex: number): number => win.base.value + virtualIndex
  watch([items, win.base], ([its]) => {
    if (its.length) list.show(indexAt(its[0].index), indexAt(its[its.length - 1].index) + 1)
  })

  /** The row the keyboard is on. */
  const active = ref(0)
  /** The keyboard's row is drawn (else the scroller itself takes the focus). */
  const activeShown = computed(() => list.item(active.value) !== undefined && items.value.some((it) => indexAt(it.index) === active.value))

  /** Brings item `i` into the window and on screen. */
  async function reveal(i: number, align: 'auto' | 'center' | 'end'): Promise<void> {
    if (win.hold(i)) await nextTick()
    virtualizer.value.scrollToIndex(i - win.base.value, { align })
  }

  async function focusRow(i: number): Promise<void> {
    await reveal(i, 'auto')
    await nextTick()
    const find = (): HTMLElement | null | undefined => scroller.value?.querySelector<HTMLElement>(opts.focusTarget(i - win.base.value))
    const el = find()
    if (el) el.focus({ preventScroll: true })
    else requestAnimationFrame(() => find()?.focus({ preventScroll: true }))
  }

  /** Moves the window by half its length, keeping the keyboard's row inside it. */
  async function shiftWindow(sign: -1 | 1): Promise<void> {
    win.shift(sign)
    await nextTick()
    const first = win.base.value
    active.value = Math.max(first, Math.min(first + win.count.value - 1, active.value))
    virtualizer.value.scrollToIndex(sign < 0 ? win.count.value - 1 : 0, { align: sign < 0 ? 'end' : 'start' })
  }

  /** Handles the keys that move between rows; false for any other key (the view's own). */
  function onMoveKey(e: KeyboardEvent): boolean {
    const next = movedIndex(e.key, active.value, list.total.value - 1, PAGE_ROWS)
    if (next === undefined) return false
    e.preventDefault()
    active.value = next
    void focusRow(next)
    return true
  }

  // A live connection grows: refetch its last page, and follow it while at the end.
  watch(
    () => engine.changedConns,
    (changed) => {
      const id = opts.liveConn()
      if (id !== undefined && changed.has(id)) void list.refresh()
    }
  )
  useFollowEnd(virtualizer, () => list.total.value, {
    scroller,
    margin: 2 * rowPx,
    scrollToEnd: async () => {
      win.followEnd()
      await nextTick()
      virtualizer.value.scrollToIndex(win.count.value - 1, { align: 'end' })
    }
  })

  return { list, win, virtualizer, items, indexAt, active, activeShown, reveal, shiftWindow, onMoveKey }
}
