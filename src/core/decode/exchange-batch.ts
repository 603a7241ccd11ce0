// Exchanges as they cross from the decode worker: one batch of columns per message (typed
// arrays, moved with postMessage's transfer list, and one string table), not an object per
// exchange. Cloning an object per exchange was the engine's wall: a profile of 100,000
// exchanges decoded from a file spent about 0.9 s of the worker's time in postMessage and
// 1.6 s in its garbage collection, against 0.7 s decoding. The writer takes the decoders'
// exchanges straight into columns; the reader gives the table (exchange-table.ts) each
// row's numbers and strings without making an object of the row.

import type { ExchangeState, HttpExchange, HttpMessage } from '../../shared/protocol-types'
import { firstHeader, nameIs } from '../protocols/http1/head-parser'

export const STATES: ExchangeState[] = ['pending', 'complete', 'incomplete', 'upgraded']
const STATE_CODE = new Map(STATES.map((s, i) => [s, i]))

/** Where a WebSocket's frames begin after its upgrade, and what it agreed for permessage-deflate. */
export interface WsStart {
  client: number
  server: number
  /** The response's Sec-WebSocket-Extensions value, when it has one. */
  extensions?: string
}

/** The string columns: ids into the batch's string table (0: none). */
export const STRING_COLUMNS = ['method', 'host', 'path', 'type', 'upgrade'] as const
export type StringColumn = (typeof STRING_COLUMNS)[number]
const STRING_AT: Record<StringColumn, number> = { method: 0, host: 1, path: 2, type: 3, upgrade: 4 }

// Whole-number columns, INTS to a row: index, stream (0: HTTP/1.x), status (0: no response),
// state, the STRING_COLUMNS' ids, the WebSocket extensions' id, and 1 when the row has a WsStart.
const I_INDEX = 0
const I_STREAM = 1
const I_STATUS = 2
const I_STATE = 3
const I_STRINGS = 4
const I_WS_EXT = I_STRINGS + STRING_COLUMNS.length
const I_HAS_WS = I_WS_EXT + 1
const INTS = I_HAS_WS + 1
// Number columns, NUMS to a row (NaN: none): sizes, times and stream offsets.
const N_REQ_SIZE = 0
const N_RES_SIZE = 1
const N_STARTED = 2
const N_DURATION = 3
const N_REQ_AT = 4
const N_RES_AT = 5
const N_WS_CLIENT = 6
const N_WS_SERVER = 7
const NUMS = 8

/**
 * A batch as it crosses: `ints` and `nums` hold `size` rows; the strings are `strings` cut at
 * `lengths` (UTF-16 units), id i + 1 for the i-th. `strings` holds nothing else, so a slice of
 * it kept keeps no more than the batch's own strings alive.
 */
export interface PackedExchanges {
  size: number
  ints: Uint32Array
  nums: Float64Array
  strings: string
  lengths: Uint32Array
}

/** The headers the short form reads (DecoderOptions.onlyHeaders): its details are decoded again when asked. */
export const COLUMN_HEADERS: readonly string[] = ['host', 'content-type', 'sec-websocket-extensions']

/** The authority a request names: its Host header (HTTP/2's :authority), else the target's. */
function hostOf(req: HttpMessage | undefined): string | undefined {
  if (!req) return undefined
  for (const h of req.headers) if (nameIs(h.name, 'host') || h.name === ':authority') return h.value.toLowerCase()
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(req.target ?? '')
  if (m) return m[1].toLowerCase()
  return req.method === 'CONNECT' ? req.target?.toLowerCase() : undefined
}

/** The target's path and query (an absolute-form target loses its scheme and authority). */
function pathOf(req: HttpMessage | undefined): string | undefined {
  const t = req?.target
  if (t === undefined) return undefined
  // Origin-form, nearly every request's: no scheme to take off, and no regex run for it.
  if (t.charCodeAt(0) === 0x2f) return t
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(t)
  return m ? m[1] || '/' : t
}

/** The first `name` header's value (`name` lower-case). */
export function headerValue(msg: HttpMessage | undefined, name: string): string | undefined {
  if (!msg) return undefined
  return firstHeader(msg.headers, name)
}

/**
 * Rows a writer makes room for at its first exchange; it doubles them as it fills. One row's
 * numbers (44 and 64 bytes) are typed arrays V8 keeps in its heap, not ArrayBuffers of their own.
 */
const FIRST_ROWS = 1
/** Strings a writer joins into one as it goes (see ExchangeBatchWriter.keep). */
const JOIN_EVERY = 128

/** Exchanges in short, added one by one (the worker's side, or the in-thread host's). */
export class ExchangeBatchWriter {
  size = 0
  // Made at the first exchange and grown from one row, not 64 rows made with the writer: a
  // writer a feed (the in-thread host; one record a feed while live) mostly adds one exchange
  // or none, and two ArrayBuffers made for each held the decoder alone, one record a batch,
  // to 60-67k exchanges a second (bench/decode.mjs's live row; 104-110k after).
  private ints = new Uint32Array(0)
  private nums = new Float64Array(0)
  private readonly ids = new Map<string, number>()
  /** The table's strings: those of `joined` and then `parts` (each string's length in `lengths`). */
  private readonly joined: string[] = []
  private parts: string[] = []
  private readonly lengths: number[] = []

  /** The last path added, and its id. */
  private lastPath: string | undefined
  private lastPathId = 0

  /**
   * A path's id, with no lookup: paths are mostly each new (the table gives each batch's an
   * id of its own, StringPool.add), and one asked for again and again comes in a row.
   */
  private path(s: string | undefined): number {
    if (s === undefined) return 0
    if (s !== this.lastPath) {
      this.lastPath = s
      this.lastPathId = this.keep(s)
    }
    return this.lastPathId
  }

  private string(s: string | undefined): number {
    if (s === undefined) return 0
    let id = this.ids.get(s)
    if (id === undefined) {
      id = this.keep(s)
      this.ids.set(s, id)
    }
    return id
  }

  /**
   * Puts `s` in the table; returns its id. Every JOIN_EVERY strings are joined into one: a
   * value is mostly a slice of its whole decoded head, which a slice keeps alive, and the
   * worker's writer takes a whole message's feeds (thousands of exchanges) before it packs.
   * Kept until then, the heads outlived the young generation: 41 of the 56 MiB that survived
   * a collection in decoding 100,000 keep-alive exchanges were heads.
   */
  private keep(s: string): number {
    this.parts.push(s)
    this.lengths.push(s.length)
    if (this.parts.length >= JOIN_EVERY) {
      this.joined.push(this.parts.join(''))
      this.parts = []
    }
    return this.lengths.length
  }

  /** Adds what the table keeps of `ex` (a decoder's snapshot); returns its row. */
  add(ex: HttpExchange): number {
    const row = this.size++
    if (this.size * INTS > this.ints.length) {
      const rows = Math.max(FIRST_ROWS, (this.ints.length / INTS) * 2)
      const ints = new Uint32Array(rows * INTS)
      ints.set(this.ints)
      this.ints = ints
      const nums = new Float64Array(rows * NUMS)
      nums.set(this.nums)
      this.nums = nums
    }
    const req = ex.request
    const res = ex.response
    // A request a rule or the script answered: the client's answer is the response the row shows.
    const got = res === undefined ? ex.answeredBy?.got : undefined
    const first = req ?? ex.informational[0] ?? res
    const i = row * INTS
    const n = row * NUMS
    const ints = this.ints
    const nums = this.nums
    ints[i + I_INDEX] = ex.index
    ints[i + I_STREAM] = ex.stream ?? 0
    ints[i + I_STATUS] = res?.status ?? got?.status ?? 0
    ints[i + I_STATE] = STATE_CODE.get(ex.state) ?? 0
    ints[i + I_STRINGS + STRING_AT.method] = this.string(req?.method)
    ints[i + I_STRINGS + STRING_AT.host] = this.string(hostOf(req))
    ints[i + I_STRINGS + STRING_AT.path] = this.path(pathOf(req))
    ints[i + I_STRINGS + STRING_AT.type] = this.string((res ? headerValue(res, 'content-type') : got?.contentType)?.toLowerCase())
    ints[i + I_STRINGS + STRING_AT.upgrade] = this.string(ex.upgrade)
    nums[n + N_REQ_SIZE] = req?.body.size ?? 0
    nums[n + N_RES_SIZE] = res?.body.size ?? got?.size ?? 0
    nums[n + N_STARTED] = first?.startedAt ?? NaN
    nums[n + N_DURATION] = req && res?.endedAt !== undefined ? res.endedAt - req.startedAt : req && got ? Math.max(0, got.at - req.startedAt) : NaN
    nums[n + N_REQ_AT] = req?.startRange.offset ?? NaN
    nums[n + N_RES_AT] = (ex.informational[0] ?? res)?.startRange.offset ?? NaN
    const ws = ex.upgrade === 'websocket' && ex.state === 'upgraded' && req && res
    ints[i + I_HAS_WS] = ws ? 1 : 0
    ints[i + I_WS_EXT] = ws ? this.string(headerValue(res, 'sec-websocket-extensions')) : 0
    nums[n + N_WS_CLIENT] = ws ? (req.body.framing === 'none' ? req.headRange.offset + req.headRange.length : req.body.range.offset + req.body.range.length) : NaN
    nums[n + N_WS_SERVER] = ws ? res.headRange.offset + res.headRange.length : NaN
    return row
  }

  /**
   * Puts rows `from`.. in order of index (a feed's rows come as its exchanges became final,
   * then the rest; callers upsert by index, and a connection's rows in order stay compact,
   * conn-decoding.ts). Already in order, as HTTP/1's nearly always are, it moves nothing.
   */
  sortRows(from: number): void {
    const ints = this.ints
    let sorted = true
    for (let r = from + 1; r < this.size && sorted; r++) sorted = ints[(r - 1) * INTS + I_INDEX] < ints[r * INTS + I_INDEX]
    if (sorted) return
    const rows = Array.from({ length: this.size - from }, (_, k) => from + k).sort((a, b) => ints[a * INTS + I_INDEX] - ints[b * INTS + I_INDEX])
    const oldInts = ints.slice(from * INTS, this.size * INTS)
    const oldNums = this.nums.slice(from * NUMS, this.size * NUMS)
    rows.forEach((r, k) => {
      ints.set(oldInts.subarray((r - from) * INTS, (r - from + 1) * INTS), (from + k) * INTS)
      this.nums.set(oldNums.subarray((r - from) * NUMS, (r - from + 1) * NUMS), (from + k) * NUMS)
    })
  }

  /** The batch as it crosses; the writer is spent. Its buffers go in `transfer` (moved, not copied). */
  pack(transfer?: ArrayBuffer[]): PackedExchanges {
    const lengths = Uint32Array.from(this.lengths)
    // A table of its own (V8's join of one string is that string, maybe a slice of a whole
    // decoded head): the table that takes the batch keeps its strings as slices of it.
    const all = this.joined.concat(this.parts)
    const strings = all.length === 1 ? (' ' + all[0]).slice(1) : all.join('')
    const packed = { size: this.size, ints: this.ints, nums: this.nums, strings, lengths }
    transfer?.push(this.ints.buffer as ArrayBuffer, this.nums.buffer as ArrayBuffer, lengths.buffer as ArrayBuffer)
    return packed
  }
}

/** A batch's rows, read in place. */
export class ExchangeBatch {
  readonly size: number
  private readonly ints: Uint32Array
  private readonly nums: Float64Array
  /** The string table, by id (0: none). */
  private readonly values: (string | undefined)[]
  /** Each string's id in the pool of the table that took it (exchange-table.ts), once looked up; 0: not yet. */
  private pooled: Uint32Array
  private pooledIn: object | undefined

  constructor(p: PackedExchanges) {
    this.size = p.size
    this.ints = p.ints
    this.nums = p.nums
    const values: (string | undefined)[] = new Array<string | undefined>(p.lengths.length + 1)
    values[0] = undefined
    let at = 0
    for (let k = 0; k < p.lengths.length; k++) {
      values[k + 1] = p.strings.slice(at, at + p.lengths[k])
      at += p.lengths[k]
    }
    this.values = values
    this.pooled = new Uint32Array(values.length)
  }

  /**
   * The ids `pool` gave this batch's strings, 0 for those not looked up yet. One message from
   * the worker may carry several captures' rows, each table with its own pool: the ids are
   * kept for the last pool asked about.
   */
  idsIn(pool: object): Uint32Array {
    if (this.pooledIn !== pool) {
      if (this.pooledIn !== undefined) this.pooled.fill(0)
      this.pooledIn = pool
    }
    return this.pooled
  }

  /** Row `row`'s whole-number column `column` (an I_ constant), and its number column (an N_ constant). */
  private int(row: number, column: number): number {
    return this.ints[row * INTS + column]
  }
  private num(row: number, column: number): number {
    return this.nums[row * NUMS + column]
  }

  index(row: number): number {
    return this.int(row, I_INDEX)
  }
  /** 0 for HTTP/1.x. */
  stream(row: number): number {
    return this.int(row, I_STREAM)
  }
  /** 0 while there is no response. */
  status(row: number): number {
    return this.int(row, I_STATUS)
  }
  stateCode(row: number): number {
    return this.int(row, I_STATE)
  }
  state(row: number): ExchangeState {
    return STATES[this.stateCode(row)]
  }
  /** The id of a string column's value in this batch's table (0: none). */
  stringId(row: number, column: StringColumn): number {
    return this.int(row, I_STRINGS + STRING_AT[column])
  }
  /** The string of id `id` (0: none). */
  string(id: number): string | undefined {
    return this.values[id]
  }
  get(row: number, column: StringColumn): string | undefined {
    return this.values[this.stringId(row, column)]
  }
  requestSize(row: number): number {
    return this.num(row, N_REQ_SIZE)
  }
  responseSize(row: number): number {
    return this.num(row, N_RES_SIZE)
  }
  startedAt(row: number): number {
    return this.num(row, N_STARTED)
  }
  /** NaN until complete. */
  duration(row: number): number {
    return this.num(row, N_DURATION)
  }
  /** Where the request and the response (its first informational one) start; NaN for none. */
  reqAt(row: number): number {
    return this.num(row, N_REQ_AT)
  }
  resAt(row: number): number {
    return this.num(row, N_RES_AT)
  }
  /** An exchange that switched to WebSocket: where its frames start. */
  ws(row: number): WsStart | undefined {
    if (this.int(row, I_HAS_WS) !== 1) return undefined
    const ws: WsStart = { client: this.num(row, N_WS_CLIENT), server: this.num(row, N_WS_SERVER) }
    const ext = this.values[this.int(row, I_WS_EXT)]
    if (ext !== undefined) ws.extensions = ext
    return ws
  }
}

/** Rows from..to of a batch: one feed's exchanges. */
export interface ExchangeRows {
  batch: ExchangeBatch
  from: number
  to: number
}
