// A note that says an action went as asked goes by itself after NOTE_MS; a warning (a
// failure) stays until dismissed. While it is being read (pointed at or focused) it stays,
// and once let go it has its whole time again. Shared by the stores that keep such notes
// (the setups bar, how a long operation ended).

import { watch, type Ref } from 'vue'

/** How long a confirmation ("Saved as …", "Exported …") stays on screen. */
export const NOTE_MS = 10_000

export function fadingNote<N>(note: Ref<N | undefined>, isWarning: (n: N) => boolean): { hold: (held: boolean) => void } {
  let timer: ReturnType<typeof setTimeout> | undefined
  let held = false
  function life(): void {
    clearTimeout(timer)
    timer = undefined
    const n = note.value
    if (n !== undefined && !isWarning(n) && !held) timer = setTimeout(() => note.value === n && (note.value = undefined), NOTE_MS)
  }
  watch(note, life, { flush: 'sync' })
  return {
    hold(h) {
      if (h === held) return
      held = h
      life()
    }
  }
}
