// Which of the selected connection's views (detail tabs) are offered, and choosing one: the
// tab bar and the number keys choose alike, and neither chooses a view that is not offered.

import { computed } from 'vue'
import { useHttpStore } from '../stores/http'
import { useSelectionStore, type DetailTab } from '../stores/selection'

export function useDetailTabs() {
  const selection = useSelectionStore()
  const http = useHttpStore()
  /** What the HTTP view read last is fresher than the connection's summary, fetched when it was chosen. */
  const protocol = computed(() => http.protocol ?? selection.conn?.protocol?.protocol)

  /**
   * The protocol views are for connections that carry their protocol; while it is not known
   * yet, or decoding met a problem (which the HTTP view shows), they stay offered.
   */
  function offered(tab: DetailTab): boolean {
    const conn = selection.conn
    if (!conn || protocol.value === undefined || protocol.value === 'unknown') return true
    if (conn.protocol?.problem && tab === 'http') return true
    if (tab === 'http') return protocol.value === 'http1' || protocol.value === 'websocket'
    if (tab === 'websocket') return protocol.value === 'websocket'
    return true
  }

  /** Shows `tab` if it is offered; true if it is. */
  function select(tab: DetailTab): boolean {
    if (!offered(tab)) return false
    selection.tab = tab
    return true
  }

  return { offered, select }
}
