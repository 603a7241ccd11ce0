// How values read in the UI, built on the formats the CLI shares (src/shared/human-readable.ts).

import type { ConnectionSummary } from '../../../shared/capture-types'
import { formatTimestamp } from '../../../shared/human-readable'

export { formatBytes, formatDuration, formatPeer, WALL_CLOCK_MS } from '../../../shared/human-readable'

/** `12:01:03.120` */
export const clock = (ms: number): string => formatTimestamp(ms, false)

/** The key of a connection's state label in `list.state`, half-closes told apart. */
export function stateKey(c: ConnectionSummary): string {
  if (c.end === 'open' && c.fin.client !== c.fin.server) return c.fin.client ? 'half-client' : 'half-server'
  return c.end
}

export const isBad = (c: ConnectionSummary): boolean => c.end === 'client-reset' || c.end === 'server-reset' || c.end === 'connect-failed' || c.end === 'error'
