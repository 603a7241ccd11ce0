// Selection is the spine of the UI: the capture on screen, the connection selected in it,
// the detail tab, and one position in that connection's bytes that every view shows (a
// selection in the hex view, a match of find, a turn clicked in the flow). A connection
// opens in the tab the person picked last (remembered in the settings); until they pick one,
// an HTTP connection opens in its HTTP tab and any other in the conversation.

import { defineStore } from 'pinia'
import { computed, nextTick, ref, shallowRef, watch } from 'vue'
import type { ConnectionSummary, Direction } from '../../../../shared/capture-types'
import { useConnectionsStore } from './connections-store'
import { useEngineStore } from '../../platform/engine-store'
import { useSettingsStore } from '../settings/settings-store'

export const DETAIL_TABS = ['conversation', 'hex', 'text', 'http', 'websocket', 'frames', 'messages', 'flow', 'replay', 'tls'] as const
export type DetailTab = (typeof DETAIL_TABS)[number]
const isDetailTab = (t: string | undefined): t is DetailTab => (DETAIL_TABS as readonly (string | undefined)[]).includes(t)

/**
 * The tab a connection opens in when the person has picked none: its protocol's own view for
 * HTTP, the Messages tab for a raw connection whose protocol (or framing) is known; undefined while decoding has not said what it carries (it runs a moment behind live traffic).
 */
export function openingTab(conn: ConnectionSummary): DetailTab | undefined {
  const protocol = conn.protocol?.protocol
  if (protocol === undefined || protocol === 'unknown') return undefined
  if (protocol === 'http1' || protocol === 'http2') return 'http'
  return conn.protocol?.carries !== undefined ? 'messages' : 'conversation'
}

/** A range of one direction's byte stream. */
export interface StreamRange {
  dir: Direction
  offset: number
  length: number
}

export const useSelectionStore = defineStore('selection', () => {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  const settings = useSettingsStore()
  const connId = ref<number>()
  const conn = shallowRef<ConnectionSummary>()
  /** The tab the person picked last (a click or a key on the tab bar, a number key); undefined: none yet. */
  const picked = computed(() => (isDetailTab(settings.detailTab) ? settings.detailTab : undefined))
  const shownTab = ref<DetailTab>(picked.value ?? 'conversation')
  /** The connection selected whose opening tab waits for its protocol; any tab shown first cancels it. */
  let opening: number | undefined
  /** The tab shown. Code that shows one (a link, a menu item) sets it; it is not remembered. */
  const tab = computed<DetailTab>({
    get: () => shownTab.value,
    set: (t) => {
      opening = undefined
      shownTab.value = t
    }
  })
  /** Which direction the byte views show. */
  const dir = ref<Direction>('client')
  const range = ref<StreamRange>()
  /** The HTTP exchange (its index on the connection) the HTTP view shows; undefined: the first. */
  const exchange = ref<number>()

  const capture = computed(() => list.capture)
  const captureInfo = computed(() => engine.captures.find((c) => c.id === list.capture))
  /** The summary asked for when the connection was selected, until it is in. */
  let loading: Promise<void> | undefined

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
    if (picked.value) tab.value = picked.value
    else opening = id
    loading = refreshConn()
  }

  /**
   * The selected connection's summary, waiting for it when the connection was selected a
   * moment ago: a click then a key (Ctrl+F, Enter) acts on the row clicked, not on nothing.
   */
  async function loadedConn(): Promise<ConnectionSummary | undefined> {
    const id = connId.value
    if (!conn.value && id !== undefined) await loading
    return connId.value === id ? conn.value : undefined
  }

  /** Shows a tab the person picked: each connection selected from now on opens in it. */
  function pickTab(t: DetailTab): void {
    tab.value = t
    settings.detailTab = t
  }

  /** Selects a connection and one of its HTTP exchanges, and shows it in the HTTP view. */
  function selectExchange(id: number, index: number): void {
    select(id)
    exchange.value = index
    tab.value = 'http'
  }

  /**
   * Selects a connection of any open capture: the capture is put on screen first (which
   * clears the selection), then the connection is selected in it, and the HTTP exchange
   * given. For links between connections: a replay to its source, and back.
   */
  async function showConnection(inCapture: string, id: number, exchangeIndex?: number): Promise<void> {
    if (list.capture !== inCapture) {
      list.capture = inCapture
      await nextTick()
    }
    select(id)
    if (exchangeIndex !== undefined) exchange.value = exchangeIndex
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
  watch(conn, (c) => {
    const t = c && c.id === opening ? openingTab(c) : undefined
    if (t) tab.value = t
  })
  // Decoding had not reached the connection when it was selected: its summary is asked for
  // again as decoding moves on, until it says what the connection carries.
  watch(
    () => captureInfo.value?.decoded,
    () => {
      if (opening !== undefined && opening === connId.value) void refreshConn()
    }
  )
  // The selected connection of a live capture changes as it runs.
  watch(
    () => engine.changedConns,
    (changed) => {
      if (connId.value !== undefined && list.capture === 'live' && changed.has(connId.value)) void refreshConn()
    }
  )

  return { connId, conn, tab, dir, range, exchange, capture, captureInfo, select, pickTab, selectExchange, showConnection, showRange, refreshConn, loadedConn }
})
