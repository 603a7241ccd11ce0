// A window over a list too long for one scroll area. Browsers stop growing an element at
// about 33 million pixels (Chromium: 2^25), so a connection of a million events at 36 px
// each cannot be one virtualized list; and a virtualizer that measures its rows redoes
// its offsets over every row after the one measured (for 100,000 rows, a long task on
// each scroll). The view scrolls through a window of at most `size` rows that starts at
// `base`, and moves the window when asked for a row outside it (End, a located byte, the
// next row past its edge).

import { computed, ref, type Ref } from 'vue'

/** Rows of a fixed height: only the browser's limit counts. */
export const WINDOW_ROWS = 100_000
/** Rows measured as they are drawn: few enough that redoing their offsets is cheap. */
export const MEASURED_WINDOW_ROWS = 10_000

/** Where a window of `size` rows over `total` should start to hold row `index`, near its middle. */
export function windowStart(index: number, total: number, size = WINDOW_ROWS): number {
  if (total <= size) return 0
  return Math.max(0, Math.min(total - size, index - Math.floor(size / 2)))
}

export function rowWindow(total: Ref<number>, size = WINDOW_ROWS) {
  const base = ref(0)
  const count = computed(() => Math.max(0, Math.min(size, total.value - base.value)))
  /** The list is longer than one window. */
  const windowed = computed(() => total.value > size)

  /** Moves the window, if it must, so that it holds row `index`; true when it moved. */
  function hold(index: number): boolean {
    if (index >= base.value && index < base.value + count.value) return false
    base.value = windowStart(index, total.value, size)
    return true
  }

  /** Keeps a window that holds the end of the list holding it as the list grows. */
  function followEnd(): void {
    if (windowed.value) base.value = total.value - size
  }

  /** Moves by half a window toward the start (-1) or the end (+1). */
  function shift(sign: -1 | 1): void {
    base.value = Math.max(0, Math.min(Math.max(0, total.value - size), base.value + (sign * size) / 2))
  }

  return { base, count, windowed, hold, followEnd, shift }
}
