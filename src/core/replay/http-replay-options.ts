// What an HTTP replay is asked (target, fitting, timeouts, repeats, an edited request, the
// headers not counted) and which captured exchange it replays: shared by HTTP/1's replay
// (http-replay.ts) and HTTP/2's (h2-replay.ts), which each send their own way.

import type { Endpoint } from '../../shared/endpoint'
import type { HttpReplayResult } from '../../shared/replay-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { TlsConnect } from '../net/target/connect-target'
import type { ReplayRecording } from './raw-replay'

export interface HttpReplayOptions {
  target: Endpoint
  /** Set Content-Length to the body's length and Host to the target; off: byte-exact. */
  fixLength?: boolean
  /** How long to wait for the whole response (default 2 s). */
  timeoutMs?: number
  connectTimeoutMs?: number
  /** Send it this many times (default 1), at most `concurrency` at once (default 1). */
  count?: number
  concurrency?: number
  /** Send these bytes (an edited copy) instead of the captured request. */
  request?: Uint8Array
  /** Response headers whose differences are not counted (Date, Age, Expires and the framing headers never are). */
  ignoreHeaders?: string[]
  signal?: AbortSignal
  record?: ReplayRecording
  /** Over TLS (replay-tls.ts): each request's connection. */
  tls?: TlsConnect
}

/** The captured exchange a request replays: where its body's bytes are read from, and what its result names. */
export interface ReplayedExchange {
  view: CaptureView
  connId: number
  exchange: number
}

/** What a result says it replayed: the captured exchange, when there is one. */
export const sourceOf = (p: { source?: ReplayedExchange }): Pick<HttpReplayResult, 'source'> =>
  p.source === undefined ? {} : { source: { connId: p.source.connId, exchange: p.source.exchange } }
