// The columns of a grid sorted by the engine (connections, exchanges): their translated
// headers and the order a click on one chooses, the same in every list.

import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

export interface GridColumn<K extends string> {
  /** Names the column's translation (`<messages>.col.<key>`) and its cells' class. */
  key: string
  /** The engine's order this column's header chooses; none: not sortable. */
  sort?: K
  num?: boolean
  /** The classes of the column's cells in the rows (`mono`, `dim`, a direction's colour). */
  cellClass?: string
  /** Its cells carry their text as a tooltip: long text the column cuts. */
  titled?: boolean
}

/** A column with its header's words, as the grid shows it. */
export interface GridHead<K extends string = string> extends GridColumn<K> {
  name: string
  sortLabel: string
}

/** What a sorted list keeps of its order. */
export interface SortedList<K extends string> {
  sort: K
  descending: boolean
}

/**
 * `messages` is the translations' section (with `col.*` and `sortBy`); the orders in
 * `descendsFirst` (sizes, durations) start with the largest, the others ascending.
 */
export function useSortColumns<K extends string>(list: SortedList<K>, columns: Array<GridColumn<K>>, messages: string, descendsFirst: readonly K[]) {
  const { t } = useI18n()
  // Computed once per language, not for every row: the header is redrawn at every live batch.
  const heads = computed(() =>
    columns.map((col): GridHead<K> => {
      const name = t(`${messages}.col.${col.key}`)
      return { ...col, name, sortLabel: t(`${messages}.sortBy`, { column: name }) }
    })
  )
  /** The same column again reverses the order. */
  function sortBy(key: K): void {
    if (list.sort === key) list.descending = !list.descending
    else {
      list.sort = key
      list.descending = descendsFirst.includes(key)
    }
  }
  return { heads, sortBy }
}
