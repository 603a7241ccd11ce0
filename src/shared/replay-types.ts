// What a raw TCP replay reports: per client turn, what the server answered this time and
// whether it is the recorded answer byte for byte. What an HTTP replay reports: the
// response, and how it compares with the recorded one (response-comparison-types.ts).

import type { ReadableContent, ResponseComparison } from './response-comparison-types'

export const REPLAY_STRATEGIES = ['turns', 'timing', 'burst'] as const
/**
 * `turns`: each client turn once the server's answer to the one before has fully arrived
 * (as many bytes as it sent in the capture) or a timeout passed; `timing`: the original
 * gaps between client turns; `burst`: everything at once.
 */
export type ReplayStrategy = (typeof REPLAY_STRATEGIES)[number]

/** The most of one turn's answer a result carries; its length is always told whole. */
export const REPLAY_KEPT_PER_TURN = 64 * 1024
/** The most of all the answers a result carries (later turns keep none past it). */
export const REPLAY_KEPT_TOTAL = 8 * 1024 * 1024
/** The largest edited request or client turn a replay takes (the editors hold it whole). */
export const MAX_EDITED_REQUEST = 8 * 1024 * 1024
/** The most client turns one raw replay edits. */
export const MAX_EDITED_TURNS = 1000
/** The most captured requests one keep-alive sequence sends. */
export const MAX_SEQUENCE_REQUESTS = 1000

/**
 * The CA file a replay over TLS trusted besides the system's roots: one given with the
 * replay (`tls.ca`, `--upstream-ca`), or else the one the replayed connection recorded
 * (the recording proxy's or session's own `--upstream-ca`, its TlsLegFacts.caFile).
 */
export interface ReplayCaFile {
  /** Absolute. */
  path: string
  /** It is the one the capture recorded for the connection, not one given with the replay. */
  recorded: boolean
}

export interface ReplayTurn {
  /** Its index among the replayed turns (a server greeting before any client bytes is a turn with nothing sent). */
  index: number
  /** Client bytes sent for it (fewer than recorded when the connection ended first). */
  sent: number
  /** Client bytes the capture has for it. */
  recordedSent: number
  /** Server bytes the capture has in answer. */
  expected: number
  /** Server bytes that came back this time. */
  received: number
  /** The first of them (at most REPLAY_KEPT_PER_TURN). */
  bytes: Uint8Array
  /** The first of the recorded answer's bytes, as many as `bytes` may hold, for a per-turn diff. */
  recordedBytes: Uint8Array
  /** This turn sent edited bytes instead of the recorded ones. */
  edited?: boolean
  /** The answer is the recorded one, byte for byte (same length, same bytes). */
  matched: boolean
}

export interface RawReplayResult {
  /** Where it went, as formatted from the target. */
  target: string
  strategy: ReplayStrategy
  /** The replay's own connection in the live capture, when it was recorded. */
  connId?: number
  turns: ReplayTurn[]
  matched: number
  of: number
  /** How the replay's connection ended, as the capture words it (closed, server-reset, ...). */
  end: string
  /** Over TLS: the CA file trusted besides the system's roots, if any. */
  caFile?: ReplayCaFile
}

/** One answer message of a replay by message: the recorded one and the one that came, paired by their order. */
export interface MessageAnswer {
  recorded?: { summary: string; size: number }
  got?: { summary: string; size: number }
  /** Both there, byte for byte the same. */
  matched: boolean
}

/** One client message sent (none for what the server said before the client's first), and the answers it got. */
export interface MessageReplayStep {
  /** Its index in the connection's messages (as msg.page and `show` number them, from 0); undefined for the server's greeting. */
  message?: number
  sent?: { summary: string; size: number; edited?: boolean }
  answers: MessageAnswer[]
  matched: boolean
}

export interface MessageReplayResult {
  target: string
  /** The framing the connection was cut with, as `--frame` takes it. */
  framing: string
  connId?: number
  steps: MessageReplayStep[]
  /** Steps whose every answer matched, of all steps. */
  matched: number
  of: number
  end: string
  /** Over TLS: the CA file trusted besides the system's roots, if any. */
  caFile?: ReplayCaFile
}

/** The most of a replayed HTTP response's body a result carries (its size is always told whole). */
export const HTTP_REPLAY_PREVIEW = 64 * 1024

/** The response a replayed HTTP request got. */
export interface HttpReplayResponse {
  version: string
  status: number
  reason: string
  /** In the order sent, duplicates kept. */
  headers: Array<{ name: string; value: string }>
  /** Bytes of content (chunk framing removed). */
  bodySize: number
  /** Its first HTTP_REPLAY_PREVIEW bytes of content (content coding left on). */
  body: Uint8Array
  /** It arrived whole (else the server closed, or the timeout passed, first). */
  complete: boolean
  /** How its content reads (JSON, text, binary), with the decoded preview when a content coding was undone. */
  content?: ReadableContent
}

/** One replay of a captured HTTP request. */
export interface HttpReplayResult {
  /** Where it went, as formatted from the target. */
  target: string
  /** The captured request it replayed; none for a request composed from scratch (replay.send). */
  source?: { connId: number; exchange: number }
  /** It sent an edited request (replay.http's `request`), not the captured bytes. */
  edited?: boolean
  /** The recorded response, in the same shape, to show beside this one (absent when the capture has none). */
  recorded?: HttpReplayResponse
  /** The replay's own connection in the live capture, when it was recorded. */
  connId?: number
  /** Request bytes sent. */
  sent: number
  /** Headers set by fixLength (lower case), when they changed; for a request composed from scratch, those the engine added or set (host, content-length). */
  fixed: string[]
  response?: HttpReplayResponse
  /** Ms from the first byte sent to the response complete. */
  ms?: number
  /** Status, headers (but for ones that change on every answer, like Date, and those ignoreHeaders names) and body content are the recorded ones; false for a request composed from scratch, with nothing to match. */
  matched: boolean
  /** What differs, one phrase each: `status 404 (recorded 200)`, `header X-Id: "a" → "b"`, `body $.stamp: 1 → 2`, `no response from …`. */
  differences: string[]
  /** The response compared with the recorded one, header by header and on the decoded body (when both exist). */
  comparison?: ResponseComparison
  /** Over TLS: the CA file trusted besides the system's roots, if any. */
  caFile?: ReplayCaFile
}

/** A request sent `count` times, at most `concurrency` at once. */
export interface HttpReplaySummary {
  count: number
  concurrency: number
  /** Responses per status code. */
  statuses: Record<string, number>
  /** Runs that got the recorded response. */
  matched: number
  /** Runs that failed (could not connect, no whole response); the first few of their messages. */
  errors: number
  unreachable: number
  errorSamples: string[]
  p50Ms?: number
  p99Ms?: number
  /** Completed requests a second, over the whole run. */
  perSecond: number
}

export interface HttpReplayOutcome {
  /** The first run (the only one without count; absent when it failed, with count). */
  first?: HttpReplayResult
  summary?: HttpReplaySummary
}

/** One recorded client turn (or message) and what a client of a recorded server sent for it. */
export interface RecordedClientTurn {
  /** The turn's index, from 0; by message, the recorded client message's index in the connection's messages (as `show` numbers them, from 0). */
  index: number
  /** Bytes the recording has, and those this client sent for it. */
  expected: number
  received: number
  /** Byte for byte the recorded one. */
  matched: boolean
  /** By message: the recorded message's summary, and that of what the client sent (absent when it sent none). */
  recorded?: string
  got?: string
}

/** What one client did against a recorded server (replay.serve), once it is gone. */
export interface RecordedClientReport {
  /** The client's address (`HOST:PORT`; the socket path for a Unix socket). */
  client: string
  /** Played message by message (replay.serve byMessage): `turns` are the recorded client messages. */
  byMessage?: true
  /** Turns (or client messages) whose recorded server bytes were written whole. */
  played: number
  of: number
  /** Per turn (or client message), what the recording has and what this client sent. */
  turns: RecordedClientTurn[]
  /** By message: messages the client sent past the recorded ones, which got no answer. */
  extra?: number
  /** Every client turn (or message) was the recorded one, byte for byte, and none more. */
  matched: boolean
  /** Why playing stopped early (a read of the capture failed), when it did. */
  error?: string
}

/** A recorded server the engine runs (replay.serve). */
export interface RecordedServerInfo {
  id: string
  /** Where it listens, port resolved. */
  listen: string
  /** The capture and connection it plays. */
  capture: string
  connId: number
  /** The turns it plays, or by message the client messages it answers. */
  turns: number
  /** It answers message by message, the connection cut with this framing (`resp`, `length:size=2`). */
  framing?: string
  /** Clients that connected so far, and those that are still connected. */
  clients: number
  open: number
}

/** Captured requests sent in order on one keep-alive connection (replay.sequence). */
export interface HttpSequenceResult {
  target: string
  /** The replay's own connection in the live capture, when it was recorded. */
  connId?: number
  /** One per request sent, in order; a request after one that got no whole response (or after the server closed) is not sent. */
  results: HttpReplayResult[]
  /** Requests not sent, and why (`the server closed the connection after request 2`). */
  notSent: number
  stopped?: string
  matched: number
  /** Over TLS: the CA file trusted besides the system's roots, if any. */
  caFile?: ReplayCaFile
}

/** One turn of a whole-capture replay that did not get its recorded answer. */
export interface DifferingTurn {
  /** From 0. */
  index: number
  expected: number
  received: number
}

export interface ConnectionReplayOutcome {
  connId: number
  /** The connection's original target. */
  target: string
  /** The replay's own connection in the live capture, when it was recorded. */
  replayConnId?: number
  /** Turns whose answer matched (after the ignore rules), of how many. */
  matched: number
  of: number
  /** The first differing turns (at most 20; `differingTurns` counts them all). */
  differing: DifferingTurn[]
  differingTurns: number
  /** The replay failed (the target refused, ...): then nothing matched. */
  error?: string
  unreachable?: boolean
}

/** What replaying a whole capture (replay.capture) found. */
export interface CaptureReplaySummary {
  target: string
  /** Connections replayed; `matched` of them got every answer as recorded. */
  connections: number
  matched: number
  /** Connections the filter picked that had no client bytes to send. */
  skipped: number
  /** Every connection that did not match, in id order. */
  differed: ConnectionReplayOutcome[]
  /** Every replayed connection failed to reach the target. */
  unreachable: boolean
}
