// A connection's state as the list and the timeline show it.

import type { ConnectionSummary, TcpscopeReset } from '../../../../shared/capture-types'

/** The key of a connection's state label in `list.state`, half-closes told apart. */
export function stateKey(c: ConnectionSummary): string {
  if (c.end === 'open' && c.fin.client !== c.fin.server) return c.fin.client ? 'half-client' : 'half-server'
  return c.end
}

export const isBad = (c: ConnectionSummary): boolean => c.end === 'client-reset' || c.end === 'server-reset' || c.end === 'connect-failed' || c.end === 'error'

/** What the client received: its target's bytes, and what tcpscope answered in the target's place. */
export const receivedBytes = (c: ConnectionSummary): number => c.bytes.server + (c.answered ?? 0)

/**
 * A reset tcpscope made, in `key`'s sentence ({by}, {to}): what made it and the sides it sent
 * an RST. The list's mark and the conversation's close say it alike.
 */
export function resetWords(t: (key: string, values?: Record<string, unknown>) => string, key: string, reset: TcpscopeReset): string {
  const to = reset.rst.client && reset.rst.server ? 'both' : reset.rst.server ? 'server' : 'client'
  return t(key, { by: t(`list.reset.by.${reset.by}`), to: t(`list.reset.to.${to}`) })
}

