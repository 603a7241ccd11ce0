// A list already whole in memory, in the shape a paged list's view takes (PagedListbox), so
// one listbox serves both: nothing to fetch, every item here.

import { shallowRef } from 'vue'
import type { PagedList } from './paged-list'

export function arrayList<T>(items: readonly T[], error?: string): PagedList<T> {
  return {
    total: shallowRef(items.length),
    loaded: shallowRef(true),
    error: shallowRef(error),
    item: (i) => items[i],
    show: () => {},
    refresh: () => Promise.resolve()
  }
}
