// Exchanges in full (headers, byte ranges), decoded again when asked: the background
// decoding keeps only their short form, and where each request and response starts. A
// fresh decoder starts at the first asked exchange's request and response and runs until
// it has them all, skipping what it does not need (big bodies) as the background one does.
// HTTP/2 cannot start midway (each header block needs every one before it for its HPACK
// table), so its decoder starts at the connection's start, keeps only the asked exchanges,
// and still skips every DATA payload.

import type { Direction } from '../../shared/capture-types'
import type { HttpExchange } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import type { ConnDecoding } from './conn-decoding'
import { createConnectionDecoder } from './decoders'
import { inflateRaw } from '../http/inflate-raw'
import { replay } from './replay'
import type { ExchangeTable } from './exchange-table'

/** Exchanges `from`..`from + limit` of a decoded connection, in full. */
export async function decodeExchanges(view: CaptureView, c: ConnDecoding, table: ExchangeTable, from: number, limit: number): Promise<HttpExchange[]> {
  const rows = c.rowsOf(from, limit)
  if (rows.length === 0) return []
  if (c.protocol === 'http2') return decodeFromStart(view, c, table, rows, from)
  const s = await view.connection(c.connId)
  if (!s) return []
  const recorded = s.recorded ?? s.bytes
  const starts = table.starts(rows[0])
  // No request (a response with none): the client has nothing for these exchanges before its end. No response: a
  // request a rule answered has none, and the target's next response is a later exchange's; else none came yet.
  let server = starts.server
  for (let i = from + 1; Number.isNaN(server) && i < c.exchangeCount; i++) server = table.starts(c.row(i)).server
  const start: Record<Direction, number> = {
    client: Number.isNaN(starts.client) ? recorded.client : starts.client,
    server: Number.isNaN(server) ? recorded.server : server
  }
  const d = createConnectionDecoder({ start, protocol: 'http1', inflateRaw })
  const found = new Map<number, HttpExchange>()
  await replay(view, c.connId, start, d, () => {
    for (const ex of d.takeChanges().exchanges) if (ex.index < rows.length) found.set(ex.index, ex)
    for (let i = 0; i < rows.length; i++) {
      const ex = found.get(i)
      if (!ex || ex.state === 'pending') return false
    }
    return true
  })
  for (const ex of d.takeChanges().exchanges) if (ex.index < rows.length) found.set(ex.index, ex)
  const out: HttpExchange[] = []
  for (let i = 0; i < rows.length; i++) {
    const ex = found.get(i)
    if (ex) out.push({ ...ex, index: from + i })
    else out.push(skeleton(table, rows[i], from + i))
  }
  return out
}

/** Exchanges of a connection decoded from its start (HTTP/2, h2c's upgrade included): only the asked ones are kept. */
async function decodeFromStart(view: CaptureView, c: ConnDecoding, table: ExchangeTable, rows: number[], from: number): Promise<HttpExchange[]> {
  const d = createConnectionDecoder({ inflateRaw })
  const found = new Map<number, HttpExchange>()
  const take = (): void => {
    for (const ex of d.takeChanges().exchanges) if (ex.index >= from && ex.index < from + rows.length) found.set(ex.index, ex)
  }
  await replay(view, c.connId, { client: 0, server: 0 }, d, () => {
    take()
    for (let i = from; i < from + rows.length; i++) {
      const ex = found.get(i)
      if (!ex || ex.state === 'pending') return false
    }
    return true
  })
  take()
  return rows.map((row, i) => found.get(from + i) ?? skeleton(table, row, from + i))
}

/** What is known of an exchange the second decoding did not find again (its bytes are gone from the file). */
function skeleton(table: ExchangeTable, row: number, index: number): HttpExchange {
  return { index, informational: [], state: table.state(row) === 'pending' ? 'pending' : 'incomplete' }
}
