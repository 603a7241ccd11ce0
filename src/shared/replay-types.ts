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
