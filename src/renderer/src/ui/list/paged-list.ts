// A long list the engine pages (a connection's events, its turns), as a virtualized view
// sees it: how many there are, and the items of the pages on screen (and the page before
// them, so each row can see the one above it), kept in a small cache. A live list is
// refreshed through its last page, which is the one that grows.

import { shallowReactive, shallowRef, type ShallowRef } from 'vue'

export interface Slice<T> {
  total: number
  items: T[]
}

/** `signal` aborts when the page is no longer wanted (a fast scroll went past it). */
export type FetchSlice<T> = (from: number, limit: number, signal: AbortSignal) => Promise<Slice<T>>

export interface PagedList<T> {
  readonly total: ShallowRef<number>
  /** False until the first page has come (a total of 0 is then known to be empty). */
  readonly loaded: ShallowRef<boolean>
  readonly error: ShallowRef<string | undefined>
  /** Item `i`, when its page is here. */
  item(i: number): T | undefined
  /** The view shows items [from, to): their pages (and the one before) are fetched if missing. */
  show(from: number, to: number): void
  /** Refetches the last page and the pages on screen: the list may have grown or changed. */
  refresh(): Promise<void>
}

export function pagedList<T>(fetch: FetchSlice<T>, opts: { pageSize: number; maxPages: number }): PagedList<T> {
  const { pageSize, maxPages } = opts
  const total = shallowRef(0)
  const loaded = shallowRef(false)
  const error = shallowRef<string>()
  const pages = shallowReactive(new Map<number, T[]>())
  const inflight = new Map<number, { done: Promise<void>; controller: AbortController }>()
  let wanted: number[] = [0]

  function keep(page: number, items: T[]): void {
    pages.delete(page)
    pages.set(page, items)
    while (pages.size > maxPages) {
      const oldest = [...pages.keys()].find((p) => !wanted.includes(p))
      if (oldest === undefined) break
      pages.delete(oldest)
    }
  }

  function fetchPage(page: number): Promise<void> {
    const running = inflight.get(page)
    if (running) return running.done
    const controller = new AbortController()
    const done = fetch(page * pageSize, pageSize, controller.signal)
      .then((slice) => {
        if (controller.signal.aborted) return
        error.value = undefined
        total.value = slice.total
        loaded.value = true
        keep(page, slice.items)
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) error.value = (err as Error).message
      })
      .finally(() => inflight.get(page)?.controller === controller && inflight.delete(page))
    inflight.set(page, { done, controller })
    return done
  }

  function show(from: number, to: number): void {
    const first = Math.max(0, Math.floor((from - 1) / pageSize))
    const last = Math.floor(Math.max(from, to - 1) / pageSize)
    wanted = []
    for (let p = first; p <= last; p++) wanted.push(p)
    // Pages a fast scroll went past: the engine answers one query after another, so their
    // answers would hold up those of the pages now on screen. The last page stays: it is the
    // one a refresh asks for.
    const lastPage = Math.max(0, Math.floor((total.value - 1) / pageSize))
    for (const [p, f] of inflight) {
      if (!wanted.includes(p) && p !== lastPage) {
        f.controller.abort()
        inflight.delete(p)
      }
    }
    for (const p of wanted) if (!pages.has(p)) void fetchPage(p)
  }

  let refreshing: Promise<void> | undefined
  let again = false
  /** One refresh at a time; changes that come during one get one more after it. */
  function refresh(): Promise<void> {
    if (refreshing) {
      again = true
      return refreshing
    }
    refreshing = (async () => {
      do {
        again = false
        await refreshOnce()
      } while (again)
    })().finally(() => (refreshing = undefined))
    return refreshing
  }

  async function refreshOnce(): Promise<void> {
    const lastPage = Math.max(0, Math.floor((total.value - 1) / pageSize))
    // A page in flight may predate the change: fetch again once it is back.
    await Promise.all([...inflight.values()].map((f) => f.done))
    await Promise.all([...new Set([lastPage, ...wanted])].map(fetchPage))
    // Pages the list has grown into while the view waits at its end.
    await Promise.all(wanted.filter((p) => !pages.has(p) && p * pageSize < total.value).map(fetchPage))
  }

  const item = (i: number): T | undefined => pages.get(Math.floor(i / pageSize))?.[i % pageSize]

  void fetchPage(0)
  return { total, loaded, error, item, show, refresh }
}
