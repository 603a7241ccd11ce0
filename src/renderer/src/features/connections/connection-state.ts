// A connection's state as the list and the timeline show it.

import { rstSides, type ConnectionSummary, type TcpscopeReset } from '../../../../shared/capture-types'

/**
 * The key of a connection's state label in `list.state`, half-closes told apart, and a
 * connect whose TCP came up but whose TLS handshake toward the target failed (a certificate
 * not trusted, say) said as that: the capture ends it `connect-failed` either way.
 */
export function stateKey(c: ConnectionSummary): string {
  if (c.end === 'open' && c.fin.client !== c.fin.server) return c.fin.client ? 'half-client' : 'half-server'
  if (c.end === 'connect-failed' && c.tls?.failure?.side === 'server' && c.tls.server === undefined) return 'tls-failed'
  return c.end
}

/**
 * Something went wrong that nobody asked for: a peer's reset, a failed connect, an error. A
 * reset tcpscope made on purpose (tcpscope-reset) is not: it was what a rule, a breakpoint,
 * a toxic or a person asked for.
 */
export const isBad = (c: ConnectionSummary): boolean => c.end === 'client-reset' || c.end === 'server-reset' || c.end === 'connect-failed' || c.end === 'error'

/** How a connection's end looks (its colour), in the list's state badge and the timeline's bars alike. */
export type EndLook = 'open' | 'closed' | 'reset' | 'failed'

/**
 * A reset tcpscope made looks like the reset it is (the filter's state:reset finds it too),
 * though it is not bad (isBad): the colour says how it ended, not whether that was wanted.
 */
export function endLook(c: ConnectionSummary): EndLook {
  if (c.end === 'open') return 'open'
  if (c.end === 'client-reset' || c.end === 'server-reset' || c.end === 'tcpscope-reset') return 'reset'
  if (c.end === 'connect-failed' || c.end === 'error') return 'failed'
  return 'closed'
}

/** What the client received: its target's bytes, and what tcpscope answered in the target's place. */
export const receivedBytes = (c: ConnectionSummary): number => c.bytes.server + (c.answered ?? 0)

/**
 * A reset tcpscope made, in `key`'s sentence ({by}, {to}): what made it and the sides it sent
 * an RST. The list's mark and the conversation's close say it alike.
 */
export function resetWords(t: (key: string, values?: Record<string, unknown>) => string, key: string, reset: TcpscopeReset): string {
  return t(key, { by: t(`list.reset.by.${reset.by}`), to: t(`list.reset.to.${rstSides(reset)}`) })
}

