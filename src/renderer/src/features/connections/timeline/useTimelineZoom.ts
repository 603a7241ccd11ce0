// The stretch of time the timeline shows: the capture's extent for the list's filter (from
// the engine, kept current while a live capture moves), and the view over it, which fits it
// until the user zooms or pans.

import { computed, onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue'
import type { ConnectionSummary } from '../../../../../shared/capture-types'
import { useConnectionsStore } from '../connections-store'
import { useEngineStore } from '../../../platform/engine-store'
import { useSelectionStore } from '../selection-store'
import { captureExtent, endOf, type CaptureExtent } from './timeline-extent'
import { fitView, panBy, zoomAt, type TimeView } from './time-scale'

/** A live capture's extent is refetched at most this often. */
const LIVE_EVERY = 1000

export function useTimelineZoom(rowConns: Ref<ConnectionSummary[]>) {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  const selection = useSelectionStore()

  const extent = shallowRef<CaptureExtent>({ from: Date.now() - 1000, to: Date.now(), open: false, empty: true })
  const view = shallowRef<TimeView>(fitView(extent.value))
  /** The view follows the extent (fits it) until the user zooms or pans. */
  const fitted = ref(true)
  const now = ref(Date.now())
  /** Counts the live capture's moves, for what is drawn from them (the bars' activity). */
  const liveMoves = ref(0)

  /** The extent widened by the ends of the rows on screen. */
  const shownExtent = computed(() => {
    let to = extent.value.to
    for (const c of rowConns.value) to = Math.max(to, endOf(c))
    return { from: extent.value.from, to }
  })

  let extentGen = 0
  async function loadExtent(): Promise<void> {
    const gen = ++extentGen
    now.value = Date.now()
    try {
      const e = await captureExtent((args) => engine.call('conn.page', args), list.capture, list.filter, now.value)
      if (gen !== extentGen) return
      extent.value = e
      if (fitted.value) view.value = fitView(shownExtent.value)
    } catch {
      // The list shows the engine's error for the same filter.
    }
  }
  watch(
    [() => list.capture, () => list.filter],
    () => {
      fitted.value = true
      void loadExtent()
    },
    { immediate: true }
  )

  function fit(): void {
    fitted.value = true
    view.value = fitView(shownExtent.value)
  }
  /**
   * Where the keys and buttons zoom: the selected connection's start when it is on screen,
   * so that zooming in keeps it there; else the middle.
   */
  function zoomAnchor(): number {
    const v = view.value
    const c = rowConns.value.find((r) => r.id === selection.connId)
    return c && c.openedAt >= v.start && c.openedAt <= v.start + v.span ? c.openedAt : v.start + v.span / 2
  }
  function zoom(factor: number, anchor = zoomAnchor()): void {
    fitted.value = false
    view.value = zoomAt(view.value, factor, anchor, shownExtent.value)
  }
  /** Moves the view `ms` later than `from` (by default, where it is). */
  function pan(ms: number, from = view.value): void {
    fitted.value = false
    view.value = panBy(from, ms, shownExtent.value)
  }

  // A live capture moves: its extent, and what is drawn from it.
  let liveTimer: ReturnType<typeof setInterval> | undefined
  let liveDirty = false
  watch(
    () => engine.liveChanges,
    () => {
      if (list.capture === 'live') liveDirty = true
    }
  )
  onMounted(() => {
    liveTimer = setInterval(() => {
      if (list.capture !== 'live' || (!liveDirty && !extent.value.open)) return
      liveDirty = false
      void loadExtent().then(() => liveMoves.value++)
    }, LIVE_EVERY)
  })
  onBeforeUnmount(() => clearInterval(liveTimer))

  return { extent, view, fitted, now, liveMoves, fit, zoom, pan }
}
