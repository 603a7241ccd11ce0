// Which of the selected connection's views (detail tabs) are offered, and the person picking
// one: the tab bar and the number keys pick alike, neither picks a view that is not offered,
// and the tab picked is the one the next connection opens in (selection-store.ts).

import { computed } from 'vue'
import { useHttpStore } from '../http/http-store'
import { useSelectionStore, type DetailTab } from '../connections/selection-store'
import { lockOfConn } from '../tls/tls-facts'

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
    // TLS facts are known from the summary alone: the tab is for connections that had TLS.
    if (tab === 'tls') return !conn || lockOfConn(conn) !== undefined
    if (!conn || protocol.value === undefined || protocol.value === 'unknown') return true
    if (conn.protocol?.problem && tab === 'http') return true
    if (tab === 'http') return protocol.value === 'http1' || protocol.value === 'websocket' || protocol.value === 'http2'
    if (tab === 'websocket') return protocol.value === 'websocket'
    if (tab === 'frames') return protocol.value === 'http2'
    // Any raw connection can be decoded as something (its tab says how); others once a framing is chosen.
    if (tab === 'messages') return protocol.value === 'raw' || conn.protocol?.carries !== undefined
    return true
  }

  /** Shows `tab`, picked by the person, if it is offered; true if it is. */
  function pick(tab: DetailTab): boolean {
    if (!offered(tab)) return false
    selection.pickTab(tab)
    return true
  }

  return { offered, pick }
}
