// A person's one-click actions on a live proxied connection: pause a direction, inject bytes
// into one, FIN or RST a side. Each is recorded as an `action` on the connection, so the
// conversation shows what was done beside what it did.

import { createHash } from 'node:crypto'
import { MAX_INJECT, type ActionEventInfo } from '../../shared/break-types'
import type { Direction } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import type { CommandTable } from '../command-table'
import { buildPayload } from '../payload/build-payload'
import type { ProxyConnection } from './proxy-connection'

/**
 * `conn`, if `side` can still be sent `what`: a connection that was reset, closed or
 * (for bytes and a FIN) sent a FIN stays listed until both sockets close, and an action then
 * would be recorded though nothing went.
 */
function sendingTo(conn: ProxyConnection, side: Direction, what: 'bytes' | 'fin' | 'rst'): ProxyConnection {
  const state = conn.sendable(side)
  const name = side === 'client' ? 'the client' : 'the target'
  if (state === 'closed') throw new UserError(`conn ${conn.id}: ${name}'s side is closed already (reset or gone); nothing was sent`, ERROR_CODES.ESTATE)
  if (state === 'fin-sent' && what !== 'rst') throw new UserError(`conn ${conn.id}: ${name} was sent a FIN already; nothing more can go to it (RST still can)`, ERROR_CODES.ESTATE)
  return conn
}

export type ConnActionCommand = 'conn.pause' | 'conn.inject' | 'conn.shut'

/** `connectionOf(connId)` throws a one-line UserError for a connection that is not a live proxied one. */
export function connActionCommands(connectionOf: (connId: number) => ProxyConnection): CommandTable<ConnActionCommand> {
  return {
    'conn.pause': async ({ connId, dir, paused }) => connectionOf(connId).pause(dir, paused),
    'conn.inject': async ({ connId, to, payload }) => {
      connectionOf(connId)
      const bytes = await buildPayload(payload)
      // Looked up again: the connection may have closed while a file payload was read.
      const conn = sendingTo(connectionOf(connId), to, 'bytes')
      const info: ActionEventInfo = { action: 'inject', message: `injected ${formatBytes(bytes.length)} toward ${to === 'client' ? 'the client' : 'the target'}`, size: bytes.length }
      if (bytes.length <= MAX_INJECT) info.bytes = bytes.toString('base64')
      else info.sha256 = createHash('sha256').update(bytes).digest('hex')
      conn.inject(to, bytes, info as unknown as Record<string, unknown>)
      return { bytes: bytes.length }
    },
    'conn.shut': async ({ connId, side, how }) => sendingTo(connectionOf(connId), side, how).shut(side, how)
  }
}
