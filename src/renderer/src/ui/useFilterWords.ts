// The text of a list's filter box (the connections', the exchanges'): the engine filters, so
// the list's filter takes the text a moment after typing stops, not at every key; and a
// filter set elsewhere shows in the box.

import { onBeforeUnmount, ref, watch } from 'vue'

/** How long typing must stop before the engine is asked (ms). */
export const QUIET_MS = 150

export function useFilterWords(list: { filter: string }) {
  const text = ref(list.filter)
  let typing: ReturnType<typeof setTimeout> | undefined
  watch(text, (v) => {
    clearTimeout(typing)
    typing = setTimeout(() => (list.filter = v), QUIET_MS)
  })
  watch(
    () => list.filter,
    (v) => (text.value = v)
  )
  onBeforeUnmount(() => clearTimeout(typing))
  return text
}
