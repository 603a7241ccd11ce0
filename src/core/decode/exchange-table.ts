// Every HTTP exchange a capture's decoding found, in short, as columns: what the exchange
// list shows, filters and sorts by, and where each exchange's request and response start
// (to decode it again in full when asked). Typed arrays and interned strings, not an object
// per exchange: 100,000 exchanges take a few megabytes (test/core/decode/decode-memory.test.ts).

import type { ExchangeRow, ExchangeState } from '../../shared/protocol-types'
import { STATES, type ExchangeBatch } from './exchange-batch'

/**
 * Strings that repeat (methods, hosts, paths, content types) stored once, by number; 0 is none.
 * A string is kept as given, not copied: a batch's strings are slices of its own string table
 * (PackedExchanges), which holds only that batch's strings. A copy and a second hash of each
 * new string (paths mostly are) cost more than the lookup: 100,000 new paths, with 100,000
 * lookups of one method, took 42-66 ms with them and 26-28 ms without (a loop alone).
 */
export class StringPool {
  private readonly ids = new Map<string, number>()
  readonly values: (string | undefined)[] = [undefined]

  id(s: string | undefined): number {
    if (s === undefined) return 0
    let id = this.ids.get(s)
    if (id === undefined) {
      id = this.values.length
      this.values.push(s)
      this.ids.set(s, id)
    }
    return id
  }

  /**
   * A new id for `s`, with no lookup: paths are mostly each new, and a lookup in a table of
   * every path (two, for a new one) was the engine thread's costliest step per exchange, a
   * hash and cache misses in a map of 100,000. The same text may then have several ids.
   */
  add(s: string | undefined): number {
    if (s === undefined) return 0
    this.values.push(s)
    return this.values.length - 1
  }
}

class Column<T extends Float64Array | Uint32Array | Uint8Array | Uint16Array> {
  constructor(
    public data: T,
    private readonly make: (n: number) => T
  ) {}
  grow(n: number): void {
    if (n <= this.data.length) return
    const next = this.make(Math.max(n, this.data.length * 2))
    next.set(this.data)
    this.data = next
  }
}

const f64 = (n: number): Float64Array => new Float64Array(n)
const u32 = (n: number): Uint32Array => new Uint32Array(n)
const u8 = (n: number): Uint8Array => new Uint8Array(n)

export class ExchangeTable {
  size = 0
  /** Bumped on every change: cached filter results know when they are stale. */
  version = 0
  /**
   * The rows put, in order (some more than once), so that a list sorted before can take in
   * just those (exchange-query.ts) rather than sort every row again at each page asked for
   * while a file decodes or a capture grows. It starts over once longer than twice the
   * table (logEpoch then says that a position in the old one means nothing).
   */
  private readonly log = new Column(u32(64), u32)
  logLength = 0
  logEpoch = 0
  readonly strings = new StringPool()
  private readonly cols = {
    conn: new Column(u32(64), u32),
    index: new Column(u32(64), u32),
    method: new Column(u32(64), u32),
    host: new Column(u32(64), u32),
    path: new Column(u32(64), u32),
    type: new Column(u32(64), u32),
    upgrade: new Column(u32(64), u32),
    status: new Column(u32(64), u32),
    state: new Column(u8(64), u8),
    reqSize: new Column(f64(64), f64),
    resSize: new Column(f64(64), f64),
    startedAt: new Column(f64(64), f64),
    duration: new Column(f64(64), f64),
    /** Where the request's and the response's first bytes are (NaN: none yet). */
    reqAt: new Column(f64(64), f64),
    resAt: new Column(f64(64), f64),
    /** HTTP/2's stream id; 0 for HTTP/1.x (stream 0 is the connection's, never an exchange's). */
    stream: new Column(u32(64), u32)
  }

  /**
   * The pool's id of a batch's string `id` (0: none), found once per batch: looked up, or
   * for a path (`lookUp` false) a new one with no lookup (StringPool.add).
   */
  private pooled(b: ExchangeBatch, ids: Uint32Array, id: number, lookUp = true): number {
    if (id === 0) return 0
    return (ids[id] ||= lookUp ? this.strings.id(b.string(id)) : this.strings.add(b.string(id)))
  }

  /** Adds row `i` of a batch from the decoders (or updates table row `row` with it); returns its row. */
  put(connId: number, b: ExchangeBatch, i: number, row = this.size): number {
    if (row === this.size) {
      this.size++
      // Every column has the same room: only a full table walks them (a walk a row cost an array a row).
      if (this.size > this.cols.conn.data.length) for (const c of Object.values(this.cols)) c.grow(this.size)
    }
    const c = this.cols
    c.conn.data[row] = connId
    c.index.data[row] = b.index(i)
    const ids = b.idsIn(this.strings)
    // Each of exchange-batch.ts's STRING_COLUMNS by name: a loop over the names made every access a megamorphic keyed one (a tenth of put's time).
    c.method.data[row] = this.pooled(b, ids, b.stringId(i, 'method'))
    c.host.data[row] = this.pooled(b, ids, b.stringId(i, 'host'))
    c.path.data[row] = this.pooled(b, ids, b.stringId(i, 'path'), false)
    c.type.data[row] = this.pooled(b, ids, b.stringId(i, 'type'))
    c.upgrade.data[row] = this.pooled(b, ids, b.stringId(i, 'upgrade'))
    c.status.data[row] = b.status(i)
    c.state.data[row] = b.stateCode(i)
    c.reqSize.data[row] = b.requestSize(i)
    c.resSize.data[row] = b.responseSize(i)
    c.startedAt.data[row] = b.startedAt(i)
    c.duration.data[row] = b.duration(i)
    c.reqAt.data[row] = b.reqAt(i)
    c.resAt.data[row] = b.resAt(i)
    c.stream.data[row] = b.stream(i)
    this.version++
    if (this.logLength >= Math.max(1024, 2 * this.size)) {
      this.logLength = 0
      this.logEpoch++
    }
    this.log.grow(this.logLength + 1)
    this.log.data[this.logLength++] = row
    return row
  }

  /** The rows put from log position `from` on (in this epoch), some more than once. */
  putSince(from: number): Uint32Array {
    return this.log.data.subarray(from, this.logLength)
  }

  conn(row: number): number {
    return this.cols.conn.data[row]
  }
  index(row: number): number {
    return this.cols.index.data[row]
  }
  method(row: number): string | undefined {
    return this.strings.values[this.cols.method.data[row]]
  }
  host(row: number): string | undefined {
    return this.strings.values[this.cols.host.data[row]]
  }
  path(row: number): string | undefined {
    return this.strings.values[this.cols.path.data[row]]
  }
  contentType(row: number): string | undefined {
    return this.strings.values[this.cols.type.data[row]]
  }
  /** 0 while there is no response. */
  status(row: number): number {
    return this.cols.status.data[row]
  }
  state(row: number): ExchangeState {
    return STATES[this.cols.state.data[row]]
  }
  responseSize(row: number): number {
    return this.cols.resSize.data[row]
  }
  startedAt(row: number): number {
    return this.cols.startedAt.data[row]
  }
  /** NaN until complete. */
  duration(row: number): number {
    return this.cols.duration.data[row]
  }
  upgrade(row: number): string | undefined {
    return this.strings.values[this.cols.upgrade.data[row]]
  }
  /** HTTP/2: its stream id; undefined for HTTP/1.x. */
  stream(row: number): number | undefined {
    return this.cols.stream.data[row] || undefined
  }
  /** The stream offsets where the exchange's request and its response (first informational one included) start; NaN for none. */
  starts(row: number): { client: number; server: number } {
    return { client: this.cols.reqAt.data[row], server: this.cols.resAt.data[row] }
  }

  /** The method, host, path, status and type ids, for filters that compare numbers. */
  ids(row: number): { method: number; host: number; path: number; type: number } {
    const c = this.cols
    return { method: c.method.data[row], host: c.host.data[row], path: c.path.data[row], type: c.type.data[row] }
  }

  row(row: number): ExchangeRow {
    const c = this.cols
    const out: ExchangeRow = {
      connId: c.conn.data[row],
      index: c.index.data[row],
      requestSize: c.reqSize.data[row],
      responseSize: c.resSize.data[row],
      startedAt: c.startedAt.data[row],
      state: this.state(row)
    }
    const method = this.method(row)
    if (method !== undefined) out.method = method
    const host = this.host(row)
    if (host !== undefined) out.host = host
    const path = this.path(row)
    if (path !== undefined) out.path = path
    if (c.status.data[row] !== 0) out.status = c.status.data[row]
    const type = this.contentType(row)
    if (type !== undefined) out.contentType = type
    if (!Number.isNaN(c.duration.data[row])) out.duration = c.duration.data[row]
    const upgrade = this.strings.values[c.upgrade.data[row]]
    if (upgrade !== undefined) out.upgrade = upgrade
    if (c.stream.data[row] !== 0) out.stream = c.stream.data[row]
    return out
  }
}
