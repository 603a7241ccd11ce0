// A scroll element over content of any height (scaled-scroll.ts): the element holds a
// layer that sticks to its top and a spacer that gives the scrollbar its length; the view
// draws the layer from `pos`, its position in the whole content. Past the cap the wheel is
// taken over: a wheel notch would otherwise jump thousands of rows.

import { computed, nextTick, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import { atEnd, clampPos, isScaled, posFromScrollTop, scrollPxFor, scrollTopFromPos, type ScrollFrame } from './scaled-scroll'

export interface ScaledScrollOptions {
  /** Pixels a wheel "line" moves. */
  lineHeight: number
  /** The view moves itself on the wheel (by rows of text, say): the wheel is left to it. */
  ownWheel?: boolean
  /** Called when the user moved the scrollbar (not when the view set `pos`). */
  onUserScroll?: (pos: number) => void
}

export function useScaledScroll(el: Ref<HTMLElement | undefined | null>, contentPx: Ref<number>, opts: ScaledScrollOptions) {
  const viewPx = ref(0)
  const pos = ref(0)
  const frame = computed<ScrollFrame>(() => ({ contentPx: contentPx.value, viewPx: viewPx.value }))
  /** The spacer below the one-screen layer: together they are the scrollbar's length. */
  const spacerPx = computed(() => Math.max(0, scrollPxFor(contentPx.value) - viewPx.value))
  /** The scrollTop this code set last, so the scroll event it causes is not taken for the user's. */
  let expected: number | undefined
  /**
   * The element's scrollTop as last set here or seen in a scroll event: reading the element
   * between frames would force a layout, and a live stream moves the view many times a second.
   */
  let known = 0

  async function syncScrollTop(): Promise<void> {
    await nextTick()
    const e = el.value
    if (!e) return
    const top = scrollTopFromPos(pos.value, frame.value)
    if (Math.abs(known - top) < 0.5) return
    expected = top
    known = top
    e.scrollTop = top
  }

  /** Shows content position `p` at the top (clamped to the content). */
  function scrollTo(p: number): void {
    pos.value = clampPos(p, frame.value)
    void syncScrollTop()
  }

  function onScroll(): void {
    const e = el.value
    if (!e) return
    known = e.scrollTop
    const mine = expected !== undefined && Math.abs(known - expected) <= 1
    expected = undefined
    if (mine) return
    pos.value = posFromScrollTop(e.scrollTop, frame.value)
    opts.onUserScroll?.(pos.value)
  }

  function onWheel(ev: WheelEvent): void {
    if (opts.ownWheel || !isScaled(frame.value) || ev.deltaY === 0 || ev.ctrlKey) return
    ev.preventDefault()
    const unit = ev.deltaMode === 1 ? opts.lineHeight : ev.deltaMode === 2 ? viewPx.value : 1
    scrollTo(pos.value + ev.deltaY * unit)
  }

  /** Whether the view was at the end of content `beforePx` tall (to follow it as it grows). */
  const wasAtEnd = (beforePx: number): boolean => atEnd(pos.value, { contentPx: beforePx, viewPx: viewPx.value })
  watch(contentPx, () => scrollTo(pos.value))

  let observer: ResizeObserver | undefined
  onMounted(() => {
    const e = el.value
    if (!e) return
    viewPx.value = e.clientHeight
    if (typeof ResizeObserver === 'function') {
      observer = new ResizeObserver(() => {
        viewPx.value = el.value?.clientHeight ?? 0
        scrollTo(pos.value)
      })
      observer.observe(e)
    }
  })
  onBeforeUnmount(() => observer?.disconnect())

  return { pos, viewPx, spacerPx, frame, wasAtEnd, scrollTo, onScroll, onWheel }
}
