// The exchange list asked for again after rows were put (exchange.page while a file decodes
// or a capture grows): it merges the rows put since into its last order. Whatever is put
// (new rows, rows updated, in any order), it must read as a sort of every row would.
import { describe, expect, it } from 'vitest'
import { ExchangeBatch, ExchangeBatchWriter } from '../../../src/core/decode/exchange-batch'
import { ExchangeList } from '../../../src/core/decode/exchange-query'
import { ExchangeTable } from '../../../src/core/decode/exchange-table'
import type { ExchangeSortKey, HttpExchange, HttpMessage } from '../../../src/shared/protocol-types'
import { seeded as random } from '../../helpers/seeded'

const message = (fields: Partial<HttpMessage>): HttpMessage =>
  ({ dir: 'client', startLine: '', version: 'HTTP/1.1', headers: [], startRange: { dir: 'client', offset: 0, length: 1 }, headRange: { dir: 'client', offset: 0, length: 1 }, body: { framing: 'none', range: { dir: 'client', offset: 1, length: 0 }, size: 0, complete: true }, startedAt: 0, ...fields }) as HttpMessage

/** An exchange whose sort keys come from `rnd`: few distinct values, so ties are many. */
function exchange(index: number, rnd: () => number): HttpExchange {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]
  const startedAt = pick([1000, 1000.5, 1001, 2000, 3000.25])
  const request = message({ method: pick(['GET', 'POST', 'PUT']), target: pick(['/a', '/b', '/c/d', '/z']), headers: [{ name: 'Host', value: pick(['x.test', 'y.test']), range: { dir: 'client', offset: 0, length: 1 } }], startedAt })
  const answered = rnd() < 0.7
  const response = answered ? message({ dir: 'server', status: pick([200, 404, 500]), startedAt: startedAt + 1, endedAt: startedAt + pick([1, 5, 9]), body: { framing: 'length', range: { dir: 'server', offset: 0, length: 0 }, size: pick([0, 10, 300]), complete: true } }) : undefined
  return { index, request, response, informational: [], state: answered ? 'complete' : 'pending' }
}

/** Puts `ex` of connection `conn` into `t` (at `row`, or a new row). */
function put(t: ExchangeTable, conn: number, ex: HttpExchange, row?: number): number {
  const w = new ExchangeBatchWriter()
  w.add(ex)
  return t.put(conn, new ExchangeBatch(w.pack()), 0, row)
}

const ORDERS: Array<[ExchangeSortKey, boolean]> = [['start', false], ['start', true], ['status', false], ['size', true], ['duration', false], ['conn', true], ['path', false], ['method', true]]
const FILTERS = [undefined, 'method:GET', '-status:404', 'x.test']

describe('exchange list: rows put since the last sort merged in', () => {
  it.each(ORDERS)('reads as a whole sort, by %s (descending %s), over new and updated rows, with and without a filter', (sort, descending) => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed)
      const t = new ExchangeTable()
      const lists = FILTERS.map(() => new ExchangeList(t))
      const placed: Array<{ conn: number; index: number }> = []
      for (let step = 0; step < 60; step++) {
        // A handful of puts: mostly new exchanges, some an update of one listed before.
        const n = 1 + Math.floor(rnd() * (step < 10 ? 40 : 8))
        for (let k = 0; k < n; k++) {
          if (placed.length > 0 && rnd() < 0.3) {
            const row = Math.floor(rnd() * placed.length)
            put(t, placed[row].conn, exchange(placed[row].index, rnd), row)
          } else {
            const conn = 1 + Math.floor(rnd() * 5)
            const index = placed.filter((p) => p.conn === conn).length
            placed.push({ conn, index })
            put(t, conn, exchange(index, rnd), placed.length - 1)
          }
        }
        FILTERS.forEach((filter, f) => {
          const merged = Array.from(lists[f].rows(filter, sort, descending))
          const whole = Array.from(new ExchangeList(t).rows(filter, sort, descending))
          expect(merged, `seed ${seed}, step ${step}, filter ${filter}`).toEqual(whole)
        })
      }
    }
  })

  it('sorts and filters a path by its text, whichever batch brought it (each batch gives its paths ids of their own)', () => {
    const rnd = random(4)
    const t = new ExchangeTable()
    const paths: string[] = []
    for (let i = 0; i < 300; i++) {
      const ex = exchange(i, rnd)
      put(t, 1, ex)
      paths.push(ex.request!.target!)
    }
    const rows = Array.from({ length: 300 }, (_, i) => i)
    for (const descending of [false, true]) {
      // By text, then by row whichever the direction.
      const want = [...rows].sort((a, b) => (paths[a] === paths[b] ? a - b : (paths[a] < paths[b]) !== descending ? -1 : 1))
      expect(Array.from(new ExchangeList(t).rows(undefined, 'path', descending))).toEqual(want)
    }
    expect(Array.from(new ExchangeList(t).rows('path:/c/', 'start', false)).sort((a, b) => a - b)).toEqual(rows.filter((r) => paths[r] === '/c/d'))
  })

  it('starts over from a whole sort when its log did', () => {
    const rnd = random(9)
    const t = new ExchangeTable()
    const list = new ExchangeList(t)
    for (let i = 0; i < 600; i++) put(t, 1, exchange(i, rnd))
    list.rows(undefined, 'start', false)
    // Updates well past twice the table's length: the log starts over (a new epoch).
    const epoch = t.logEpoch
    for (let k = 0; k < 3000; k++) put(t, 1, exchange(k % 600, rnd), k % 600)
    expect(t.logEpoch).toBeGreaterThan(epoch)
    expect(Array.from(list.rows(undefined, 'start', false))).toEqual(Array.from(new ExchangeList(t).rows(undefined, 'start', false)))
  })
})
