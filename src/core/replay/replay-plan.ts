// A captured connection's conversation as replay needs it, from the turn model the flow
// view uses (conn.turns): each client turn with the server bytes that answered it, plus
// where the client sent its FIN and whether the server sent one (the fold is shared with the
// UI's list of turns to edit: shared/replay-turns.ts).

import { addTurn, MAX_REPLAY_TURNS as MAX_TURNS, type ReplayPlan } from '../../shared/replay-turns'
import type { CaptureView } from '../capture/query/capture-queries'
import { UserError } from '../net/net-errors'
import { refuseGaps } from './recorded-gaps'

export type { PlannedTurn, ReplayPlan, StreamRange } from '../../shared/replay-turns'

const PAGE = 500

export async function planReplay(view: CaptureView, connId: number): Promise<ReplayPlan> {
  const conn = await view.connection(connId)
  if (conn !== undefined) refuseGaps(conn)
  const plan: ReplayPlan = { turns: [], serverFin: false }
  for (let from = 0; ; from += PAGE) {
    const page = await view.turns(connId, from, PAGE)
    for (const t of page.turns) addTurn(plan, t)
    if (plan.turns.length > MAX_TURNS) throw new UserError(`connection #${connId} has more than ${MAX_TURNS} turns; replay takes at most that many`, 'E2BIG')
    if (page.turns.length === 0 || from + page.turns.length >= page.total) break
  }
  if (!plan.turns.some((t) => t.client.length > 0)) throw new UserError(`connection #${connId} has no client bytes to replay`, 'EINVAL')
  return plan
}
