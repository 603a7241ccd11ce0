// A captured connection's conversation as replay needs it, from the turn model the flow
// view uses (conn.turns): each client turn with the server bytes that answered it, plus
// where the client sent its FIN and whether the server sent one.

import type { Turn } from '../../shared/capture-types'
import type { CaptureView } from '../capture/capture-queries'
import { UserError } from '../net/net-errors'

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

const PAGE = 500
/** Turns one replay takes at most: its plan is kept in memory whole. */
const MAX_TURNS = 100_000

export async function planReplay(view: CaptureView, connId: number): Promise<ReplayPlan> {
  const plan: ReplayPlan = { turns: [], serverFin: false }
  for (let from = 0; ; from += PAGE) {
    const page = await view.turns(connId, from, PAGE)
    for (const t of page.turns) add(plan, t)
    if (plan.turns.length > MAX_TURNS) throw new UserError(`connection #${connId} has more than ${MAX_TURNS} turns; replay takes at most that many`, 'E2BIG')
    if (page.turns.length === 0 || from + page.turns.length >= page.total) break
  }
  if (!plan.turns.some((t) => t.client.length > 0)) throw new UserError(`connection #${connId} has no client bytes to replay`, 'EINVAL')
  return plan
}

function add(plan: ReplayPlan, t: Turn): void {
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
