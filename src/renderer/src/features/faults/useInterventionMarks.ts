// When a toxic, a breakpoint, a traffic rule or a person acted on the selected connection: the
// times of its `fault`, `break`, `rule` and `action` records, for the timeline to mark on its bar beside the bytes
// they changed. Read again when the connection changes live; a connection's first
// MAX_PAGE records are looked at (a bound, not a sample: marks past them are not drawn).

import { shallowRef, watch, type ShallowRef } from 'vue'
import { MAX_PAGE } from '../../../../shared/contract'
import type { CaptureEvent } from '../../../../shared/capture-types'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** Marks drawn at most on one bar: more would only blur into one. */
const MAX_MARKS = 500

export interface InterventionMark {
  time: number
  kind: 'fault' | 'break' | 'rule' | 'action'
}

const isMark = (e: CaptureEvent): e is CaptureEvent & { kind: InterventionMark['kind'] } => e.kind === 'fault' || e.kind === 'break' || e.kind === 'rule' || e.kind === 'action'

export function useInterventionMarks(): { marks: ShallowRef<InterventionMark[]>; connId: () => number | undefined } {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  const marks = shallowRef<InterventionMark[]>([])
  let asked = 0

  async function read(): Promise<void> {
    const id = selection.connId
    const ask = ++asked
    if (id === undefined) return void (marks.value = [])
    try {
      const page = await engine.call('conn.events', { capture: selection.capture, connId: id, from: 0, limit: MAX_PAGE })
      if (ask !== asked) return
      marks.value = page.events
        .filter(isMark)
        .slice(0, MAX_MARKS)
        .map((e) => ({ time: e.time, kind: e.kind }))
    } catch {
      if (ask === asked) marks.value = []
    }
  }

  watch(() => [selection.capture, selection.connId], read, { immediate: true })
  watch(
    () => engine.changedConns,
    (changed) => selection.connId !== undefined && changed.has(selection.connId) && void read()
  )
  return { marks, connId: () => selection.connId }
}
