// How the page reaches the engine: the desktop app's preload frame port (window.tcpscope),
// or, in web mode, a WebSocket back to the server that served the page. Either way the
// stores get a Transport (src/shared/transport.ts) and never know which one it is.
//
// Web mode's token comes once, in the URL tcpscope printed. The page keeps it for this tab
// (sessionStorage: a reload still has it, another site or port never does), takes it out of
// the address bar (so it is in no bookmark, history entry or Referer), and offers it only
// on its own WebSocket, as a subprotocol (shared/web-mode.ts). No cookie carries it: a
// cookie for 127.0.0.1 would go to every local server on every port.

import { EngineClient } from '../../../shared/engine-client'
import type { FramePort, Transport } from '../../../shared/transport'
import { WS_PATH, webSocketProtocols } from '../../../shared/web-mode'

export type { Transport }

const TOKEN_KEY = 'tcpscope.token'

/** Web mode's token: from the address bar (then taken out of it), else from this tab's storage. */
function takeToken(): string | undefined {
  const url = new URL(location.href)
  const given = url.searchParams.get('token')
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given)
    url.searchParams.delete('token')
    history.replaceState(history.state, '', url.pathname + url.search + url.hash)
  }
  return given || sessionStorage.getItem(TOKEN_KEY) || undefined
}

/** The WebSocket of web mode, as a frame port; frames sent before it opens wait for it. */
function webSocketPort(token: string): FramePort {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const ws = new WebSocket(`${scheme}://${location.host}${WS_PATH}`, webSocketProtocols(token))
  ws.binaryType = 'arraybuffer'
  const waiting: Uint8Array[] = []
  let opened = false
  ws.addEventListener('open', () => {
    opened = true
    for (const f of waiting.splice(0)) ws.send(f as Uint8Array<ArrayBuffer>)
  })
  return {
    send(frame) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame as Uint8Array<ArrayBuffer>)
      else if (ws.readyState === WebSocket.CONNECTING) waiting.push(frame)
    },
    onFrame(listener) {
      const on = (e: MessageEvent): void => {
        if (e.data instanceof ArrayBuffer) listener(new Uint8Array(e.data))
      }
      ws.addEventListener('message', on)
      return () => ws.removeEventListener('message', on)
    },
    onClose(listener) {
      // A browser does not say why an upgrade was refused: a stale token and a stopped tcpscope look alike.
      const on = (e: CloseEvent): void =>
        listener(
          e.reason ||
            (!opened
              ? 'tcpscope refused this page or is not running; open the URL tcpscope printed when it started'
              : e.code === 1006
                ? 'the connection to tcpscope was lost'
                : `closed (${e.code})`)
        )
      ws.addEventListener('close', on)
      return () => ws.removeEventListener('close', on)
    }
  }
}

/**
 * The transport this page has: IPC inside the desktop app, else web mode's WebSocket;
 * undefined in web mode when the page was opened without its token.
 */
export function connectTransport(): Transport | undefined {
  if (window.tcpscope) return new EngineClient(window.tcpscope)
  const token = takeToken()
  return token === undefined ? undefined : new EngineClient(webSocketPort(token))
}
