// A capture's connection list as front ends page through it: filtered by a small query
// language (`port:6379 state:reset -kind:client 10.0.0.5`) and sorted, by the engine, so a
// front end never holds the whole list. The matching rows are kept until the capture
// changes or another query comes, so paging through one list costs one filter and sort.

import type { ConnectionEnd, ConnectionSummary, SortKey } from '../../shared/capture-types'
import { UserError } from '../../shared/errors'
import { formatPeer } from '../../shared/format'
import type { IndexView } from './index-view'

type Predicate = (c: ConnectionSummary) => boolean

const STATES: Record<string, (c: ConnectionSummary) => boolean> = {
  open: (c) => c.end === 'open',
  closed: (c) => c.end === 'closed',
  reset: (c) => c.end === 'client-reset' || c.end === 'server-reset',
  'client-reset': (c) => c.end === 'client-reset',
  'server-reset': (c) => c.end === 'server-reset',
  failed: (c) => c.end === 'connect-failed',
  'connect-failed': (c) => c.end === 'connect-failed',
  error: (c) => c.end === 'error',
  stopped: (c) => c.end === 'stopped',
  cut: (c) => c.end === 'cut',
  /** One side sent FIN, the connection is still up. */
  'half-closed': (c) => c.end === 'open' && c.fin.client !== c.fin.server
}

const portOf = (endpoint: string): number | undefined => {
  const m = /:(\d{1,5})$/.exec(endpoint)
  return m ? Number(m[1]) : undefined
}

/** Every endpoint text a connection has, for bare words and client:/target: words. */
function endpoints(c: ConnectionSummary): string {
  return `${formatPeer(c.client)} ${c.target} ${c.upstream ? `${formatPeer(c.upstream.local)} ${formatPeer(c.upstream.remote)}` : ''}`.toLowerCase()
}

function ports(c: ConnectionSummary): number[] {
  const out: number[] = []
  for (const p of [c.client, c.upstream?.local, c.upstream?.remote]) if (p && 'port' in p) out.push(p.port)
  const t = portOf(c.target)
  if (t !== undefined) out.push(t)
  return out
}

const KEYS = ['port', 'state', 'kind', 'owner', 'id', 'client', 'target'] as const

function wholeNumber(key: string, v: string): number {
  if (!/^\d{1,15}$/.test(v)) throw new UserError(`filter ${key}:${v}: ${key} wants a whole number`)
  return Number(v)
}

function term(key: string, value: string): Predicate {
  const v = value.toLowerCase()
  switch (key) {
    case 'port': {
      const n = wholeNumber(key, value)
      return (c) => ports(c).includes(n)
    }
    case 'state': {
      const s = STATES[v]
      if (!s) throw new UserError(`filter state:${value}: use one of ${Object.keys(STATES).join(', ')}`)
      return s
    }
    case 'kind':
      if (!['proxy', 'server', 'client'].includes(v)) throw new UserError(`filter kind:${value}: use proxy, server or client`)
      return (c) => c.kind === v
    case 'owner':
      return (c) => c.ownerId.toLowerCase() === v
    case 'id': {
      const range = /^(\d+)-(\d+)$/.exec(value)
      if (range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])]
        return (c) => c.id >= lo && c.id <= hi
      }
      const n = wholeNumber(key, value)
      return (c) => c.id === n
    }
    case 'client':
      return (c) => formatPeer(c.client).toLowerCase().includes(v)
    case 'target':
      return (c) => c.target.toLowerCase().includes(v) || (c.upstream !== undefined && formatPeer(c.upstream.remote).toLowerCase().includes(v))
    default:
      throw new UserError(`unknown filter word "${key}:": use ${KEYS.map((k) => `${k}:`).join(' ')} or plain text`)
  }
}

/** The filter's words as one predicate; words may be quoted to hold spaces. */
export function parseFilter(filter: string): Predicate | undefined {
  const words = filter.match(/-?(?:[a-z]+:)?(?:"[^"]*"|\S+)/gi) ?? []
  const preds: Predicate[] = []
  for (let word of words) {
    const negate = word.startsWith('-') && word.length > 1
    if (negate) word = word.slice(1)
    const colon = /^([a-z]+):(.*)$/i.exec(word)
    let p: Predicate
    if (colon && (KEYS as readonly string[]).includes(colon[1].toLowerCase())) p = term(colon[1].toLowerCase(), colon[2].replace(/^"|"$/g, ''))
    else if (colon && colon[2] !== '' && !/^\d+$/.test(colon[2])) p = term(colon[1].toLowerCase(), colon[2])
    else {
      const text = word.replace(/^"|"$/g, '').toLowerCase()
      p = (c) => endpoints(c).includes(text) || c.ownerId.toLowerCase() === text
    }
    preds.push(negate ? (c) => !p(c) : p)
  }
  if (preds.length === 0) return undefined
  return (c) => preds.every((p) => p(c))
}

const END_ORDER: Record<ConnectionEnd, number> = { open: 0, closed: 1, 'client-reset': 2, 'server-reset': 3, 'connect-failed': 4, error: 5, stopped: 6, cut: 7 }

const duration = (c: ConnectionSummary): number => (c.closedAt ?? Date.now()) - c.openedAt

const SORTS: Record<SortKey, (a: ConnectionSummary, b: ConnectionSummary) => number> = {
  id: (a, b) => a.id - b.id,
  start: (a, b) => a.openedAt - b.openedAt || a.id - b.id,
  duration: (a, b) => duration(a) - duration(b) || a.id - b.id,
  client: (a, b) => formatPeer(a.client).localeCompare(formatPeer(b.client)) || a.id - b.id,
  target: (a, b) => a.target.localeCompare(b.target) || a.id - b.id,
  sent: (a, b) => a.bytes.client - b.bytes.client || a.id - b.id,
  received: (a, b) => a.bytes.server - b.bytes.server || a.id - b.id,
  bytes: (a, b) => a.bytes.client + a.bytes.server - (b.bytes.client + b.bytes.server) || a.id - b.id,
  state: (a, b) => END_ORDER[a.end] - END_ORDER[b.end] || a.id - b.id,
  kind: (a, b) => a.kind.localeCompare(b.kind) || a.id - b.id,
  owner: (a, b) => a.ownerId.localeCompare(b.ownerId) || a.id - b.id
}

export interface PageQuery {
  offset: number
  limit: number
  filter?: string
  sort?: SortKey
  descending?: boolean
}

/** Pages of one capture's list; remembers the last query's matching rows. */
export class ConnectionQuery {
  private cached: { key: string; version: number; rows: number[] } | undefined

  constructor(
    private readonly index: IndexView,
    /** Changes whenever the capture's connections do (a live capture); constant for a file. */
    private readonly version: () => number
  ) {}

  async page(q: PageQuery): Promise<{ total: number; offset: number; rows: ConnectionSummary[] }> {
    await this.index.loadAll()
    const predicate = q.filter ? parseFilter(q.filter) : undefined
    const sort = q.sort ?? 'id'
    const summary = (row: number): ConnectionSummary => this.index.summary(row)
    // The common case, the list in id order unfiltered: rows are already in that order.
    if (predicate === undefined && sort === 'id') {
      const total = this.index.size
      const rows: ConnectionSummary[] = []
      for (let k = q.offset; k < Math.min(total, q.offset + q.limit); k++) rows.push(summary(q.descending ? total - 1 - k : k))
      return { total, offset: q.offset, rows }
    }
    const key = JSON.stringify([q.filter ?? '', sort, q.descending === true])
    const version = this.version()
    if (this.cached?.key !== key || this.cached.version !== version) {
      const matching: ConnectionSummary[] = []
      const rowsOf = new Map<ConnectionSummary, number>()
      for (let row = 0; row < this.index.size; row++) {
        const c = summary(row)
        if (predicate === undefined || predicate(c)) {
          matching.push(c)
          rowsOf.set(c, row)
        }
      }
      const cmp = SORTS[sort]
      matching.sort(q.descending ? (a, b) => cmp(b, a) : cmp)
      this.cached = { key, version, rows: matching.map((c) => rowsOf.get(c)!) }
    }
    const rows = this.cached.rows
    return { total: rows.length, offset: q.offset, rows: rows.slice(q.offset, q.offset + q.limit).map(summary) }
  }
}
