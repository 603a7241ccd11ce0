// What a recorded server plays to each client that connects: turn by turn
// (recorded-turns.ts) or message by message (recorded-messages.ts).

import type { Socket } from 'node:net'
import type { RecordedClientReport } from '../../shared/replay-types'

export interface ClientScript {
  /** Turns, or client messages, played to each client. */
  readonly size: number
  /** By message: the framing the connection is cut with. */
  readonly framing?: string
  /** Plays to one client until it is gone; its report. Never throws (a failure is the report's error). */
  play(socket: Socket, name: string): Promise<RecordedClientReport>
  /** The report of a client that could not be played to (turned away, its TLS handshake failed). */
  refused(client: string, error: string): RecordedClientReport
}
