// Events the engine pushes to front ends. Data is announced, not shipped: a `conn-data`
// event says which bytes exist (offset, length, a short preview); the front end reads
// ranges with `conn.read` when it shows them.

import type { CaptureEvent, CaptureInfo, ConnectionSummary, Direction } from './capture-types'
import type { SessionInfo } from './session-types'

export interface ProxyInfo {
  id: string
  /** The real listening address (port 0 resolved), as `HOST:PORT` or a path. */
  listen: string
  target: string
  state: 'listening' | 'stopped'
  /** Connections accepted so far, and those still open. */
  accepted: number
  active: number
}

export type EngineEvent =
  /** First event for every subscriber: the state as it is now. */
  | {
      type: 'snapshot'
      proxies: ProxyInfo[]
      sessions: SessionInfo[]
      connections: ConnectionSummary[]
      capture: CaptureInfo
    }
  | { type: 'proxy-started'; proxy: ProxyInfo }
  | { type: 'proxy-stopped'; proxy: ProxyInfo }
  /** A session started, changed (clients, behaviour, state) or stopped. */
  | { type: 'session-updated'; session: SessionInfo }
  | { type: 'conn-opened'; conn: ConnectionSummary }
  /** Coalesced data of one direction: bytes [offset, offset + length) of that stream. */
  | { type: 'conn-data'; connId: number; dir: Direction; offset: number; length: number; preview: Uint8Array }
  /** A non-data event (connect, FIN, reset, error, close) and the connection's state after it. */
  | { type: 'conn-event'; event: CaptureEvent; conn: ConnectionSummary }
  | { type: 'capture-error'; message: string }
  /** Something went wrong that the user should hear about, but nothing stopped. */
  | { type: 'warning'; message: string }

/** Coalescing limits: a data event per direction at most every FLUSH_MS or FLUSH_BYTES. */
export const DATA_FLUSH_MS = 16
export const DATA_FLUSH_BYTES = 64 * 1024
export const DATA_PREVIEW_BYTES = 64
