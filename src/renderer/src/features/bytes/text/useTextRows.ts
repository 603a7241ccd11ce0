// The text view's screen: the rows from `top` (a byte offset where a row starts), laid out
// from the page cache (text-layout.ts), and the moves over them (rows, pages, the
// ends, a given offset), each reading only the bytes around where it goes. A move that
// needs bytes not loaded yet loads them and runs again; moves run one at a time.

import { computed, ref, shallowRef, watch, watchEffect, type Ref } from 'vue'
import { BACK_BYTES, NeedBytes, rowAt, rowsBefore, rowsFrom, screenBytes, type ByteSource, type Layout, type TextRow } from './text-layout'
import { useBytePagesStore, type Stream } from '../byte-pages-store'

/** A window of the stream may span at most this much: half the page cache. */
const MAX_WINDOW = 512 * 1024

export function useTextRows(stream: Ref<Stream | undefined>, layout: Ref<Layout>, screenRows: Ref<number>, pageRows: Ref<number>) {
  const pages = useBytePagesStore()
  const top = ref(0)
  const rows = shallowRef<TextRow[]>([])
  const total = computed(() => stream.value?.total ?? 0)
  /** The last move ended on the last screen: a growing stream is followed, as in a terminal. */
  const atEnd = ref(true)

  function window(s: Stream, from: number, to: number): ByteSource {
    const base = Math.max(0, Math.floor(from))
    const end = Math.min(s.total, Math.ceil(to))
    return { base, bytes: pages.peek(s, base, Math.max(0, end - base)), total: s.total }
  }

  function clampSpan(from: number, to: number, around: number): [number, number] {
    if (to - from <= MAX_WINDOW) return [from, to]
    return [Math.max(0, around - MAX_WINDOW / 4), around + (3 * MAX_WINDOW) / 4]
  }

  // The screen, drawn again when a page it waits for arrives (peek follows the cache).
  watchEffect(() => {
    const s = stream.value
    if (!s) {
      rows.value = []
      return
    }
    const from = top.value - BACK_BYTES - 64
    const to = top.value + screenBytes(layout.value, screenRows.value)
    try {
      rows.value = rowsFrom(window(s, from, to), layout.value, top.value, screenRows.value)
    } catch (err) {
      if (!(err instanceof NeedBytes)) throw err
      const [a, b] = clampSpan(Math.min(from, err.from - 64), Math.max(to, err.to), err.from)
      void pages.load(s, Math.max(0, a), Math.min(s.total, b) - Math.max(0, a))
    }
  })

  /** Runs `fn` over a window holding [from, to), loading bytes (and widening it) as it asks. */
  async function withBytes<T>(from: number, to: number, fn: (src: ByteSource) => T): Promise<T | undefined> {
    for (let tries = 0; tries < 8; tries++) {
      const s = stream.value
      if (!s) return undefined
      const a = Math.max(0, Math.floor(from))
      const b = Math.min(s.total, Math.ceil(to))
      if (b > a) await pages.load(s, a, b - a)
      if (stream.value !== s) return undefined
      try {
        return fn(window(s, a, b))
      } catch (err) {
        if (!(err instanceof NeedBytes)) throw err
        ;[from, to] = clampSpan(Math.min(from, err.from - 64), Math.max(to, err.to + 64), err.from)
      }
    }
    return undefined
  }

  const span = (n: number): number => screenBytes(layout.value, n) + BACK_BYTES

  /** The first row of the last screen, kept until the stream, the layout or the height changes. */
  let lastScreen: { key: string; top: number } | undefined
  async function endTop(): Promise<number | undefined> {
    const key = `${total.value} ${stream.value?.delivered?.rev ?? 'sent'} ${layout.value.encoding} ${layout.value.cols} ${pageRows.value}`
    if (lastScreen?.key === key) return lastScreen.top
    const top = await withBytes(total.value - span(pageRows.value), total.value, (src) => rowsBefore(src, layout.value, src.total, pageRows.value)[0]?.offset ?? 0)
    if (top !== undefined) lastScreen = { key, top }
    return top
  }

  let queue: Promise<unknown> = Promise.resolve()
  /** Moves run in order, each from where the one before left the screen. */
  function move(fn: () => Promise<number | undefined>): Promise<void> {
    const run = queue.then(async () => {
      const to = await fn()
      if (to === undefined) return
      const last = await endTop()
      top.value = Math.max(0, Math.min(to, last ?? to))
      if (last !== undefined) atEnd.value = top.value >= last
    })
    queue = run.catch(() => undefined)
    return run
  }

  /** Down (n > 0) or up (n < 0) by n rows. */
  function scrollRows(n: number): Promise<void> {
    return move(async () => {
      const from = top.value
      if (n > 0) {
        return withBytes(from - BACK_BYTES, from + span(n + 1), (src) => {
          const ahead = rowsFrom(src, layout.value, from, n + 1)
          return ahead.length > n ? ahead[n].offset : ahead[ahead.length - 1]?.offset
        })
      }
      return withBytes(from - span(-n) - BACK_BYTES, from + 8, (src) => rowsBefore(src, layout.value, from, -n)[0]?.offset ?? 0)
    })
  }

  const toStart = (): Promise<void> => move(async () => 0)
  const toEnd = (): Promise<void> => move(async () => Number.MAX_SAFE_INTEGER)

  /** Shows the row holding byte `p` (or `p()`, read when the move runs): at the top, or a third of the way down. */
  function toOffset(p: number | (() => number), where: 'top' | 'third' = 'top'): Promise<void> {
    return move(async () => {
      const at = typeof p === 'number' ? p : p()
      const back = where === 'third' ? Math.floor(pageRows.value / 3) : 0
      return withBytes(at - span(back) - BACK_BYTES, at + span(1), (src) => {
        const row = rowAt(src, layout.value, at)
        if (!row) return 0
        return back ? (rowsBefore(src, layout.value, row.offset, back)[0]?.offset ?? row.offset) : row.offset
      })
    })
  }

  /** Whether byte `p` is in a row wholly on screen. */
  const onScreen = (p: number): boolean => {
    const r = rows.value
    const lastFull = r[Math.min(r.length, pageRows.value) - 1]
    return r.length > 0 && p >= r[0].offset && !!lastFull && p < lastFull.end
  }

  // A new layout (encoding, wrapping, width) keeps the row that held the old top.
  // (Where the top is when the move runs: a move queued before this one may change it.)
  watch(layout, () => void toOffset(() => top.value))
  watch(total, (n, before) => {
    if (n > before && atEnd.value) void toEnd()
  })
  /** Settles `top` (and whether to follow) for a stream just shown. */
  const settle = (): Promise<void> => move(async () => top.value)

  return { top, rows, atEnd, scrollRows, toStart, toEnd, toOffset, onScreen, settle }
}
