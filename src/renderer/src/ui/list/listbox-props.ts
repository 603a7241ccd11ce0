// What every paged listbox is given (PagedListbox.vue, and MessageListbox.vue, which passes
// them on): the list, the row chosen, its accessible name, and its rows' id prefix.

import type { PagedList } from './paged-list'

export interface ListboxProps<T> {
  list: PagedList<T> | undefined
  /** The chosen row, if any. */
  selected: number | undefined
  label: string
  /** Makes the rows' element ids (`<idPrefix>-<index>`). */
  idPrefix: string
}
