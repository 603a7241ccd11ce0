// One capture's connection list as a view shows it: a filter and a sort, the total the
// engine counts, and the rows of the pages on screen, fetched from the engine by page
// (conn.page) and kept in a small cache. The list never holds every connection; a live
// capture's visible pages are refetched when batches say connections changed.

import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, watch } from 'vue'
import type { ConnectionSummary, SortKey } from '../../../shared/capture-types'
import { useEngineStore } from './engine'

export const PAGE_SIZE = 200
/** Pages kept; the oldest go first. */
const MAX_PAGES = 50

export const useConnectionsStore = defineStore('connections', () => {
  const engine = useEngineStore()
  const capture = ref('live')
  const filter = ref('')
  const sort = ref<SortKey>('id')
  const descending = ref(false)
  const total = ref(0)
  const error = ref<string>()
  const pages = shallowReactive(new Map<number, ConnectionSummary[]>())
  /** Pages the view wants (on screen or near it). */
  const wanted = new Set<number>([0])
  let generation = 0

  function reset(): void {
    pages.clear()
    generation++
    void refresh()
  }

  async function fetchPage(page: number, gen: number): Promise<void> {
    const t = engine.transport
    if (!t) return
    try {
      const r = await t.call('conn.page', {
        capture: capture.value,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(filter.value.trim() ? { filter: filter.value } : {}),
        sort: sort.value,
        descending: descending.value
      })
      if (gen !== generation) return
      error.value = undefined
      total.value = r.total
      pages.set(page, r.rows)
      while (pages.size > MAX_PAGES) pages.delete(pages.keys().next().value!)
    } catch (err) {
      if (gen === generation) error.value = (err as Error).message
    }
  }

  /** Refetches every wanted page (after a change of query, or of a live capture). */
  async function refresh(): Promise<void> {
    const gen = generation
    await Promise.all([...wanted].map((p) => fetchPage(p, gen)))
  }

  /** The view shows rows [from, to): their pages are fetched if missing. */
  function show(from: number, to: number): void {
    wanted.clear()
    for (let p = Math.floor(from / PAGE_SIZE); p <= Math.floor(Math.max(from, to - 1) / PAGE_SIZE); p++) {
      wanted.add(p)
      if (!pages.has(p)) void fetchPage(p, generation)
    }
  }

  function row(i: number): ConnectionSummary | undefined {
    return pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE]
  }

  watch([capture, filter, sort, descending], reset)
  // A live list follows the engine: one refetch per applied batch that touched connections.
  watch(
    () => engine.liveChanges,
    () => {
      if (capture.value === 'live') void refresh()
    }
  )

  const rows = computed(() => [...pages.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, r]) => r))

  return { capture, filter, sort, descending, total, error, pages, rows, show, row, refresh, reset }
})
