// The turns a raw replay counts, folded from a connection's turns (conn.turns): each client
// turn with the server bytes that answered it, and the FINs. One rule for the engine's plan
// (core/replay/replay-plan.ts) and the UI's list of turns to edit, so the index a user edits
// is the index the engine replays.

import type { Turn } from './capture-types'

/** Turns one replay takes at most: its plan is kept in memory whole (the engine's and the UI's). */
export const MAX_REPLAY_TURNS = 100_000

/** A range of one direction's stream. */
export interface StreamRange {
  offset: number
  length: number
}

export interface PlannedTurn {
  /** What the client sent (length 0: server bytes that came before the client spoke). */
  client: StreamRange
  /** Ms from the connection's open to the client's bytes. */
  at: number
  /** The server's answer: every server byte until the client spoke again. */
  server: StreamRange
}

export interface ReplayPlan {
  turns: PlannedTurn[]
  /** The client half-closed: right after its last bytes, or once their answer had arrived. */
  clientFin?: 'after-send' | 'after-answer'
  serverFin: boolean
  /** Which side sent its FIN first (a recorded server waits for the client's when it came first). */
  firstFin?: 'client' | 'server'
}

/** Folds the connection's next turn (in order) into `plan`. */
export function addTurn(plan: ReplayPlan, t: Turn): void {
  const last = plan.turns.at(-1)
  if (t.kind === 'fin') {
    if (t.dir === 'client' || t.dir === 'server') plan.firstFin ??= t.dir
    if (t.dir === 'server') plan.serverFin = true
    else if (t.dir === 'client') plan.clientFin = last && last.server.length > 0 ? 'after-answer' : 'after-send'
    return
  }
  if (t.kind !== 'data' || t.offset === undefined || t.length === undefined) return
  if (t.dir === 'client') {
    // Client data split only by a mark is still one turn: nothing answered it in between.
    if (last && last.server.length === 0 && last.client.length > 0) last.client.length += t.length
    else plan.turns.push({ client: { offset: t.offset, length: t.length }, at: t.at, server: { offset: 0, length: 0 } })
  } else if (!last) {
    plan.turns.push({ client: { offset: 0, length: 0 }, at: t.at, server: { offset: t.offset, length: t.length } })
  } else {
    if (last.server.length === 0) last.server.offset = t.offset
    last.server.length += t.length
  }
}
