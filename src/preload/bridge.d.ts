// The object the preload exposes to the page as `window.tcpscope`: the engine API of the
// contract plus event subscription. Types only, shared by preload and renderer.

import type { EngineApi, EngineEvent } from '../shared/contract'

export type TcpscopeBridge = EngineApi & {
  /**
   * Calls `listener` with each engine event from now on; returns the unsubscribe. The main
   * process sends a `snapshot` when the page has loaded, so subscribe while starting up.
   */
  onEvent(listener: (event: EngineEvent) => void): () => void
}
