// The pointer over the timeline's chart: Ctrl (or ⌘) and the wheel zoom at the pointer,
// Shift and the wheel or a sideways wheel pan, and dragging pans; a press that does not
// move is a click on the row.

import type { Ref } from 'vue'
import { timeAt, type TimeView } from './time-scale'

/** Pixels a press must move before it is a drag. */
const DRAG_SLOP = 4

interface Zoomable {
  view: Ref<TimeView>
  zoom(factor: number, anchor?: number): void
  pan(ms: number, from?: TimeView): void
}

export function useTimelinePointer(scroller: Ref<HTMLElement | null>, chartWidth: Ref<number>, labelPx: number, time: Zoomable) {
  /** The time under a pointer over the chart. */
  const pointerTime = (e: MouseEvent): number => {
    const rect = scroller.value!.getBoundingClientRect()
    return timeAt(time.view.value, chartWidth.value, e.clientX - rect.left - labelPx)
  }

  function onWheel(e: WheelEvent): void {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault()
      time.zoom(Math.exp(-e.deltaY * 0.002), pointerTime(e))
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault()
      time.pan(((e.shiftKey ? e.deltaY : e.deltaX) / chartWidth.value) * time.view.value.span)
    }
  }

  let drag: { x: number; view: TimeView; moved: boolean } | undefined
  function onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return
    drag = { x: e.clientX, view: time.view.value, moved: false }
  }
  function onPointerMove(e: PointerEvent): void {
    if (!drag || (e.buttons & 1) === 0) return
    const dx = e.clientX - drag.x
    if (!drag.moved && Math.abs(dx) < DRAG_SLOP) return
    if (!drag.moved) scroller.value?.setPointerCapture?.(e.pointerId)
    drag.moved = true
    time.pan(-(dx / chartWidth.value) * drag.view.span, drag.view)
  }
  function onPointerUp(): void {
    // After the click this press makes, which must still see that it dragged.
    setTimeout(() => (drag = undefined))
  }
  /** Whether the press now ending moved (then it is no click). */
  const dragged = (): boolean => drag?.moved === true

  return { onWheel, onPointerDown, onPointerMove, onPointerUp, dragged }
}
