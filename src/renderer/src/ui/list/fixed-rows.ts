// The rows of a list of fixed-height rows that are on screen (and a few either side), from the
// scroller's position: a short list of decoded exchanges or messages needs no more than this.

import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

const OVERSCAN = 6

export function useFixedRows(scroller: Ref<HTMLElement | null | undefined>, total: Ref<number>, rowPx: number) {
  const top = ref(0)
  const height = ref(0)
  const measure = (): void => {
    const el = scroller.value
    if (!el) return
    top.value = el.scrollTop
    height.value = el.clientHeight
  }
  let observer: ResizeObserver | undefined
  onMounted(() => {
    measure()
    if (typeof ResizeObserver === 'function' && scroller.value) {
      observer = new ResizeObserver(measure)
      observer.observe(scroller.value)
    }
  })
  onBeforeUnmount(() => observer?.disconnect())

  const from = computed(() => Math.max(0, Math.floor(top.value / rowPx) - OVERSCAN))
  const to = computed(() => Math.min(total.value, Math.ceil((top.value + Math.max(height.value, rowPx * 10)) / rowPx) + OVERSCAN))
  const rows = computed(() => Array.from({ length: Math.max(0, to.value - from.value) }, (_, k) => from.value + k))

  /** Scrolls row `i` into view, if it is not. */
  function reveal(i: number): void {
    const el = scroller.value
    if (!el) return
    const y = i * rowPx
    if (y < el.scrollTop) el.scrollTop = y
    else if (y + rowPx > el.scrollTop + el.clientHeight) el.scrollTop = y + rowPx - el.clientHeight
    measure()
  }

  return { rows, from, to, onScroll: measure, reveal, spacePx: computed(() => total.value * rowPx) }
}
