// What a STARTTLS opening tells the proxy as it relays each chunk of the cleartext before
// the switch. One module per protocol (postgres.ts, mail.ts, mysql.ts) follows its opening
// and answers every chunk with a Step; the dispatcher (starttls-watch.ts) picks the module
// from the first bytes and bounds the look.

import type { Direction } from '../../../shared/direction'
import type { StartTlsProtocol } from '../../../shared/tls-types'

export type Step =
  /** Relay this chunk and go on looking. */
  | { kind: 'watch' }
  /** Relay this chunk; nothing will switch (the opening was declined, or is no opening): plain forwarding from now. `note`: why, worth recording. */
  | { kind: 'over'; note?: string }
  /** Relay this chunk: it ends the opening, and TLS starts on both legs after it. */
  | { kind: 'switch' }
  /** Do not relay this chunk: tcpscope answers the client with `bytes` itself (a PostgreSQL GSSENCRequest refused), and looks on. */
  | { kind: 'answer'; bytes: Buffer; message: string }
  /** `dir` broke the opening's rules (bytes pipelined after a switch, a hostile answer): close the connection, recording `message`. */
  | { kind: 'bad'; dir: Direction; message: string }

/** One protocol's opening, followed chunk by chunk in the order the proxy reads them. */
export interface Opening {
  readonly protocol: StartTlsProtocol
  /** A request to switch was sent on, and its answer has not come yet. */
  readonly waiting: boolean
  see(dir: Direction, chunk: Buffer): Step
}

/** How the proxy runs: intercepting (`--tls-listen`, tcpscope answers what it must itself) or passing through untouched. */
export interface OpeningMode {
  intercept: boolean
}

export const WATCH: Step = { kind: 'watch' }
export const OVER: Step = { kind: 'over' }
export const SWITCH: Step = { kind: 'switch' }

/** `chunk` must end where the opening's last message ends: anything after it would be read as TLS by one side and as cleartext by the other. */
export function switchAt(dir: Direction, chunk: Buffer, end: number, who: string): Step {
  if (end === chunk.length) return SWITCH
  return { kind: 'bad', dir, message: `${who} sent ${chunk.length - end} byte(s) after the switch to TLS, before its handshake: closed (bytes pipelined across STARTTLS would be read in the clear by one side)` }
}
