// How a front end reaches the engine, whichever way it is carried: Electron IPC (the
// preload's frame port) or web mode's WebSocket. The renderer is given a Transport at start
// and never knows which one it has.

import type { CallContext, CommandArgs, CommandName, CommandResult } from './contract'
import type { FrontEvent } from './events'

/** A command's arguments, then the call's options; both may be left out for a command without arguments. */
export type CallParams<K extends CommandName> = CommandArgs<K> extends void ? [args?: undefined, opts?: CallContext] : [args: CommandArgs<K>, opts?: CallContext]

export interface Transport {
  /** Runs a command; rejects with an EngineError carrying the engine's code and one-line message. */
  call<K extends CommandName>(cmd: K, ...params: CallParams<K>): Promise<CommandResult<K>>
  /** A snapshot first, then batches; returns the unsubscribe. */
  onEvent(listener: (event: FrontEvent) => void): () => void
  /** Called once if the transport goes away (the engine stopped, the socket closed). */
  onClose(listener: (reason: string) => void): () => void
}

/** A duplex pipe of frames (wire.ts): what a transport needs from IPC or a WebSocket. */
export interface FramePort {
  send(frame: Uint8Array): void
  onFrame(listener: (frame: Uint8Array) => void): () => void
  onClose?(listener: (reason: string) => void): () => void
}

/** The one IPC channel frames travel on, both ways. */
export const FRAME_CHANNEL = 'tcpscope.frame'
