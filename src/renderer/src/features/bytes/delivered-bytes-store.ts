// The byte views' "as sent / as delivered" (issue 44): the capture keeps what each side sent;
// where a traffic rule or the script changed what the receiver got, the engine makes the
// stream the receiver got (conn.delivered, conn.delivered.read). Here: which of the two the
// byte views show, the delivered maps of the connection on screen, both directions at once
// so a switch of direction has its map (read again while a live connection grows), and the
// byte views' own selection while they show it.
//
// The shared selection (selection-store) is in sent offsets, which other views (HTTP,
// messages, find) set and show: as delivered the byte views keep a selection of their own,
// in delivered offsets, and neither follow nor set the shared one. As sent, all is as before.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { Direction } from '../../../../shared/capture-types'
import type { DeliveredSpan, DeliveredStreamMap, StreamAs } from '../../../../shared/delivered-stream-types'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

export interface DeliveredRange {
  dir: Direction
  offset: number
  length: number
}

export const useDeliveredBytesStore = defineStore('deliveredBytes', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  /** What the user chose; shown as delivered only while the connection has rule records. */
  const chosen = ref<StreamAs>('sent')
  const maps = shallowRef<Record<Direction, DeliveredStreamMap>>()
  /** The map of the direction on screen. */
  const map = computed(() => maps.value?.[selection.dir])
  const error = shallowRef<string>()
  /** The byte views' selection as delivered (the shared one is in sent offsets). */
  const range = shallowRef<DeliveredRange>()

  /**
   * The maps read are of this connection and size: a live one is read again as it grows, and
   * when a rule's record comes with none of its bytes (a first change, a mock's answer).
   */
  const key = computed(() => {
    const c = selection.conn
    if (!c || c.id !== selection.connId) return undefined
    const changed = `${c.changed?.rule ? 'r' : ''}${c.changed?.breakpoint ? 'b' : ''}${c.answered ?? 0}`
    return `${selection.capture}\u0000${c.id}\u0000${c.bytes.client}\u0000${c.bytes.server}\u0000${c.end}\u0000${changed}`
  })
  /** The connection part of a key: maps read for it stand until another connection is on screen. */
  const streamOf = (k: string | undefined): string | undefined => k?.split('\u0000').slice(0, 2).join('\u0000')
  let busy = false
  let again = false
  /** Reads the map for the key on screen, one read at a time; a change meanwhile reads once more. */
  async function refresh(): Promise<void> {
    if (busy) return void (again = true)
    busy = true
    try {
      do {
        again = false
        const k = key.value
        if (k === undefined) break
        const [capture, id] = k.split('\u0000')
        const connId = Number(id)
        try {
          const [client, server] = await Promise.all([engine.call('conn.delivered', { capture, connId, dir: 'client' }), engine.call('conn.delivered', { capture, connId, dir: 'server' })])
          if (streamOf(key.value) === streamOf(k)) {
            maps.value = { client, server }
            error.value = undefined
          }
        } catch (err) {
          if (streamOf(key.value) === streamOf(k)) error.value = err instanceof Error ? err.message : String(err)
        }
      } while (again)
    } finally {
      busy = false
    }
  }
  watch(
    key,
    (k, before) => {
      if (streamOf(k) !== streamOf(before)) {
        maps.value = undefined
        error.value = undefined
        range.value = undefined
      }
      void refresh()
    },
    { immediate: true }
  )
  // Another connection starts as sent.
  watch([() => selection.capture, () => selection.connId], () => (chosen.value = 'sent'))

  /** The connection has rule records: the switch is offered. */
  const offered = computed(() => (map.value?.records ?? 0) > 0)
  const shownAs = computed<StreamAs>(() => (offered.value ? chosen.value : 'sent'))

  /** The spans of the delivered stream on screen that a rule changed (size 0: removed, not drawn). */
  const spans = computed<readonly DeliveredSpan[]>(() => (shownAs.value === 'delivered' ? (map.value?.spans ?? []) : []))

  return { chosen, maps, map, error, range, offered, shownAs, spans }
})
