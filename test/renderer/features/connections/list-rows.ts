// A connection list's row as the engine lists it, for the lists' component tests: a closed-ended
// proxied connection from 127.0.0.1:(5000 + id) to 127.0.0.1:8080, with what a test adds.
import type { ConnectionSummary } from '../../../../src/shared/capture-types'

export const LIST_T0 = Date.UTC(2026, 0, 1, 12, 0, 0)

export const listRow = (id: number, more: Partial<ConnectionSummary> = {}): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  client: { address: '127.0.0.1', port: 5000 + id, family: 'IPv4' },
  target: '127.0.0.1:8080',
  openedAt: LIST_T0,
  bytes: { client: 100, server: 3000 },
  fin: { client: false, server: false },
  end: 'open',
  ...more
})
