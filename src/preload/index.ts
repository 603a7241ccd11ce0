// The page's only door to the engine: one function per contract command, each an invoke on
// the channel of the same name, and onEvent. ipcRenderer itself never crosses the bridge,
// and neither does Electron's event object.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { CommandReply } from '../shared/contract'
import { commandNames, EVENT_CHANNEL, type CommandName, type EngineApi, type EngineEvent } from '../shared/contract'
import type { TcpscopeBridge } from './bridge'

async function invoke(name: CommandName, arg: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(name, arg)) as CommandReply<unknown>
  if (reply.ok) return reply.value
  throw new Error(reply.error)
}

function onEvent(listener: (event: EngineEvent) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function')
  const relay = (_event: IpcRendererEvent, engineEvent: EngineEvent): void => listener(engineEvent)
  ipcRenderer.on(EVENT_CHANNEL, relay)
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, relay)
  }
}

function buildBridge(): TcpscopeBridge {
  // Only the first argument is forwarded: every command takes at most one, and the main
  // process validates it against the contract anyway.
  const commands = Object.fromEntries(commandNames.map((name) => [name, (arg?: unknown) => invoke(name, arg)]))
  return { ...(commands as EngineApi), onEvent }
}

contextBridge.exposeInMainWorld('tcpscope', buildBridge())
