// Selection is the spine of the UI: the capture on screen, the connection selected in it,
// the detail tab, and one position in that connection's bytes that every view shows (a
// selection in the hex view, a match of find, a turn clicked in the flow).

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ConnectionSummary, Direction } from '../../../shared/capture-types'
import { useConnectionsStore } from './connections'
import { useEngineStore } from './engine'

export const DETAIL_TABS = ['conversation', 'hex', 'text', 'http', 'websocket', 'flow', 'replay'] as const
export type DetailTab = (typeof DETAIL_TABS)[number]

/** A range of one direction's byte stream. */
export interface StreamRange {
  dir: Direction
  offset: number
  length: number
}

export const useSelectionStore = defineStore('selection', () => {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  const connId = ref<number>()
  const conn = shallowRef<ConnectionSummary>()
  const tab = ref<DetailTab>('conversation')
  /** Which direction the byte views show. */
  const dir = ref<Direction>('client')
  const range = ref<StreamRange>()
  /** The HTTP exchange (its index on the connection) the HTTP view shows; undefined: the first. */
  const exchange = ref<number>()

  const capture = computed(() => list.capture)
  const captureInfo = computed(() => engine.captures.find((c) => c.id === list.capture))

  async function refreshConn(): Promise<void> {
    const id = connId.value
    const t = engine.transport
    if (id === undefined || !t) return
    try {
      const [c] = await t.call('conn.get', { capture: list.capture, ids: [id] })
      if (connId.value === id) conn.value = c
    } catch {
      // The capture went away; the list says so.
    }
  }

  function select(id: number | undefined): void {
    if (id === connId.value) return
    connId.value = id
    conn.value = undefined
    range.value = undefined
    exchange.value = undefined
    void refreshConn()
  }

  /** Selects a connection and one of its HTTP exchanges, and shows it in the HTTP view. */
  function selectExchange(id: number, index: number): void {
    select(id)
    exchange.value = index
    tab.value = 'http'
  }

  /** Shows a byte range in every view (and switches the views to its direction). */
  function showRange(r: StreamRange): void {
    dir.value = r.dir
    range.value = r
  }

  watch(
    () => list.capture,
    () => select(undefined)
  )
  // The selected connection of a live capture changes as it runs.
  watch(
    () => engine.changedConns,
    (changed) => {
      if (connId.value !== undefined && list.capture === 'live' && changed.has(connId.value)) void refreshConn()
    }
  )

  return { connId, conn, tab, dir, range, exchange, capture, captureInfo, select, selectExchange, showRange, refreshConn }
})
