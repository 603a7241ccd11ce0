// One connection's decoding, in plain fields, and what it found (exchanges as rows of the
// capture's ExchangeTable, WebSocket messages, problems), from which its summary (the
// connection list's protocol and Info columns) is made when asked.

import type { ConnectionEnd, Direction } from '../../shared/capture-types'
import { PROTOCOLS, type DecodeProblem, type Protocol, type ProtocolSummary } from '../../shared/protocol-types'
import type { TlsHello } from '../../shared/tls-types'
import type { FeedResult } from './decoder-set'
import type { WsStart } from './exchange-batch'
import type { ExchangeTable } from './exchange-table'
import { MessageList } from './message-list'

const END_CODE: Record<ConnectionEnd, number> = { open: 0, closed: 1, 'client-reset': 2, 'server-reset': 3, 'connect-failed': 4, error: 5, stopped: 6, cut: 7, 'saved-open': 8, 'tcpscope-reset': 9 }

/** A connection's end and FINs as one number, for saw() and seenFlags. */
export function flagsOf(end: ConnectionEnd, finClient: boolean, finServer: boolean): number {
  return (END_CODE[end] << 2) | (finClient ? 1 : 0) | (finServer ? 2 : 0)
}

/** Problems kept per connection. */
const MAX_PROBLEMS = 100

const PROTOCOL_CODES: Protocol[] = [...PROTOCOLS]

// A shared empty list: a connection gets its own on its first problem.
const NONE_PROBLEMS: DecodeProblem[] = []

/**
 * A connection's decoding, in plain fields: 100,000 connections keep one each, so lists and
 * objects are made only when needed (its exchanges' table rows are a range while they are
 * consecutive, as they are unless live connections interleave; its summary is rebuilt from
 * the table when asked).
 */
export class ConnDecoding {
  /** The next record to feed. */
  cursor = 0
  // Where its decoder wants bytes from: -0, the start as a double, since a finished decoder
  // wants NOTHING_MORE, a double: a field first given a small integer changes the layout of
  // every connection's object when the first double comes, and V8 throws away the code
  // made for the old one, at the first connection's end, late in a file.
  wantClient = -0
  wantServer = -0
  endedClient = false
  endedServer = false
  /** PROTOCOLS index; -1 until decoding looked. */
  protocolCode = -1
  problem = false
  /** Table rows of its exchanges by index: rowStart + i, or `rows[i]` once they are not consecutive. */
  exchangeCount = 0
  rowStart = -1
  rows: number[] | undefined
  messages: MessageList | undefined
  problems: DecodeProblem[] = NONE_PROBLEMS
  ws: WsStart | undefined
  /** A TLS connection: what its client's hello asked for. */
  hello: TlsHello | undefined
  /** A raw connection: the protocol its messages are, as recognised (ProtocolSummary.carries). */
  carries: string | undefined
  /**
   * The connection's bytes and end as last caught up with: a change means more to decode.
   * The counts start as NaN (never caught up with), a double, for wantClient's reason: they
   * come as doubles (decodeState's), and a first one given to a small-integer field made
   * V8 throw away the engine thread's code for take, rowOf and setRow in every cold decoding.
   */
  seenClient = NaN
  seenServer = NaN
  seenFlags = -1
  /** Its decoder is gone: the connection ended and every record was fed. */
  finished = false
  /**
   * Why its records could not all be read (a damaged file), when a background run met it:
   * what asks for the connection's details gets it, as one that read them itself would.
   */
  unreadable: Error | undefined
  busy: Promise<void> | undefined
  /**
   * Its Info words lower-cased (info-texts.ts), kept until what lists show of it
   * changes: a new plain filter word reads them for every row, and building them again was
   * most of its time over 100,000 connections.
   */
  infoText: string | undefined
  /** InfoTexts' `framings` when infoText was made: a framing chosen changes what rows say. */
  infoFramings = -1

  constructor(
    readonly connId: number,
    /** The decoder host's key (a new one when decoding starts over). */
    public key: number
  ) {}

  get protocol(): Protocol | undefined {
    return this.protocolCode < 0 ? undefined : PROTOCOL_CODES[this.protocolCode]
  }

  /** Its decoder has yet to tell the protocol (never fed, or too few bytes so far). */
  get detecting(): boolean {
    return this.protocol === undefined || this.protocol === 'unknown'
  }

  want(): Record<Direction, number> {
    return { client: this.wantClient, server: this.wantServer }
  }
  ended(): Record<Direction, boolean> {
    return { client: this.endedClient, server: this.endedServer }
  }

  /** The table row of exchange `i`. */
  row(i: number): number {
    return this.rows ? this.rows[i] : this.rowStart + i
  }

  /** Table rows of exchanges from..from + limit. */
  rowsOf(from: number, limit: number): number[] {
    const out: number[] = []
    for (let i = from; i < Math.min(this.exchangeCount, from + limit); i++) out.push(this.row(i))
    return out
  }

  /** Exchange `index` now lives at table row `row`. */
  setRow(index: number, row: number): void {
    if (index < this.exchangeCount && this.row(index) === row) return
    if (!this.rows && index === this.exchangeCount && (index === 0 || row === this.rowStart + index)) {
      if (index === 0) this.rowStart = row
    } else {
      this.rows ??= this.rowsOf(0, this.exchangeCount)
      this.rows[index] = row
    }
    this.exchangeCount = Math.max(this.exchangeCount, index + 1)
  }

  /** The row exchange `index` has, or undefined for a new one. */
  rowOf(index: number): number | undefined {
    return index < this.exchangeCount ? this.row(index) : undefined
  }

  /** Its decoder was lost: decoding starts over from its first record (exchanges and messages are upserted again by index). */
  restart(key: number): void {
    this.key = key
    this.cursor = 0
    this.wantClient = this.wantServer = 0
    this.endedClient = this.endedServer = false
    this.problems = NONE_PROBLEMS
    this.seenClient = this.seenServer = NaN
    this.seenFlags = -1
  }

  /** Whether the connection is as it was when last caught up with. */
  saw(client: number, server: number, flags: number): boolean {
    return this.seenClient === client && this.seenServer === server && this.seenFlags === flags
  }

  /** Takes what its decoder found since the last feed into `table`; true when what lists show of it changed. */
  take(r: FeedResult, table: ExchangeTable): boolean {
    this.wantClient = r.want.client
    this.wantServer = r.want.server
    const code = PROTOCOL_CODES.indexOf(r.summary.protocol)
    const problem = r.summary.problem === true && !this.problem
    const { exchanges, messages, problems } = r
    const hello = r.summary.hello !== undefined && this.hello === undefined
    if (hello) this.hello = r.summary.hello
    const carries = r.summary.carries !== undefined && this.carries === undefined
    if (carries) this.carries = r.summary.carries
    const changed = hello || carries || code !== this.protocolCode || problem || exchanges.to > exchanges.from || messages.length > 0 || problems.length > 0
    this.protocolCode = code
    this.problem ||= problem
    if (messages.length > 0) this.messages ??= new MessageList()
    if (problems.length > 0 && this.problems === NONE_PROBLEMS) this.problems = []
    const b = exchanges.batch
    for (let i = exchanges.from; i < exchanges.to; i++) {
      const index = b.index(i)
      this.setRow(index, table.put(this.connId, b, i, this.rowOf(index)))
      this.ws = b.ws(i) ?? this.ws
    }
    for (const m of messages) this.messages!.put(m)
    for (const p of problems) if (this.problems.length < MAX_PROBLEMS) this.problems.push(p)
    return changed
  }

  /** What it was decoded as so far, in short (the connection list's columns); undefined before decoding looked. */
  summary(t: ExchangeTable): ProtocolSummary | undefined {
    const protocol = this.protocol
    if (protocol === undefined) return undefined
    const s: ProtocolSummary = { protocol }
    if (this.exchangeCount > 0 || protocol === 'http1' || protocol === 'websocket' || protocol === 'http2') {
      s.exchanges = this.exchangeCount
      if (this.exchangeCount > 0) {
        const row = this.row(0)
        const first: NonNullable<ProtocolSummary['first']> = {}
        const method = t.method(row)
        if (method !== undefined) first.method = method
        const target = t.path(row)
        if (target !== undefined) first.target = target
        if (t.status(row) !== 0) {
          first.status = t.status(row)
          first.size = t.responseSize(row)
        }
        const type = t.contentType(row)
        if (type !== undefined) first.contentType = type
        s.first = first
      }
    }
    if (this.messages) s.messages = this.messages.size
    else if (protocol === 'websocket') s.messages = 0
    if (this.problem || this.problems.length > 0) s.problem = true
    if (this.hello) s.hello = { ...this.hello }
    if (this.carries) s.carries = this.carries
    return s
  }
}
