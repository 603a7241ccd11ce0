// The replay commands' argument schemas (contract.ts lists the commands).

import { arr, bool, bytes, int, num, obj, oneOf, optional, str, ValidationError, type Schema } from './schema'
import { MAX_EDITED_REQUEST, MAX_EDITED_TURNS, MAX_SEQUENCE_REQUESTS, REPLAY_STRATEGIES } from './replay-types'
import { MAX_CONNECT_TIMEOUT_MS } from './limits'
import { captureId, connId } from './arg-ids'
import { EXPORT_AS } from './export-args'
import { replayTlsOptions } from './tls-args'

/**
 * Record the replay's connections in the live capture, each linked to what it replays
 * (default true); false: the answers only (the CLI's replay of a file, whose capture goes).
 */
const record = optional(bool())

/** Response header names a comparison does not count (any case). */
const ignoredHeaders = arr(str({ nonEmpty: true, max: 256 }), { max: 256 })

/** TLS toward the target over what the connection recorded (tls-args.ts replayTlsOptions). */
const tls = optional(replayTlsOptions)

export const replayRawArgs = obj({
  capture: captureId,
  connId,
  /** `HOST:PORT` or a Unix socket path; default: the connection's own target. */
  target: optional(str({ nonEmpty: true, max: 4096 })),
  strategy: oneOf(REPLAY_STRATEGIES),
  /** How long to wait for each answer (`turns`) and for the last one (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** Client turns to send differently: turn `turn` (its index in RawReplayResult.turns) sends `bytes` instead of what was recorded. */
  edits: optional(arr(obj({ turn: int({ min: 0 }), bytes: bytes({ max: MAX_EDITED_REQUEST }) }), { max: MAX_EDITED_TURNS })),
  tls,
  record
})

export const replayMessagesArgs = obj({
  capture: captureId,
  connId,
  target: optional(str({ nonEmpty: true, max: 4096 })),
  /** How long to wait for each message's answers (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** Cut the connection this way (`--frame`); default: as its Messages list cuts it. */
  frame: optional(str({ nonEmpty: true, max: 256 })),
  /** Client messages to send differently: message `message` (its index in the connection's messages, from 0) sends `bytes`, its lengths refit by the framing unless `fixLength` is false. */
  edits: optional(arr(obj({ message: int({ min: 0 }), bytes: bytes({ max: MAX_EDITED_REQUEST }) }), { max: MAX_EDITED_TURNS })),
  fixLength: optional(bool()),
  tls,
  record
})

export const replayServeArgs = obj({
  capture: captureId,
  connId,
  /** `[HOST:]PORT` or a Unix socket path to listen on; the recorded server plays the connection to every client. */
  listen: str({ nonEmpty: true, max: 4096 }),
  /** How long to wait for a client turn before answering anyway (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** true: answer clients in TLS (a leaf from tcpscope's CA) even for a connection recorded as plain; false: plain even for one whose client spoke TLS. */
  tls: optional(bool()),
  /** Answer message by message: each client message (cut as the connection's Messages list cuts it, or by `frame`) with the server messages recorded for it. */
  byMessage: optional(bool()),
  /** With byMessage: cut the connection this way (`--frame`). */
  frame: optional(str({ nonEmpty: true, max: 256 }))
})

export const replayStopArgs = obj({ id: str({ nonEmpty: true, max: 64 }) })

/** The most times one HTTP request is sent by one replay.http, and at once. */
export const MAX_HTTP_REPLAY_COUNT = 1_000_000
export const MAX_HTTP_REPLAY_CONCURRENCY = 1024

export const replayHttpArgs = obj({
  capture: captureId,
  connId,
  /** The exchange's index on the connection, from 0. */
  exchange: int({ min: 0 }),
  /** `HOST:PORT` or a Unix socket path; default: the connection's own target. */
  target: optional(str({ nonEmpty: true, max: 4096 })),
  /** Set Content-Length to the body's length and Host to the target; off: the request byte for byte. */
  fixLength: optional(bool()),
  /** Send it this many times and sum up (status counts, latency percentiles). */
  count: optional(int({ min: 1, max: MAX_HTTP_REPLAY_COUNT })),
  /** With count: at most this many at once (default 1). */
  concurrency: optional(int({ min: 1, max: MAX_HTTP_REPLAY_CONCURRENCY })),
  /** How long to wait for the whole response (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** Send these bytes instead of the captured request (an edited copy); fixLength applies to them too. */
  request: optional(bytes({ max: MAX_EDITED_REQUEST })),
  /** `delivered`: the request as the target got it, after the proxy's rules or script changed it; default `sent`, as the client sent it. */
  as: optional(oneOf(EXPORT_AS)),
  /** Response headers whose values may differ (Date, Age, Expires, Content-Length and Transfer-Encoding always may). */
  ignoreHeaders: optional(ignoredHeaders),
  tls,
  record
})

export const replaySequenceArgs = obj({
  capture: captureId,
  /** Captured requests, sent in this order on one keep-alive connection, each once the previous response is whole. */
  requests: arr(obj({ connId, exchange: int({ min: 0 }) }), { max: MAX_SEQUENCE_REQUESTS }),
  /** `HOST:PORT` or a Unix socket path; default: the first request's connection's own target. */
  target: optional(str({ nonEmpty: true, max: 4096 })),
  fixLength: optional(bool()),
  /** How long to wait for each whole response (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** Response headers whose values may differ (Date, Age, Expires, Content-Length and Transfer-Encoding always may). */
  ignoreHeaders: optional(ignoredHeaders),
  tls,
  record
})

export const replayCaptureArgs = obj({
  capture: captureId,
  /** `HOST:PORT` or a Unix socket path for every connection; default: each to its own recorded target. */
  target: optional(str({ nonEmpty: true, max: 4096 })),
  /** The connection list's filter words; default: every connection. */
  filter: optional(str({ max: 4096 })),
  /** 1 (default): the original pace between connection starts; 2: twice as fast; 0: all at once. */
  speed: optional(num({ min: 0, max: 1_000_000 })),
  concurrency: optional(int({ min: 1, max: MAX_HTTP_REPLAY_CONCURRENCY })),
  /** HTTP answers: header names whose values may differ (Date, Age, Expires, Content-Length and Transfer-Encoding always may). */
  ignoreHeaders: optional(ignoredHeaders),
  /** HTTP answers: a regular expression (RE2 syntax) for body text that may differ. */
  ignoreBody: optional(str({ nonEmpty: true, max: 4096 })),
  /** Per turn, how long to wait for an answer (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  /** Names this run in `progress` events (done/of in connections), so a front end can show how far it got. */
  progress: optional(str({ nonEmpty: true, max: 64 })),
  tls,
  record
})

/** A header of a composed request: [name, value]. */
const headerPair: Schema<[string, string]> = {
  parse: (v, path) => {
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw new ValidationError(`${path}: expected [name, value], two strings`)
    if (v[0].length > 1024 || v[1].length > 64 * 1024) throw new ValidationError(`${path}: a header's name may have at most 1024 characters and its value 65536`)
    return [v[0], v[1]]
  }
}

/** A composed request's body: bytes, or text (sent as UTF-8). */
const bodyBytes: Schema<Uint8Array | string> = {
  parse: (v, path) => {
    if (typeof v === 'string') {
      if (v.length > MAX_EDITED_REQUEST) throw new ValidationError(`${path}: expected at most ${MAX_EDITED_REQUEST} characters`)
      return v
    }
    return bytes({ max: MAX_EDITED_REQUEST }).parse(v, path)
  }
}

/** An HTTP request composed from scratch (no capture behind it), sent once and recorded as a replay is. */
export const replaySendArgs = obj({
  /** http:// or https://; Host (HTTP/2: :authority) comes from it unless a Host header is given. */
  url: str({ nonEmpty: true, max: 8192 }),
  /** Default GET. */
  method: optional(str({ nonEmpty: true, max: 256 })),
  /** In order, duplicates kept; Content-Length is fitted to the body (unless Transfer-Encoding is given). */
  headers: optional(arr(headerPair, { max: 1000 })),
  body: optional(bodyBytes),
  /** HTTP/2: h2c with prior knowledge for http://, ALPN h2 for https://; default HTTP/1.1. */
  http2: optional(bool()),
  /** https: do not verify the server's certificate. */
  insecure: optional(bool()),
  /** https: a PEM file of extra CA certificates to trust. */
  ca: optional(str({ nonEmpty: true, max: 4096 })),
  /** https: the name to ask for (SNI) and verify; default the URL's host name. */
  sni: optional(str({ nonEmpty: true, max: 253 })),
  /** How long to wait for the whole response (default 2 s). */
  timeoutMs: optional(int({ min: 1, max: MAX_CONNECT_TIMEOUT_MS })),
  record
})
