// The bytes each way inside the timeline's bars: conn.activity for the connections on screen
// over the stretch of time on screen, asked for once the view stops moving.

import { computed, onBeforeUnmount, shallowRef, watch, type Ref } from 'vue'
import type { ActivityPage } from '../../../../../shared/capture-types'
import { MAX_ACTIVITY_BUCKETS } from '../../../../../shared/contract'
import { useConnectionsStore } from '../connections-store'
import { useEngineStore } from '../../../platform/engine-store'
import { busiest } from './timeline-bars'
import type { TimeView } from './time-scale'

/** Wait this long after the view stops moving before asking for activity again. */
const ACTIVITY_DELAY = 120

export function useTimelineActivity(ids: () => number[], view: Ref<TimeView>, chartWidth: Ref<number>, liveMoves: Ref<number>) {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  const page = shallowRef<ActivityPage>()
  const byId = computed(() => new Map((page.value?.conns ?? []).map((a) => [a.id, a])))
  const maxSlice = computed(() => busiest(page.value?.conns ?? []))

  let timer: ReturnType<typeof setTimeout> | undefined
  let gen = 0
  function request(): void {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const shown = ids()
      if (shown.length === 0) return
      const mine = ++gen
      const from = Math.max(0, Math.floor(view.value.start))
      const to = Math.max(from + 1, Math.ceil(view.value.start + view.value.span))
      const buckets = Math.max(1, Math.min(MAX_ACTIVITY_BUCKETS, Math.floor(chartWidth.value / 2)))
      try {
        const answer = await engine.call('conn.activity', { capture: list.capture, ids: shown, from, to, buckets })
        if (mine === gen) page.value = answer
      } catch {
        // Activity is decoration: the bars are drawn without it.
      }
    }, ACTIVITY_DELAY)
  }
  watch([() => ids().join(','), view, chartWidth, liveMoves], request)
  onBeforeUnmount(() => clearTimeout(timer))

  return { page, byId, maxSlice }
}
