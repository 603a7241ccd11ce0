// A replay sends what a connection's client sent and compares what came back with what
// its server sent. A capture with gaps (bytes forwarded but not kept: `--when-disk-is-slow
// drop`) holds neither whole, so a connection with a gap is not replayed: nothing stands in
// for the missing bytes. One sentence, the same from every kind of replay.

import type { ConnectionSummary } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'

export function refuseGaps(conn: Pick<ConnectionSummary, 'id' | 'notKept'>): void {
  const gaps = conn.notKept
  if (gaps === undefined || gaps.client + gaps.server === 0) return
  throw new UserError(
    `connection #${conn.id} cannot be replayed: the capture did not keep ${gaps.client} bytes the client sent and ${gaps.server} the server sent (the disk was slower than the traffic)`,
    ERROR_CODES.ENOTKEPT
  )
}
