// Every HTTP exchange of the capture on screen, as the exchange list shows it: a filter and
// an order of its own, paged from the engine (exchange.page) through the shared pagedList, so
// the page never holds more than a few pages of rows however many exchanges there are. The
// engine decodes connections as it is asked; while its answer says it is still going (`scan`),
// the pages on screen are asked for again. A live capture refreshes at most one query at a
// time, however fast batches come. Nothing is asked while no view shows the list.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { EXCHANGE_SORT_KEYS, type ExchangeRow, type ExchangeSortKey } from '../../../../shared/protocol-types'
import { pagedList, type PagedList } from '../../ui/list/paged-list'
import { useConnectionsStore } from '../connections/connections-store'
import { useEngineStore } from '../../platform/engine-store'
import { useRememberedSort } from '../settings/useRememberedSort'

export const EXCHANGE_PAGE_SIZE = 200
/** Pages kept; those off screen go first. */
const MAX_PAGES = 30
/** How soon to ask again while the engine is still decoding: often enough to see the count grow. */
export const SCAN_RETRY_MS = 200

export const useExchangesStore = defineStore('exchanges', () => {
  const engine = useEngineStore()
  const connections = useConnectionsStore()
  const capture = computed(() => connections.capture)
  const filter = ref('')
  const sort = ref<ExchangeSortKey>('start')
  const descending = ref(false)
  useRememberedSort('exchanges', EXCHANGE_SORT_KEYS, sort, descending)
  /** Exchanges in the capture decoded so far, filtered or not. */
  const of = ref(0)
  /** Words the engine read with a doubt, said when they explain an empty list (ExchangeListPage hints); the filter was applied. */
  const hints = shallowRef<string[]>([])
  /** While the engine is still decoding the capture's connections: how far it got. */
  const scan = shallowRef<{ done: number; of: number }>()
  const list = shallowRef<PagedList<ExchangeRow>>()
  /** Views showing the list; none: no queries. */
  let viewers = 0
  let controller = new AbortController()
  let retry: ReturnType<typeof setTimeout> | undefined

  const total = computed(() => list.value?.total.value ?? 0)
  const loaded = computed(() => list.value?.loaded.value ?? false)
  const error = computed(() => list.value?.error.value)

  /** A new query: the old one's answers still on their way are dropped, its scan stopped. */
  function restart(): void {
    controller.abort()
    clearTimeout(retry)
    retry = undefined
    scan.value = undefined
    hints.value = []
    if (viewers === 0) {
      list.value = undefined
      return
    }
    const c = (controller = new AbortController())
    const query = {
      capture: capture.value,
      ...(filter.value.trim() ? { filter: filter.value } : {}),
      sort: sort.value,
      descending: descending.value
    }
    const fresh = pagedList<ExchangeRow>(
      async (offset, limit, signal) => {
        // Stopped by a new query, or by the list when a scroll has left the page behind.
        const both = new AbortController()
        const stop = (): void => both.abort()
        c.signal.addEventListener('abort', stop)
        signal.addEventListener('abort', stop)
        if (c.signal.aborted || signal.aborted) stop()
        const r = await engine.call('exchange.page', { ...query, offset, limit }, { signal: both.signal }).finally(() => {
          c.signal.removeEventListener('abort', stop)
          signal.removeEventListener('abort', stop)
        })
        if (!c.signal.aborted) {
          of.value = r.of
          scan.value = r.scan
          hints.value = r.hints ?? []
          if (r.scan) askAgain(fresh)
        }
        return { total: r.total, items: r.rows }
      },
      { pageSize: EXCHANGE_PAGE_SIZE, maxPages: MAX_PAGES }
    )
    list.value = fresh
  }

  function askAgain(l: PagedList<ExchangeRow>): void {
    if (retry !== undefined) return
    retry = setTimeout(() => {
      retry = undefined
      if (list.value === l) void l.refresh()
    }, SCAN_RETRY_MS)
  }

  /** A view starts showing the list; returns the function to call when it stops. */
  function attach(): () => void {
    if (viewers++ === 0) restart()
    let attached = true
    return () => {
      if (!attached) return
      attached = false
      if (--viewers === 0) restart()
    }
  }

  /** The view shows rows [from, to). */
  function show(from: number, to: number): void {
    list.value?.show(from, to)
  }

  function row(i: number): ExchangeRow | undefined {
    return list.value?.item(i)
  }

  watch([capture, filter, sort, descending], restart)
  // A live capture grows: its pages on screen and its last page are asked for again.
  watch(
    () => engine.liveChanges,
    () => {
      if (capture.value === 'live') void list.value?.refresh()
    }
  )
  // Decoding of what is on screen went on after it was asked for (it runs a little behind a live capture).
  watch(
    () => engine.captures.find((c) => c.id === capture.value)?.decoded,
    (now) => {
      if (now !== undefined) void list.value?.refresh()
    }
  )

  return { capture, filter, sort, descending, of, scan, hints, total, loaded, error, attach, show, row }
})
