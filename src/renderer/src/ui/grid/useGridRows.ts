// The rows of a virtualized grid over one of the engine's paged lists (connections,
// exchanges): the virtualizer over a fixed row height, the pages asked for as rows come on
// screen, each row's cells (a placeholder until its page arrives) under keys that recycle
// the rows' elements, and following the end of a live list while scrolled there.

import { useVirtualizer, type Virtualizer } from '@tanstack/vue-virtual'
import { computed, ref, watch, type ComputedRef, type Ref } from 'vue'
import { recycledKeys } from './recycled-keys'
import { useFollowEnd } from '../list/useFollowEnd'

/** Every grid row is this tall (px, as the grid's CSS says): rows are placed without measuring. */
export const GRID_ROW = 22

/** A list the engine pages: its length, a window asked for, and the rows that arrived. */
export interface PagedRows<R> {
  readonly total: number
  show(from: number, to: number): void
  row(index: number): R | undefined
}

export interface GridRow<R, C> {
  index: number
  /** Pixels from the top of the list. */
  start: number
  /** Undefined until its page arrives. */
  r: R | undefined
  cells: C
  key: number
}

export interface GridRows<R, C> {
  scroller: Ref<HTMLElement | null>
  virtualizer: Ref<Virtualizer<HTMLElement, Element>>
  visible: ComputedRef<Array<GridRow<R, C>>>
}

export interface GridRowsOptions {
  /** What makes another list (capture, filter, order): a new one opens at its top, or its end. */
  query: () => unknown
  /** Whether a new list opens at its end and follows it. */
  opensAtEnd: () => boolean
  /**
   * What a row's cells depend on besides the row (the language): given, each row's cells are
   * made once until this changes, and a row that did not change is not drawn again (the grid's
   * `v-memo`); a live list redraws only its new and changed rows at each batch.
   */
  cellsDependOn?: () => unknown
}

export function useGridRows<R, C>(list: PagedRows<R>, cellsOf: (r: R) => C, loading: C, opts: GridRowsOptions) {
  const scroller = ref<HTMLElement | null>(null)
  const virtualizer = useVirtualizer(
    computed(() => ({
      count: list.total,
      getScrollElement: () => scroller.value,
      estimateSize: () => GRID_ROW,
      // A few rows for a wheel's step; every row more is patched, laid out and painted on
      // every frame of a scroll (with 8, a scroll frame took about a third more page CPU).
      overscan: 3
    }))
  )
  const items = computed(() => virtualizer.value.getVirtualItems())
  watch(items, (its) => {
    if (its.length) list.show(its[0].index, its[its.length - 1].index + 1)
  })
  const keyRows = recycledKeys()
  // Rows are replaced, never changed in place, when the engine says something new of them.
  const cellsCache = computed(() => {
    opts.cellsDependOn?.()
    return new WeakMap<object, C>()
  })
  const cellsFor = (r: R, cache: WeakMap<object, C> | undefined): C => {
    let cells = cache?.get(r as object)
    if (cells === undefined) {
      cells = cellsOf(r)
      cache?.set(r as object, cells)
    }
    return cells
  }
  const visible = computed(() => {
    const keys = keyRows(items.value.map((item) => item.index))
    const cache = opts.cellsDependOn ? cellsCache.value : undefined
    return items.value.map((item, n): GridRow<R, C> => {
      const r = list.row(item.index)
      return { index: item.index, start: item.start, r, cells: r ? cellsFor(r, cache) : loading, key: keys[n] }
    })
  })
  const follow = useFollowEnd(virtualizer, () => list.total, { scroller, margin: 2 * GRID_ROW, opensAtEnd: opts.opensAtEnd })
  watch(() => JSON.stringify(opts.query()), follow.restart)
  const rows: GridRows<R, C> = { scroller, virtualizer, visible }
  return { rows, virtualizer, follow }
}
