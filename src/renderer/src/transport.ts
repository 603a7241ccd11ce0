// How the page reaches the engine: the desktop app's preload frame port (window.tcpscope),
// or, in web mode, a WebSocket back to the server that served the page. Either way the
// stores get a Transport (src/shared/transport.ts) and never know which one it is.

import { EngineClient } from '../../shared/engine-client'
import type { FramePort, Transport } from '../../shared/transport'

export type { Transport }

/** The WebSocket of web mode, as a frame port; frames sent before it opens wait for it. */
function webSocketPort(): FramePort {
  const token = new URLSearchParams(location.search).get('token')
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const ws = new WebSocket(`${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`)
  ws.binaryType = 'arraybuffer'
  const waiting: Uint8Array[] = []
  ws.addEventListener('open', () => {
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
      const on = (e: CloseEvent): void => listener(e.reason || (e.code === 1006 ? 'the connection to tcpscope was lost' : `closed (${e.code})`))
      ws.addEventListener('close', on)
      return () => ws.removeEventListener('close', on)
    }
  }
}

/** The transport this page has: IPC inside the desktop app, else web mode's WebSocket. */
export function connectTransport(): Transport {
  return new EngineClient(window.tcpscope ?? webSocketPort())
}
