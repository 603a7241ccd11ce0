// Follow the end of a growing list while the user is there, as a terminal does: scrolling up
// stops it, coming back to the end starts it again, and growth alone never stops it, however
// fast rows come. Shared by every virtualized list that grows live (connections, timeline,
// conversation, flow).

import type { Virtualizer } from '@tanstack/vue-virtual'
import { ref, watch, type Ref } from 'vue'

export interface FollowEndOptions {
  /** The scroll area the virtualizer scrolls. */
  scroller: Ref<HTMLElement | null | undefined>
  /** How many pixels short of the end still count as at it. */
  margin: number
  /** Whether a new list (its first answer after `restart`, or growth from empty) opens at its end. */
  opensAtEnd?: () => boolean
  /** Moves to the end; by default the scroller is put past its end (the browser stops at the last row). */
  scrollToEnd?: () => void | Promise<void>
}

export function useFollowEnd(virtualizer: Ref<Virtualizer<HTMLElement, Element>>, total: () => number, opts: FollowEndOptions) {
  const { scroller, margin } = opts
  const opensAtEnd = opts.opensAtEnd ?? (() => false)
  const scrollToEnd =
    opts.scrollToEnd ??
    (() => {
      if (scroller.value) scroller.value.scrollTop = virtualizer.value.getTotalSize()
    })
  const atEnd = ref(true)
  let lastTop = 0
  // Where the list is, as the virtualizer read it for its own use: reading the scroller here
  // would force a second layout in every frame of a scroll.
  watch(
    () => virtualizer.value.getVirtualItems(),
    () => {
      const v = virtualizer.value
      const top = v.scrollOffset ?? 0
      if (top + (v.scrollRect?.height ?? 0) >= v.getTotalSize() - margin) atEnd.value = true
      else if (top < lastTop - 1) atEnd.value = false
      lastTop = top
    }
  )

  let firstAnswer = false
  /** A new list (another capture, filter or order): it opens at its top, or at its end when it `opensAtEnd`. */
  function restart(): void {
    firstAnswer = true
    atEnd.value = opensAtEnd()
    lastTop = 0
    if (scroller.value) scroller.value.scrollTop = 0
  }

  let followPending = false
  watch(total, (now, before) => {
    const first = firstAnswer || before === 0
    firstAnswer = false
    if (now > 0 && (first ? opensAtEnd() : now > before && atEnd.value) && !followPending) {
      // Right after this frame is painted, when the page's layout is the one just painted and
      // nothing has changed it yet: moving the scroller then costs no layout of its own (done
      // now, or in the next frame's callbacks after its scroll events, it would force one at
      // every batch).
      followPending = true
      setTimeout(() => {
        void Promise.resolve(scrollToEnd()).finally(() => (followPending = false))
      })
    }
  })

  return { atEnd, restart }
}
