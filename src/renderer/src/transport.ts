// How the renderer reaches the engine. Stores depend on this interface only, so the same
// UI runs over Electron IPC (the preload's window.tcpscope) or, in web mode, a WebSocket.

import type { TcpscopeBridge } from '../../preload/bridge'

/** Every contract command as an async function, plus engine events. */
export type Transport = TcpscopeBridge

/** The Electron transport, when the page runs inside the desktop app. */
export function ipcTransport(): Transport | undefined {
  return window.tcpscope
}
