// One capture's connection list as a view shows it: a filter and a sort, the total the
// engine counts, and the rows of the pages on screen, fetched from the engine by page
// (conn.page) and kept in a small cache. The list never holds every connection.
// A live capture changes all the time, so its list is kept current cheaply: rows it holds
// are patched from each batch (states, byte counts); in capture order new connections only
// add rows at the end, which the batches carry, so a page is fetched only when they did not;
// any other order or a filter refetches the pages on screen, one query at a time however fast
// batches come.

import { defineStore } from 'pinia'
import { ref, shallowReactive, watch } from 'vue'
import { SORT_KEYS, type ConnectionSummary, type SortKey } from '../../../../shared/capture-types'
import type { Batch } from '../../../../shared/events'
import { useEngineStore } from '../../platform/engine-store'
import { useRememberedSort } from '../settings/useRememberedSort'

export const PAGE_SIZE = 200

/** Whether a filter has a `text:` word (the engine's parseQuery): the engine searches payloads for it, which takes a while. */
export const searchesPayloads = (filter: string): boolean => /(?:^|\s)-?text:/i.test(filter)
/**
 * Pages kept; the oldest go first. A screen shows one or two pages and asks for the pages
 * either side: 16 keep a few screens to scroll back to. They were 50 (10,000 rows, most of
 * the page's JS heap after a scroll through 100,000 connections).
 */
const MAX_PAGES = 16

export const useConnectionsStore = defineStore('connections', () => {
  const engine = useEngineStore()
  const capture = ref('live')
  const filter = ref('')
  const sort = ref<SortKey>('id')
  const descending = ref(false)
  useRememberedSort('connections', SORT_KEYS, sort, descending)
  const total = ref(0)
  /** Connections in the capture, filtered or not: the list shows `total` of them. */
  const of = ref(0)
  const error = ref<string>()
  /**
   * Words the engine read with a doubt, said when they explain an empty list (ConnectionPage
   * hints: `stauts:200` read as a host and its port). No mistake: the filter was applied.
   */
  const hints = ref<string[]>([])
  /** A `text:` filter's payload search while it goes on (or after it was stopped). */
  const scan = ref<{ done: number; of: number; stopped?: boolean }>()
  /**
   * A new query (filter, sort, capture) is on its way and nothing of it has come back: the
   * count and the rows of the one before are not this one's, and a payload search can take
   * seconds before its first answer.
   */
  const pending = ref(false)
  /** Cancels the engine's payload search of this query (a new query gets a new one). */
  let controller = new AbortController()
  const pages = shallowReactive(new Map<number, ConnectionSummary[]>())
  /** Pages the view wants (on screen or near it). */
  const wanted = new Set<number>([0])
  let generation = 0

  function reset(): void {
    pages.clear()
    fetching.clear()
    generation++
    controller.abort()
    controller = new AbortController()
    scan.value = undefined
    // The old filter's mistake is not the new one's: said again if the engine says so again.
    error.value = undefined
    hints.value = []
    pending.value = true
    // A payload search lists nothing until it has found something: not the old count's
    // placeholder rows, which read as results on their way.
    if (searchesPayloads(filter.value)) total.value = 0
    void refresh()
  }

  /** Stops a payload search: what it found so far stays listed. */
  function stopScan(): void {
    if (pending.value && searchesPayloads(filter.value)) {
      // Stopped before its first answer: nothing found, nothing searched.
      pending.value = false
      scan.value = { done: 0, of: of.value, stopped: true }
      total.value = 0
      controller.abort()
      return
    }
    if (!scan.value || scan.value.stopped) return
    scan.value = { ...scan.value, stopped: true }
    controller.abort()
  }

  function keepFewPages(): void {
    while (pages.size > MAX_PAGES) pages.delete(pages.keys().next().value!)
  }

  /** Pages being fetched, and whether each must be fetched again when its answer comes. */
  const fetching = new Map<number, { again: boolean }>()

  async function fetchPage(page: number, gen: number): Promise<void> {
    const t = engine.transport
    if (!t) return
    const busy = fetching.get(page)
    if (busy) {
      busy.again = true
      return
    }
    const state = { again: false }
    fetching.set(page, state)
    try {
      const r = await t.call('conn.page', {
        capture: capture.value,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(filter.value.trim() ? { filter: filter.value } : {}),
        sort: sort.value,
        descending: descending.value,
        // The list never shows them: 40% fewer bytes a page while it scrolls.
        upstream: false
      }, { signal: controller.signal })
      if (gen !== generation || scan.value?.stopped) return
      error.value = undefined
      hints.value = r.hints ?? []
      pending.value = false
      total.value = r.total
      of.value = r.of ?? r.total
      scan.value = r.scan
      pages.set(page, r.rows)
      keepFewPages()
      // The engine searched one slice of the payloads: ask for the next, from the first page on
      // screen, on the next turn (so that a fast engine cannot starve the page's own work).
      if (r.scan && page === Math.min(...wanted)) setTimeout(() => gen === generation && !scan.value?.stopped && void refresh(), 0)
    } catch (err) {
      if (gen === generation && !scan.value?.stopped) {
        // A bad word: an empty list and why, never the old rows left waiting.
        error.value = (err as Error).message
        hints.value = []
        pending.value = false
        total.value = 0
        pages.clear()
      }
    } finally {
      if (fetching.get(page) === state) fetching.delete(page)
      if (state.again && gen === generation) void fetchPage(page, generation)
    }
  }

  /** Refetches every wanted page (after a change of query, or of a live capture). */
  async function refresh(): Promise<void> {
    const gen = generation
    await Promise.all([...wanted].map((p) => fetchPage(p, gen)))
  }

  const inCaptureOrder = (): boolean => sort.value === 'id' && !descending.value && !filter.value.trim()

  /** What batches say of live connections: each one's latest summary, and where its data ends. */
  interface Changes {
    latest: Map<number, ConnectionSummary>
    ends: Map<number, { client?: number; server?: number }>
  }
  function changesOf(batches: readonly Batch[]): Changes {
    const latest = new Map<number, ConnectionSummary>()
    const ends = new Map<number, { client?: number; server?: number }>()
    for (const b of batches) {
      for (const c of b.conns ?? []) latest.set(c.id, c)
      for (const d of b.data ?? []) ends.set(d.connId, { ...ends.get(d.connId), [d.dir]: d.offset + d.length })
    }
    return { latest, ends }
  }

  /** Replaces held rows with their newer state from batches: no query needed. */
  function patch({ latest, ends }: Changes): void {
    if (latest.size === 0 && ends.size === 0) return
    for (const [p, rows] of pages) {
      let copy: ConnectionSummary[] | undefined
      rows.forEach((r, i) => {
        const next = latest.get(r.id)
        // A batch's summary comes from the recorder, which knows nothing of decoding: the
        // protocol a query found stays until a newer one says otherwise.
        const c = next && next.protocol === undefined && r.protocol !== undefined ? { ...next, protocol: r.protocol } : next ?? r
        const end = ends.get(r.id)
        if (c === r && end === undefined) return
        copy ??= [...rows]
        copy[i] = end ? { ...c, bytes: { client: Math.max(c.bytes.client, end.client ?? 0), server: Math.max(c.bytes.server, end.server ?? 0) } } : c
      })
      if (copy) pages.set(p, copy)
    }
  }

  /**
   * In capture order the live list is every connection by id, ids counting from 1: a new
   * connection's row is its id - 1, and the batch that announced it carries its summary, so
   * it is added to a held page that ends just before it, with no query. A new page is
   * started when it or the page before it is on screen: the view following the end gets
   * there a frame later. A busy engine's batch can carry pages of new connections at once
   * (bench/ui.mjs: a thousand): if the view showed the end, the last two pages of the new end
   * are started too, as the view follows there, rather than fetched after it did.
   */
  function append({ latest }: Changes, count: number): void {
    const lastPage = (n: number): number => Math.floor(Math.max(n - 1, 0) / PAGE_SIZE)
    const atEnd = wanted.has(lastPage(total.value))
    const newEnd = lastPage(count)
    // Each page grown is copied once, however many rows the batch adds to it.
    const grown = new Map<number, ConnectionSummary[]>()
    for (const c of [...latest.values()].sort((a, b) => a.id - b.id)) {
      const p = Math.floor((c.id - 1) / PAGE_SIZE)
      const at = (c.id - 1) % PAGE_SIZE
      const held = grown.get(p) ?? pages.get(p)
      const rows = held ?? (at === 0 && (wanted.has(p) || wanted.has(p - 1) || (atEnd && p >= newEnd - 1)) ? [] : undefined)
      if (rows?.length !== at) continue
      if (grown.get(p) === rows) rows.push(c)
      else grown.set(p, [...rows, c])
    }
    for (const [p, rows] of grown) pages.set(p, rows)
    keepFewPages()
  }

  function followLive(batches: readonly Batch[]): void {
    const changes = changesOf(batches)
    const count = engine.liveCapture?.connections
    const decoded = takeDecodedMove()
    if (inCaptureOrder() && count !== undefined && !batches.some((b) => b.resync)) {
      // New connections only add rows at the end: what the batches did not bring is fetched,
      // and every page on screen if decoding moved (batches carry no protocols).
      append(changes, count)
      patch(changes)
      total.value = count
      of.value = count
      for (const p of wanted) {
        const rows = pages.get(p)
        if (decoded || rows === undefined || (rows.length < PAGE_SIZE && p * PAGE_SIZE + rows.length < count)) void fetchPage(p, generation)
      }
    } else {
      patch(changes)
      void refresh()
    }
  }

  /**
   * The view shows rows [from, to): their pages are fetched if missing, and so are the pages
   * either side, so that a scroll finds its rows there rather than drawing them twice (empty,
   * then filled). A page on its way is not asked for again: the view shows it at every frame
   * of a scroll, and while the engine was slower than a frame (decoding a capture just opened)
   * each of those asked for it once more after its answer (bench/ui.mjs: 780-920 queries for
   * a scroll that needs about 540).
   */
  function show(from: number, to: number): void {
    wanted.clear()
    const first = Math.floor(from / PAGE_SIZE)
    const last = Math.floor(Math.max(from, to - 1) / PAGE_SIZE)
    for (let p = first; p <= last; p++) wanted.add(p)
    for (let p = first - 1; p <= last + 1; p++) {
      if (p >= 0 && (wanted.has(p) || p * PAGE_SIZE < total.value) && !pages.has(p) && !fetching.has(p)) void fetchPage(p, generation)
    }
  }

  function row(i: number): ConnectionSummary | undefined {
    return pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE]
  }

  watch([capture, filter, sort, descending], reset)
  // Decoding found protocols or exchanges after the rows on screen were fetched: nothing in
  // a batch says so (its summaries come from the recorder), so the rows are asked for again.
  // A live capture's count moves with most batches that touch connections, and the list
  // follows those batches in the same turn: one refetch serves both (it was two or three
  // queries a page per batch, each drawn when it came, under bench/ui.mjs's load).
  let decodedMoved = false
  function takeDecodedMove(): boolean {
    const moved = decodedMoved
    decodedMoved = false
    return moved
  }
  watch(
    () => engine.captures.find((c) => c.id === capture.value)?.decoded,
    (now) => {
      if (now === undefined) return
      if (capture.value !== 'live') return void refresh()
      decodedMoved = true
      // Watchers of one change run in one flush, this one first: a batch's followLive has
      // taken the move by the time this runs, unless no connection changed.
      void Promise.resolve().then(async () => {
        if (takeDecodedMove()) await refresh()
      })
    }
  )
  // A live list follows the engine, once per applied set of batches.
  watch(
    () => engine.liveChanges,
    () => {
      if (capture.value === 'live') followLive(engine.applied)
    }
  )

  return { capture, filter, sort, descending, total, of, error, hints, scan, pending, pages, show, row, refresh, reset, stopScan }
})
