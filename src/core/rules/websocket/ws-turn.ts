// What a WebSocket message's steps and the script's onMessage read and use of the side the
// message came from (ws-relay.ts): its direction and port (for records), the connection's
// delay and state, and how a frame toward its receiver is made.

import type { Direction } from '../../../shared/direction'
import type { StagePort } from '../../proxy/forward-stage'
import type { ScriptHost } from '../script/script-host'

/** Where a message acted on starts in its sender's stream, its size as sent, and its summary. */
export type WsAt = { offset: number; size: number; summary: string }

export interface WsTurnSide {
  readonly dir: Direction
  /** The sender's stage port: records go in the sender's direction. */
  readonly port: StagePort | undefined
  readonly closed: boolean
  readonly connId: number
  readonly script: ScriptHost | undefined
  readonly baseDir: string | undefined
  sleep(ms: number): Promise<void>
  /** A whole frame toward this side's receiver (masked toward the target). */
  frame(opcode: number, payload: Uint8Array): Buffer
}
