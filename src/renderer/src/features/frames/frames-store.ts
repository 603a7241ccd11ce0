// What the Frames view shows of the selected HTTP/2 connection: its frames as on the wire
// (h2.frames), paged as they come on screen, all of them or one stream's, with the problems
// decoding met. The stream filter is kept while the connection stays selected, so the HTTP
// tab can send the reader to an exchange's frames. A live connection's list is read again
// when the engine says it changed.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { DecodeProblem, H2Frame } from '../../../../shared/protocol-types'
import { pagedList, type PagedList } from '../../ui/list/paged-list'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** Frames a page holds (the contract allows up to MAX_DECODED_PAGE): each page is a read of the connection, so fewer, larger ones. */
export const FRAME_PAGE = 500
const PAGES_KEPT = 6

export const useFramesStore = defineStore('frames', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  /** The connection the list belongs to (`capture:id`), so an answer for another is dropped. */
  const key = computed(() => (selection.connId === undefined ? undefined : `${selection.capture}:${selection.connId}`))
  /** Only this stream's frames (0: the connection's own); undefined: every frame. */
  const stream = ref<number>()
  const list = shallowRef<PagedList<H2Frame>>()
  const problems = shallowRef<DecodeProblem[]>([])
  /** The frame chosen: its index among the connection's frames. */
  const chosen = ref<number>()

  /** The list for the connection and stream filter now, made when first shown. */
  function open(): PagedList<H2Frame> | undefined {
    if (key.value === undefined) return undefined
    if (!list.value) {
      const at = key.value
      const where = { capture: selection.capture, connId: selection.connId!, ...(stream.value !== undefined ? { stream: stream.value } : {}) }
      list.value = pagedList<H2Frame>(
        async (from, limit, signal) => {
          const page = await engine.call('h2.frames', { ...where, from, limit }, { signal })
          if (key.value === at) problems.value = page.problems
          return { total: page.total, items: page.frames }
        },
        { pageSize: FRAME_PAGE, maxPages: PAGES_KEPT }
      )
    }
    return list.value
  }

  /** Shows one stream's frames (undefined: all). */
  function filterStream(s: number | undefined): void {
    if (s === stream.value && list.value) return
    stream.value = s
    list.value = undefined
  }

  /** Chooses a frame: its bytes, header and payload, are shown in every byte view. */
  function choose(f: H2Frame): void {
    chosen.value = f.index
    selection.showRange({ dir: f.range.dir, offset: f.range.offset, length: f.range.length })
  }

  watch(key, () => {
    list.value = undefined
    problems.value = []
    stream.value = undefined
    chosen.value = undefined
  })
  watch(
    () => engine.changedConns,
    (changed) => {
      if (selection.capture === 'live' && selection.connId !== undefined && changed.has(selection.connId)) void list.value?.refresh()
    }
  )

  return { stream, list, problems, chosen, open, filterStream, choose }
})
