// What can be done to a selected session connection right now, from its summary and its
// session's info: each composer button is enabled only when the engine would do it.

import type { ConnectionSummary, Direction } from '../../../../../shared/capture-types'
import type { ClientSessionInfo, ServerSessionInfo, SessionInfo } from '../../../../../shared/session-types'

export interface ConnectionActions {
  /** The session the connection belongs to, while the engine still has it. */
  session?: SessionInfo
  /** The side tcpscope plays: bytes it sends are recorded in this direction. */
  ours: Direction
  /** Open and driven by a session (not a proxy's, not a closed one). */
  live: boolean
  send: boolean
  fin: boolean
  reset: boolean
  destroy: boolean
  resume: boolean
  reconnect: boolean
  /** A server with open clients: its server id, to send to all of them. */
  broadcastTo?: string
}

const NONE: Omit<ConnectionActions, 'ours'> = { live: false, send: false, fin: false, reset: false, destroy: false, resume: false, reconnect: false }

/** Only connections of the live capture's sessions can be driven; anything else gets nothing. */
export function connectionActions(conn: ConnectionSummary, sessions: readonly SessionInfo[], liveCapture: boolean): ConnectionActions {
  const ours: Direction = conn.kind === 'server' ? 'server' : 'client'
  const session = liveCapture && conn.kind !== 'proxy' ? sessions.find((s) => s.id === conn.ownerId && s.kind === conn.kind) : undefined
  if (!session) return { ...NONE, ours }
  const open = conn.end === 'open'
  if (session.kind === 'server') {
    const s = session as ServerSessionInfo
    const live = open && s.clients.includes(conn.id)
    return {
      ...NONE,
      session,
      ours,
      live,
      send: live && !conn.fin.server,
      fin: live && !conn.fin.server,
      reset: live,
      destroy: live,
      resume: live && s.paused.includes(conn.id),
      ...(s.clients.length > 0 ? { broadcastTo: s.id } : {})
    }
  }
  const c = session as ClientSessionInfo
  const live = open && c.connId === conn.id && c.state === 'open'
  return { ...NONE, session, ours, live, send: live && !conn.fin.client, fin: live && !conn.fin.client, reset: live, destroy: live, reconnect: true }
}
