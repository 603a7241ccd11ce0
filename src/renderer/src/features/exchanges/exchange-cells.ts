// The exchange list's columns and the text of each row's cells, as devtools list exchanges:
// method, host, path, status (or the state of one without a response), type, sizes, start,
// duration, protocol (with an HTTP/2 exchange's stream beside its connection) and connection.

import type { ExchangeRow, ExchangeSortKey } from '../../../../shared/protocol-types'
import { clock, formatBytes, formatDuration, WALL_CLOCK_MS } from '../../ui/ui-readable'
import type { GridColumn } from '../../ui/grid/useSortColumns'
import { mediaType } from './protocol-info'
import { protocolCell, type Say } from '../http/exchange-protocol'
import { exchangeProtocol } from '../../../../shared/protocol-types'

export const EXCHANGE_COLUMNS: Array<GridColumn<ExchangeSortKey>> = [
  { key: 'method', sort: 'method', cellClass: 'mono' },
  { key: 'host', sort: 'host', cellClass: 'mono' },
  { key: 'path', sort: 'path', cellClass: 'mono', titled: true },
  { key: 'status', sort: 'status', num: true, cellClass: 'mono' },
  { key: 'type', sort: 'type', cellClass: 'dim' },
  { key: 'requestSize', num: true, cellClass: 'mono dir-client' },
  { key: 'responseSize', sort: 'size', num: true, cellClass: 'mono dir-server' },
  { key: 'start', sort: 'start', cellClass: 'mono dim' },
  { key: 'duration', sort: 'duration', num: true, cellClass: 'mono dim' },
  // Beside the connection: `h2 · 5` is stream 5 of it.
  { key: 'proto', cellClass: 'mono dim' },
  { key: 'conn', sort: 'conn', num: true, cellClass: 'mono dim' }
]
/** The orders that start with the largest. */
export const EXCHANGE_DESCENDS_FIRST: readonly ExchangeSortKey[] = ['size', 'duration']

/**
 * A row's cells while its page is on its way. `lock`: over TLS tcpscope terminated, the lock's
 * name (drawn beside the host); `cut`: a status came but the exchange did not complete (its
 * connection was reset or closed, or decoding stopped, before its end), the mark beside the
 * status, and `cutName` what the mark means.
 */
export const LOADING_EXCHANGE = { method: '…', host: '', lock: '', path: '', status: '', cut: '', cutName: '', type: '', requestSize: '', responseSize: '', start: '', duration: '', proto: '', conn: '', tone: '' }
export type ExchangeCells = typeof LOADING_EXCHANGE

/** What the status cell says of an exchange without a status, in the reader's language. */
export type StateWords = Record<ExchangeRow['state'], string>

/** `say` is vue-i18n's t, for the protocol's name. */
export function exchangeCells(r: ExchangeRow, stateWords: StateWords, say: Say): ExchangeCells {
  const s = r.status
  const cut = s !== undefined && r.state === 'incomplete'
  return {
    method: r.method ?? '',
    // Over TLS a lock says so (https): `https://` before the host took the column's width, and
    // cut `https://localhost:18443` to `https://localh…`.
    host: r.host ?? '',
    lock: r.scheme === 'https' ? say('exchanges.https') : '',
    path: r.path ?? '',
    status: s !== undefined ? String(s) : stateWords[r.state],
    // Without a status the state is the cell's word already.
    cut: cut ? stateWords.incomplete : '',
    cutName: cut ? say('exchanges.cutName') : '',
    type: mediaType(r.contentType),
    requestSize: formatBytes(r.requestSize),
    responseSize: formatBytes(r.responseSize),
    start: clock(r.startedAt),
    duration: r.duration !== undefined ? formatDuration(r.duration, WALL_CLOCK_MS) : '',
    proto: protocolCell(exchangeProtocol(r), r.stream, say),
    conn: String(r.connId),
    tone: s === undefined ? (r.state === 'complete' ? '' : 'waiting') : s >= 400 ? 'bad' : s >= 300 ? 'redirect' : ''
  }
}
