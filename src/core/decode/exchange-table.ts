// Every HTTP exchange a capture's decoding found, in short, as columns: what the exchange
// list shows, filters and sorts by, and where each exchange's request and response start
// (to decode it again in full when asked). Typed arrays and interned strings, not an object
// per exchange: 100,000 exchanges take a few megabytes (test/core/decode/decode-memory.test.ts).

import type { ExchangeRow, ExchangeState, HttpExchange, HttpMessage } from '../../shared/protocol-types'

const STATES: ExchangeState[] = ['pending', 'complete', 'incomplete', 'upgraded']
const STATE_CODE = new Map(STATES.map((s, i) => [s, i]))

/** Strings that repeat (methods, hosts, paths, content types) stored once, by number; 0 is none. */
export class StringPool {
  private readonly ids = new Map<string, number>()
  readonly values: (string | undefined)[] = [undefined]

  id(s: string | undefined): number {
    if (s === undefined) return 0
    let id = this.ids.get(s)
    if (id === undefined) {
      // A copy of its own: a slice of a decoded head would keep the whole head alive.
      const own = (' ' + s).slice(1)
      id = this.values.length
      this.values.push(own)
      this.ids.set(own, id)
    }
    return id
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

/** The authority a request names: its Host header (HTTP/2's :authority), else the target's. */
function hostOf(req: HttpMessage | undefined): string | undefined {
  if (!req) return undefined
  for (const h of req.headers) if ((h.name.length === 4 && h.name.toLowerCase() === 'host') || h.name === ':authority') return h.value.toLowerCase()
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(req.target ?? '')
  if (m) return m[1].toLowerCase()
  return req.method === 'CONNECT' ? req.target?.toLowerCase() : undefined
}

/** The target's path and query (an absolute-form target loses its scheme and authority). */
function pathOf(req: HttpMessage | undefined): string | undefined {
  const t = req?.target
  if (t === undefined) return undefined
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(t)
  return m ? m[1] || '/' : t
}

export function headerValue(msg: HttpMessage | undefined, name: string): string | undefined {
  if (!msg) return undefined
  for (const h of msg.headers) if (h.name.toLowerCase() === name) return h.value
  return undefined
}

/** Where a WebSocket's frames begin after its upgrade, and what it agreed for permessage-deflate. */
export interface WsStart {
  client: number
  server: number
  /** The response's Sec-WebSocket-Extensions value, when it has one. */
  extensions?: string
}

/**
 * An exchange in short: what the table keeps of it. Decoders' hosts (the worker) send these,
 * not exchanges: a few numbers and strings cross instead of every header and range.
 */
export interface ExchangeFacts {
  index: number
  /** HTTP/2: its stream id (absent for HTTP/1.x). */
  stream?: number
  method?: string
  host?: string
  path?: string
  type?: string
  upgrade?: string
  /** 0 while there is no response. */
  status: number
  state: ExchangeState
  reqSize: number
  resSize: number
  startedAt: number
  /** NaN until complete. */
  duration: number
  /** Where the request and the response (its first informational one) start; NaN for none. */
  reqAt: number
  resAt: number
  /** An exchange that switched to WebSocket: where its frames start. */
  ws?: WsStart
}

export function factsOf(ex: HttpExchange): ExchangeFacts {
  const req = ex.request
  const res = ex.response
  const first = req ?? ex.informational[0] ?? res
  const f: ExchangeFacts = {
    index: ex.index,
    status: res?.status ?? 0,
    state: ex.state,
    reqSize: req?.body.size ?? 0,
    resSize: res?.body.size ?? 0,
    startedAt: first?.startedAt ?? NaN,
    duration: req && res?.endedAt !== undefined ? res.endedAt - req.startedAt : NaN,
    reqAt: req?.startRange.offset ?? NaN,
    resAt: (ex.informational[0] ?? res)?.startRange.offset ?? NaN
  }
  const method = req?.method
  if (method !== undefined) f.method = method
  const host = hostOf(req)
  if (host !== undefined) f.host = host
  const path = pathOf(req)
  if (path !== undefined) f.path = path
  const type = headerValue(res, 'content-type')?.toLowerCase()
  if (type !== undefined) f.type = type
  if (ex.upgrade !== undefined) f.upgrade = ex.upgrade
  if (ex.stream !== undefined) f.stream = ex.stream
  if (ex.upgrade === 'websocket' && ex.state === 'upgraded' && req && res) {
    const reqEnd = req.body.framing === 'none' ? req.headRange.offset + req.headRange.length : req.body.range.offset + req.body.range.length
    f.ws = { client: reqEnd, server: res.headRange.offset + res.headRange.length }
    const ext = headerValue(res, 'sec-websocket-extensions')
    if (ext !== undefined) f.ws.extensions = ext
  }
  return f
}

export class ExchangeTable {
  size = 0
  /** Bumped on every change: cached filter results know when they are stale. */
  version = 0
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

  /** Adds an exchange (or updates row `row`); returns its row. */
  put(connId: number, ex: ExchangeFacts, row = this.size): number {
    if (row === this.size) {
      this.size++
      for (const c of Object.values(this.cols)) c.grow(this.size)
    }
    const c = this.cols
    c.conn.data[row] = connId
    c.index.data[row] = ex.index
    c.method.data[row] = this.strings.id(ex.method)
    c.host.data[row] = this.strings.id(ex.host)
    c.path.data[row] = this.strings.id(ex.path)
    c.type.data[row] = this.strings.id(ex.type)
    c.upgrade.data[row] = this.strings.id(ex.upgrade)
    c.status.data[row] = ex.status
    c.state.data[row] = STATE_CODE.get(ex.state) ?? 0
    c.reqSize.data[row] = ex.reqSize
    c.resSize.data[row] = ex.resSize
    c.startedAt.data[row] = ex.startedAt
    c.duration.data[row] = ex.duration
    c.reqAt.data[row] = ex.reqAt
    c.resAt.data[row] = ex.resAt
    c.stream.data[row] = ex.stream ?? 0
    this.version++
    return row
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
