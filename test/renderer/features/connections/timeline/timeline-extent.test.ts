// The stretch of time a timeline covers, from a few one-row pages: the first open to the
// latest end known (the last to open, the longest), to now while one is open, through the
// list's filter.
import { describe, expect, it } from 'vitest'
import type { ConnectionPage, ConnectionSummary } from '../../../../../src/shared/capture-types'
import { captureExtent, type PageCall } from '../../../../../src/renderer/src/features/connections/timeline/timeline-extent'

const conn = (id: number, openedAt: number, closedAt?: number): ConnectionSummary => ({
  id,
  kind: 'proxy',
  ownerId: 'p1',
  target: 't:1',
  openedAt,
  ...(closedAt !== undefined ? { closedAt } : {}),
  bytes: { client: 0, server: 0 },
  fin: { client: false, server: false },
  end: closedAt !== undefined ? 'closed' : 'open'
})

/** conn.page over these connections, sorted as asked, filtered by `state:open` only. */
function pages(conns: ConnectionSummary[]): { page: PageCall; filters: Array<string | undefined> } {
  const filters: Array<string | undefined> = []
  const page: PageCall = async ({ sort, descending, filter, limit }): Promise<ConnectionPage> => {
    filters.push(filter)
    const key = (c: ConnectionSummary): number => (sort === 'start' ? c.openedAt : (c.closedAt ?? Infinity) - c.openedAt)
    const rows = conns.filter((c) => !filter?.includes('state:open') || c.end === 'open').sort((a, b) => (descending ? key(b) - key(a) : key(a) - key(b)))
    return { total: rows.length, offset: 0, rows: rows.slice(0, limit) }
  }
  return { page, filters }
}

describe('timeline extent', () => {
  it('runs from the first open to the latest end it can find: the last to open, or the longest', async () => {
    const { page } = pages([conn(1, 100, 5000), conn(2, 200, 300), conn(3, 400, 450)])
    expect(await captureExtent(page, 'live', '', 9999)).toEqual({ from: 100, to: 5000, open: false, empty: false })
  })

  it('runs to now while a connection is open, and asks through the list filter', async () => {
    const { page, filters } = pages([conn(1, 100, 200), conn(2, 300)])
    expect(await captureExtent(page, 'f1', ' port:80 ', 9999)).toEqual({ from: 100, to: 9999, open: true, empty: false })
    expect(filters).toEqual(['port:80', 'port:80', 'port:80', 'port:80 state:open'])
  })

  it('is a second before now, and says so, when no connection passes', async () => {
    const { page } = pages([])
    expect(await captureExtent(page, 'live', '', 5000)).toEqual({ from: 4000, to: 5000, open: false, empty: true })
  })
})
