// The page's only door to the engine: a frame port on one channel. Calls, replies,
// cancellation and events all travel as envelope frames (src/shared/wire.ts), so the page
// can cancel a long command and gets its events in batches; the main process checks who
// sends every frame and validates every call against the contract. ipcRenderer itself
// never crosses the bridge, and neither does Electron's event object.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { FRAME_CHANNEL } from '../shared/transport'
import type { TcpscopeBridge } from './bridge'

const bridge: TcpscopeBridge = {
  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError('tcpscope.send takes a Uint8Array frame')
    ipcRenderer.send(FRAME_CHANNEL, frame)
  },
  onFrame(listener: (frame: Uint8Array) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('tcpscope.onFrame needs a function')
    const relay = (_event: IpcRendererEvent, frame: unknown): void => {
      if (frame instanceof Uint8Array) listener(frame)
    }
    ipcRenderer.on(FRAME_CHANNEL, relay)
    return () => {
      ipcRenderer.removeListener(FRAME_CHANNEL, relay)
    }
  }
}

contextBridge.exposeInMainWorld('tcpscope', bridge)
