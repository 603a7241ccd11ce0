// What a raw TCP replay reports: per client turn, what the server answered this time and
// whether it is the recorded answer byte for byte.

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
  /** Its first HTTP_REPLAY_PREVIEW bytes of content. */
  body: Uint8Array
  /** It arrived whole (else the server closed, or the timeout passed, first). */
  complete: boolean
}

/** One replay of a captured HTTP request. */
export interface HttpReplayResult {
  /** Where it went, as formatted from the target. */
  target: string
  /** The replay's own connection in the live capture, when it was recorded. */
  connId?: number
  /** Request bytes sent. */
  sent: number
  /** Headers set by fixLength (lower case), when they changed. */
  fixed: string[]
  response?: HttpReplayResponse
  /** Ms from the first byte sent to the response complete. */
  ms?: number
  /** Status, headers (but for ones that change on every answer, like Date) and body bytes are the recorded ones. */
  matched: boolean
  /** What differs, one phrase each: `status 200 (recorded 404)`, `header Content-Type`, `body`, `no response`. */
  differences: string[]
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

/** What one client did against a recorded server (replay.serve), once it is gone. */
export interface RecordedClientReport {
  /** The client's address (`HOST:PORT`; the socket path for a Unix socket). */
  client: string
  /** Turns whose recorded server bytes were written whole. */
  played: number
  of: number
  /** Per turn, the client bytes the recording has and those this client sent. */
  turns: { index: number; expected: number; received: number; matched: boolean }[]
  /** Every client turn was the recorded one, byte for byte. */
  matched: boolean
  /** Why playing stopped early (a read of the capture failed), when it did. */
  error?: string
}

/** A recorded server the engine runs (replay.serve). */
export interface RecordedServerInfo {
  id: string
  /** Where it listens, port resolved. */
  listen: string
  connId: number
  turns: number
}
