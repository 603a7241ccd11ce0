// exchange.page: every decoded exchange of a capture, filtered by the exchange words and
// sorted, as the connection list does it (connection-query.ts): tests and sort keys read
// the ExchangeTable's columns, only the page's rows become objects, and the last query's
// matching rows are kept until the table changes. String sort keys sort by the rank of each
// distinct string, so every key is a whole number and sorts natively.

import { UserError } from '../../shared/errors'
import { endpointWord, FilterMistakes } from '../../shared/filter-mistakes'
import { EXCHANGE_WORDS, type ExchangeSortKey } from '../../shared/protocol-types'
import { sortRowsBy } from '../capture/query/sort-rows'
import type { ExchangeTable } from './exchange-table'
import { exchangeProto, exchangeWord, hostOrPath, type ExchangeTest } from './exchange-words'

const KEYS = [...EXCHANGE_WORDS, 'proto', 'conn'] as const

/**
 * The exchange words as one test; every word's mistake is said, in one UserError. A word the
 * list does not know before a port (`localhost:8443`) is a host and its port, as the
 * connection list reads it (endpointWord), with the hints of words read with a doubt.
 */
export function parseExchangeFilter(filter: string): { test: ExchangeTest | undefined; hints: string[] } {
  const words = filter.match(/-?(?:[a-z]+:)?(?:"[^"]*"|\S+)/gi) ?? []
  const mistakes = new FilterMistakes()
  const tests: ExchangeTest[] = []
  const hints: string[] = []
  for (let word of words) {
    const negate = word.startsWith('-') && word.length > 1
    if (negate) word = word.slice(1)
    const colon = /^([a-z]+):(.*)$/i.exec(word)
    const test = mistakes.word((): ExchangeTest => {
      const plain = (): ExchangeTest => hostOrPath(word.replace(/^"|"$/g, '').toLowerCase())
      if (!colon) return plain()
      const key = colon[1].toLowerCase()
      const value = colon[2].replace(/^"|"$/g, '')
      if (key === 'conn') {
        if (!/^\d{1,15}$/.test(value)) throw new UserError(`filter conn:${value}: conn wants a connection id, e.g. conn:12`)
        const id = Number(value)
        return (t, row) => t.conn(row) === id
      }
      if (key === 'proto') return exchangeProto(value)
      if ((EXCHANGE_WORDS as readonly string[]).includes(key)) return exchangeWord(key, value)
      const { hint } = endpointWord(key, colon[2], KEYS)
      if (hint !== undefined) hints.push(hint)
      return plain()
    })
    if (test !== undefined) tests.push(negate ? (t, row) => !test(t, row) : test)
  }
  mistakes.throwAny()
  return { test: tests.length === 0 ? undefined : (t, row) => tests.every((x) => x(t, row)), hints }
}

/**
 * Each string id by its string's place in sorted order (none first). Ids of the same text
 * (a path has one a batch: StringPool.add) share a rank, so rows of one path sort by row.
 */
function ranks(t: ExchangeTable): Uint32Array {
  const values = t.strings.values
  const order = Array.from(values.keys()).sort((a, b) => {
    const x = values[a] ?? ''
    const y = values[b] ?? ''
    return a === 0 ? -1 : b === 0 ? 1 : x < y ? -1 : x > y ? 1 : 0
  })
  const rank = new Uint32Array(values.length)
  let r = 0
  for (let i = 0; i < order.length; i++) {
    if (i > 0 && values[order[i - 1]] !== values[order[i]]) r = i
    rank[order[i]] = r
  }
  return rank
}

/**
 * A sort's key of a row, and whether it lasts: a key that reads only the row's own numbers
 * stays right as rows are put; a string column's reads the ranks of the strings there now.
 */
function sortKey(t: ExchangeTable, sort: ExchangeSortKey): { key: (row: number) => number; lasting: boolean } {
  switch (sort) {
    case 'start':
      // Whole microseconds: whole-number keys sort natively (sortRows), three times faster
      // than the comparator fractional milliseconds took, and a list polled while a big file
      // decodes sorts every row at each call.
      return { key: (row) => Math.round(t.startedAt(row) * 1000), lasting: true }
    case 'status':
      return { key: (row) => t.status(row), lasting: true }
    case 'size':
      return { key: (row) => t.responseSize(row), lasting: true }
    case 'duration':
      return { key: (row) => (Number.isNaN(t.duration(row)) ? -1 : t.duration(row)), lasting: true }
    case 'conn':
      // Connection ids and exchange indexes are below 2^26 each in any capture that fits a disk.
      return { key: (row) => t.conn(row) * 2 ** 26 + t.index(row), lasting: true }
    case 'method':
    case 'host':
    case 'path':
    case 'type': {
      const rank = ranks(t)
      const column = sort
      return { key: (row) => rank[t.ids(row)[column]], lasting: false }
    }
  }
}

/**
 * The order a full sort would give, made from the last one: `before` without the rows put
 * since (`put`), merged with those of them that pass `test`, by key, ties in row order.
 * Undefined where a key is not a number to compare (NaN): the caller sorts every row then.
 */
function mergedOrder(t: ExchangeTable, before: Uint32Array, put: Uint32Array, test: ExchangeTest | undefined, keyOf: (row: number) => number, descending: boolean): Uint32Array | undefined {
  // 1: put since (left out of `before`); 2: already taken into `fresh`.
  const mark = new Uint8Array(t.size)
  for (let i = 0; i < put.length; i++) mark[put[i]] = 1
  const taken: number[] = []
  for (let i = 0; i < put.length; i++) {
    const row = put[i]
    if (mark[row] !== 1) continue
    mark[row] = 2
    if (test === undefined || test(t, row)) taken.push(row)
  }
  const fresh = sortRowsBy(Uint32Array.from(taken).sort(), keyOf, descending)
  const out = new Uint32Array(before.length + fresh.length)
  let i = 0
  let j = 0
  let n = 0
  for (;;) {
    while (i < before.length && mark[before[i]] !== 0) i++
    if (i === before.length || j === fresh.length) break
    const a = before[i]
    const b = fresh[j]
    const ka = keyOf(a)
    const kb = keyOf(b)
    if (Number.isNaN(ka) || Number.isNaN(kb)) return undefined
    const first = ka === kb ? a < b : descending ? ka > kb : ka < kb
    if (first) {
      out[n++] = a
      i++
    } else {
      out[n++] = b
      j++
    }
  }
  for (; i < before.length; i++) if (mark[before[i]] === 0) out[n++] = before[i]
  for (; j < fresh.length; j++) out[n++] = fresh[j]
  return out.subarray(0, n)
}

export class ExchangeList {
  private cached: { key: string; version: number; epoch: number; logAt: number; rows: Uint32Array } | undefined
  /**
   * The sorts' lasting key functions, made once: a new one each call (a page is asked for
   * again and again while a file decodes) made V8 throw away mergedOrder and sortRowsBy,
   * optimized for the last one ("wrong call target"), and compile them again.
   */
  private readonly keys = new Map<ExchangeSortKey, (row: number) => number>()

  constructor(private readonly table: ExchangeTable) {}

  private keyOf(sort: ExchangeSortKey): (row: number) => number {
    const kept = this.keys.get(sort)
    if (kept !== undefined) return kept
    const { key, lasting } = sortKey(this.table, sort)
    if (lasting) this.keys.set(sort, key)
    return key
  }

  /**
   * The rows that pass `filter`, in order. Asked again for the same order after rows were
   * put, it takes in only those (a page is asked for again and again while a file decodes:
   * sorting every row each time cost the engine's thread 48 ms of a 100,000-exchange file's
   * decoding, 149 ms of 100,000 one-exchange connections', and grew with the table).
   */
  rows(filter: string | undefined, sort: ExchangeSortKey, descending: boolean): Uint32Array {
    const key = JSON.stringify([filter ?? '', sort, descending])
    const t = this.table
    const last = this.cached
    if (last?.key === key && last.version === t.version) return last.rows
    const test = filter ? parseExchangeFilter(filter).test : undefined
    const keyOf = this.keyOf(sort)
    const put = last?.key === key && last.epoch === t.logEpoch ? t.putSince(last.logAt) : undefined
    // A few rows put merge in cheaply; many (a filter's first pass, a list asked for rarely) cost less sorted whole.
    let sorted = put !== undefined && put.length * 4 <= t.size ? mergedOrder(t, last!.rows, put, test, keyOf, descending) : undefined
    if (sorted === undefined) {
      const picked = new Uint32Array(t.size)
      let n = 0
      for (let row = 0; row < t.size; row++) if (test === undefined || test(t, row)) picked[n++] = row
      sorted = sortRowsBy(picked.subarray(0, n), keyOf, descending)
    }
    this.cached = { key, version: t.version, epoch: t.logEpoch, logAt: t.logLength, rows: sorted }
    return sorted
  }
}
