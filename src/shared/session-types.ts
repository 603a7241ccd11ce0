// Ad-hoc sessions opened by hand: a TCP server that shows what connects to it and can
// answer automatically, and a TCP client that pokes a server. Their connections are
// recorded in the capture like proxy connections.

import { arr, bool, int, obj, oneOf, optional, str, type Infer } from './schema'
import { payloadSpec } from './payload/payload-spec'
import { ENCODINGS } from './text-encodings'
import { tlsConnectOptions, tlsListenOptions } from './tls-args'
import { frameText } from './message-args'
import { MAX_CONN_ID, MAX_CONNECT_TIMEOUT_MS, MAX_INTERVAL_MS, MAX_TIMER_MS } from './limits'

export const MATCH_MODES = ['exact', 'contains', 'starts', 'ends', 'regex'] as const
export type MatchMode = (typeof MATCH_MODES)[number]

export const replyRule = obj({
  match: oneOf(MATCH_MODES),
  /** Text (in `encoding`, escapes allowed) or hex, per `format`; a regex source for `regex`. */
  pattern: str({ max: 65536 }),
  format: optional(oneOf(['text', 'hex'] as const)),
  /** How received bytes are decoded for text and regex matching (default utf8). */
  encoding: optional(oneOf(ENCODINGS)),
  /** The reply; for text replies, `$1`.. `$9` and `$&` take the regex match's groups. */
  reply: payloadSpec
})
export type ReplyRule = Infer<typeof replyRule>

export const httpResponse = obj({
  status: int({ min: 100, max: 999 }),
  /** `Name: value` lines; Content-Length is always computed from the body's bytes. */
  headers: optional(arr(str({ max: 8192 }), { max: 200 })),
  body: optional(payloadSpec)
})
export type HttpResponseSpec = Infer<typeof httpResponse>

export const intervalSend = obj({
  everyMs: int({ min: 1, max: MAX_INTERVAL_MS }),
  /** Stop after this many sends (default: until the connection closes). */
  count: optional(int({ min: 1 })),
  payload: payloadSpec
})
export type IntervalSend = Infer<typeof intervalSend>

/** How a server session answers; each part can be switched while it runs. */
export const serverBehaviour = obj({
  echo: optional(bool()),
  /** First matching rule wins; checked on each received chunk. */
  rules: optional(arr(replyRule, { max: 1000 })),
  /** Answer each HTTP request (keep-alive aware) with this response. */
  http: optional(httpResponse),
  /** Send to every client on a timer. */
  interval: optional(intervalSend)
})
export type ServerBehaviour = Infer<typeof serverBehaviour>

export const serverStartArgs = obj({
  listen: str({ nonEmpty: true, max: 4096 }),
  /** Keep our side open after a client sends FIN (default false: answer its FIN with ours, as net.createServer does). */
  allowHalfOpen: optional(bool()),
  /** Accept clients paused: nothing is read until `conn.resume`. */
  pauseOnConnect: optional(bool()),
  /** How its connections are cut into messages (`--frame`); default: recognised from their bytes or port. */
  frame: optional(frameText),
  maxConnections: optional(int({ min: 1 })),
  /** Close a client that has been idle this long. */
  idleTimeoutMs: optional(int({ min: 1, max: MAX_TIMER_MS })),
  backlog: optional(int({ min: 1, max: 65535 })),
  behaviour: optional(serverBehaviour),
  /** Listen with TLS: a leaf from tcpscope's CA for `name`, or the cert and key given. */
  tls: optional(tlsListenOptions)
})
export type ServerStartArgs = Infer<typeof serverStartArgs>

export const clientConnectArgs = obj({
  target: str({ nonEmpty: true, max: 4096 }),
  localAddress: optional(str({ max: 256 })),
  localPort: optional(int({ min: 0, max: 65535 })),
  family: optional(oneOf(['4', '6'] as const)),
  connectTimeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** How its connection is cut into messages (`--frame`); default: recognised from its bytes or port. */
  frame: optional(frameText),
  keepAlive: optional(bool()),
  keepAliveInitialDelayMs: optional(int({ min: 0, max: MAX_TIMER_MS })),
  noDelay: optional(bool()),
  /** Close when nothing was sent or received for this long (a `timeout` event is recorded). */
  idleTimeoutMs: optional(int({ min: 1, max: MAX_TIMER_MS })),
  interval: optional(intervalSend),
  /** Connect with TLS (verification on unless `verify: false`). */
  tls: optional(tlsConnectOptions)
})
export type ClientConnectArgs = Infer<typeof clientConnectArgs>

export const expectArgs = obj({
  connId: int({ min: 1, max: MAX_CONN_ID }),
  /** A regular expression matched against what the peer sent, decoded as `encoding`. */
  pattern: str({ max: 65536 }),
  encoding: optional(oneOf(ENCODINGS)),
  /** Where in the peer's byte stream to start looking (default: what arrives from now on). */
  fromOffset: optional(int({ min: 0 })),
  timeoutMs: int({ min: 1, max: MAX_INTERVAL_MS })
})
export type ExpectArgs = Infer<typeof expectArgs>

export interface ExpectResult {
  matched: boolean
  /** The matched text and its groups. */
  match?: string
  groups?: string[]
}

export const sequenceArgs = obj({
  connId: int({ min: 1, max: MAX_CONN_ID }),
  steps: arr(
    obj({
      payload: payloadSpec,
      /** Wait for a reply matching this regex before the next step. */
      expect: optional(str({ max: 65536 })),
      timeoutMs: optional(int({ min: 1, max: MAX_INTERVAL_MS }))
    }),
    { max: 10_000 }
  )
})

export interface SequenceResult {
  /** One per step run; the sequence stops at the first step whose reply did not come. */
  steps: Array<{ sent: number; matched?: boolean; match?: string }>
  completed: boolean
}

export interface ServerSessionInfo {
  id: string
  kind: 'server'
  listen: string
  state: 'listening' | 'stopped'
  /** Open client connections (capture connection ids), and which of them are paused. */
  clients: number[]
  paused: number[]
  accepted: number
  /** Clients turned away: over maxConnections, or with the process out of file descriptors. */
  refused: number
  behaviour: ServerBehaviour
  /** Clients with an interval send started by hand on that one connection (conn.interval). */
  intervals: number[]
  /** The interval send to every client started by hand (server.interval), apart from the behaviour's. */
  intervalAll?: { everyMs: number; count?: number }
  /** It answers clients in TLS. */
  tls?: boolean
}

export interface ClientSessionInfo {
  id: string
  kind: 'client'
  target: string
  state: 'connecting' | 'open' | 'closed'
  /** The capture connection of the current (or last) attempt. */
  connId?: number
  /** The connection, while an interval send started by hand on it runs (conn.interval). */
  intervals: number[]
  error?: string
  /** It connects with TLS. */
  tls?: boolean
}

export type SessionInfo = ServerSessionInfo | ClientSessionInfo
