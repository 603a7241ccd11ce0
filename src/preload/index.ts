// The page's only doors out: a frame port on one channel to the engine, and the desktop
// shell's typed messages (menu commands in, menu state and file dialogs out). Calls,
// replies, cancellation and events all travel as envelope frames (src/shared/wire.ts); the
// main process checks who sends every message and validates it against the contract or
// the shell's schemas. ipcRenderer itself never crosses the bridge, and neither does
// Electron's event object.

import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { SHELL_COMMAND_CHANNEL, SHELL_DIALOG_CHANNEL, SHELL_STATE_CHANNEL, type ShellCommand } from '../shared/shell'
import { FRAME_CHANNEL } from '../shared/transport'
import type { TcpscopeBridge } from './bridge'

/** Subscribes to one channel from main, handing the listener the message only. */
function relay<T>(channel: string, accept: (message: unknown) => message is T, listener: (message: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('tcpscope: a listener must be a function')
  const on = (_event: IpcRendererEvent, message: unknown): void => {
    if (accept(message)) listener(message)
  }
  ipcRenderer.on(channel, on)
  return () => {
    ipcRenderer.removeListener(channel, on)
  }
}

const isBytes = (m: unknown): m is Uint8Array => m instanceof Uint8Array
const isShellCommand = (m: unknown): m is ShellCommand => typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string'

const bridge: TcpscopeBridge = {
  send(frame: Uint8Array): void {
    if (!(frame instanceof Uint8Array)) throw new TypeError('tcpscope.send takes a Uint8Array frame')
    ipcRenderer.send(FRAME_CHANNEL, frame)
  },
  onFrame: (listener) => relay(FRAME_CHANNEL, isBytes, listener),
  onShellCommand: (listener) => relay(SHELL_COMMAND_CHANNEL, isShellCommand, listener),
  // Arguments reach here already copied out of the page's world by the context bridge; main validates them.
  setShellState: (state) => ipcRenderer.send(SHELL_STATE_CHANNEL, state),
  chooseFile: (request) => ipcRenderer.invoke(SHELL_DIALOG_CHANNEL, request) as Promise<string | null>,
  pathForFile: (file) => webUtils.getPathForFile(file)
}

contextBridge.exposeInMainWorld('tcpscope', bridge)
