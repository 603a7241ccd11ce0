// Selecting a connection of any open capture: the capture is put on screen first (which
// clears the selection), then the connection is selected in it. For links between
// connections: a replay to its source, and back.

import { nextTick } from 'vue'
import { useConnectionsStore } from '../stores/connections'
import { useSelectionStore } from '../stores/selection'

export function useShowConnection(): (capture: string, connId: number, exchange?: number) => Promise<void> {
  const list = useConnectionsStore()
  const selection = useSelectionStore()
  return async (capture, connId, exchange) => {
    if (list.capture !== capture) {
      list.capture = capture
      await nextTick()
    }
    selection.select(connId)
    if (exchange !== undefined) selection.exchange = exchange
  }
}
