// `tcpscope show FILE`: the decoded exchanges and messages of a capture in the terminal,
// what `tshark -V` and `mitmdump -r` are to their users. Everything comes from the engine's
// commands, as the UI reads it: the connections (conn.page, conn.get), each one's exchanges
// (http.exchanges) and WebSocket messages (ws.messages) a page at a time, bodies and
// payloads through the body pipeline (http.body, ws.payload) up to --body-limit, and
// --filter through the exchange list's own filter (exchange.page). An exchange a rule, the
// script or a breakpoint changed says so after its head, from http.changes (http.delivered's
// notes without the content: what the HAR export as delivered and the HTTP tab read), asked a
// page at a time, only on a connection whose summary says something changed what its
// receivers got: one walk of the connection's records a page, not one per exchange. A request
// tcpscope answered in the target's place (a mock) is shown with the answer the client got,
// marked as tcpscope's, as the HAR export as sent has it (http.changes gives its head, and
// http.delivered.body its body). With
// --as delivered each exchange and message is shown as its receiver got it: the page's
// changes come with the exchanges as delivered (http.delivered.page: the same walk, the heads
// of what a rule delivered) and the messages as delivered (msg.delivered.page), and a body a
// rule delivered is read by http.delivered.body, windows through the same body pipeline as
// http.body. Output goes out in batches that wait for stdout (show-text.ts, show-json.ts lay it out).

import { ERROR_CODES, UserError } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import { DEFAULT_BODY_LIMIT, MAX_CONN_ID, MAX_PAGE } from '../../shared/limits'
import type { BodyPiece, HttpExchange } from '../../shared/protocol-types'
import type { DeliveredExchangeFacts } from '../../shared/delivered-types'
import { EXPORT_AS, type ExportAs } from '../../shared/export-args'
import type { Engine } from '../../core/engine'
import { oneOfFlag, parseSize, parseWhole, UsageError, type Parsed } from '../args'
import { defineCommand, type OptionTable } from '../command-spec'
import { line, outputClosed, OutputBatches, type Io } from '../output'
import { captureNotes, withCaptureFile } from './open-capture'
import { FRAME_OPTION } from '../common-options'
import { showMessages } from './show-messages'
import { checkFilterFlag, checkStartFlags, usageChecked } from '../start-checks'
import { firstWindow, type PieceSource } from './show-bodies'
import { problemJson, writeExchangeJson, writeWsMessageJson } from './show-json'
import { printGrpcSide, printGrpcStatus, writeGrpcSideJson, type GrpcPages } from './show-grpc'
import { GRPC_MAX_PAGE, type GrpcCall } from '../../shared/grpc-types'
import { exchangeChange, protocolOf, receiversChanged, type ShownConnection } from './show-facts'
import { connectionLine, printExchange, printWsMessage, problemLine, type ExchangeBodies } from './show-text'
import { refuseMessageWords } from './show-message-words'

const SHOW_USAGE = 'tcpscope show FILE [--conn ID ...] [--exchange N] [--filter WORDS] [--frame SPEC] [--body-limit SIZE] [--proto FILE ...] [--as sent|delivered] [--json]'

/** What of one body or payload show reads by default: a terminal's worth, far below the engine's own bound. */
export const SHOW_BODY_LIMIT = 1024 * 1024

const OPTIONS = {
  conn: { type: 'string', multiple: true, arg: 'ID', about: 'only this connection, by its id in `tcpscope ls` (or IDs with commas)' },
  exchange: { type: 'string', arg: 'N', about: 'only exchange N of each connection shown (from 1, as `replay --exchange` takes it), and its WebSocket messages when it is the upgrade' },
  filter: {
    type: 'string',
    arg: 'WORDS',
    about: 'only the exchanges these words pick, as the Exchanges list takes them: method:GET host:example path:/api status:4xx (or 404, 200-299) type:json proto:h2 (http, ws, grpc) conn:12, a leading - negates, a bare word matches host and path'
  },
  'body-limit': {
    type: 'string',
    arg: 'SIZE',
    about: `the most of one body or payload shown, decoded (default ${formatBytes(SHOW_BODY_LIMIT)}, at most ${formatBytes(DEFAULT_BODY_LIMIT)}; e.g. 8MiB); past it the body is cut and a note says so`
  },
  ...FRAME_OPTION,
  proto: { type: 'string', multiple: true, arg: 'FILE', about: "a .proto file (its imports beside it) giving gRPC messages' fields their names and types; without one, fields read by number as protoc --decode_raw reads them" },
  as: {
    type: 'string',
    arg: 'sent|delivered',
    about:
      "sent (default) = each exchange and message as its sender sent it; delivered = as its receiver got it after tcpscope's rules, the script or a breakpoint (the rewritten request the target got, a mock's answer, a message dropped or answered instead)"
  },
  json: {
    type: 'boolean',
    about:
      'one JSON object per line: {"type": "exchange", conn, exchange, protocol (http1, h2, h2c, grpc, grpc-web), stream, method, url, status, requestHeaders, responseHeaders, requestBody, responseBody, state, ...} and {"type": "message", conn, message, dir, time, size, opcode, payload, ...} for WebSocket, {"type": "message", protocol: "grpc", exchange, method, dir, time, size, fields: [{number, wire, kind, value, name, children, ...}]} for gRPC; headers as [name, value] pairs in order; a body as {"text": ...} when it is text in its charset, else with "encoding": "base64", and "truncated" with a "note" when some of it is left out'
  }
} as const satisfies OptionTable

const SHOW_NOTES = [
  'Per connection: a line with its id, addresses and protocol, then each exchange: the request line, headers and body (decoded as curl --compressed would: text in its charset, binary as a short hex dump), any 1xx, then the response; HTTP/2 exchanges with their stream and pseudo-headers; a gRPC call then its messages each way as trees of protobuf fields, and its grpc-status; then its WebSocket messages with direction, time, size and payload. A raw connection that carries a protocol tcpscope reads (recognised from its first bytes or port: redis, PostgreSQL, MySQL, MQTT, Modbus TCP, DNS over TCP), or that --frame cuts, lists its messages one line each: number, direction, time, size and summary, and the message it answers.',
  'With --json, a raw connection\'s messages are {"type": "message", conn, protocol (resp, postgres, line, length, ...), message, dir, time, size, offset, summary, command, pair, payload: {"text"} or {"hex"}, fields: [{name, value, offset, length, children}]} (offsets from the message\'s first byte).',
  'A request a traffic rule or the script answered in the target\'s place (a mock) is followed by the answer the client got, which tcpscope sent in the server\'s stead (as the HAR export has it), its start line marked `(mock: rule "NAME", the target never got the request)`; in --json its status, responseHeaders and responseBody are that answer, beside "answeredBy": {rule, label, action}. One a rule reset, closed or dropped ends with a line saying so: the client got no response.',
  'With --as delivered, an exchange a rule changed is printed as its receivers got it, its line after the head ending "shown below as each receiver got it" (in --json its headers, bodies, status and url are the delivered ones, with "as": "delivered"); a message a rule rewrote shows what its receiver got ("sent": {size, summary} in --json), and one dropped or answered instead says its receiver got none of it ("delivered": false, and the "answer" the sender got). What nothing changed prints as it does without --as; WebSocket and gRPC messages are shown as sent.',
  'Example: tcpscope show capture.tcap --filter "host:api status:5xx" --body-limit 64KiB; tcpscope show capture.tcap --conn 3 --exchange 2 --json | jq .responseBody.text; tcpscope show capture.tcap --conn 7 --frame length:size=2'
]

/** Exchanges (or messages) asked for at a time: each is decoded again in full, headers and ranges. */
const PAGE = 100
/** Bodies asked for ahead of the exchange being written, up to this many bytes of first windows. */
const BODIES_AHEAD = 32 * 1024 * 1024

/** An exchange's bodies' first windows, asked for early. */
type EarlyBodies = Partial<Record<'request' | 'response', Promise<BodyPiece>>>
/** Connections asked for at a time, as ls does: few enough that a page's summaries die young. */
const CONN_PAGE = 1000

interface ShowOptions {
  json: boolean
  /** --frame: how raw connections are cut into messages. */
  frame?: string
  bodyLimit: number
  /** 0-based. */
  exchange?: number
  /** --as: each exchange and message as sent, or as its receiver got it. */
  as: ExportAs
}

/** An exchange as show prints it (as sent, or as delivered where a rule changed it), and which of its sides' bodies are what a rule delivered (read by http.delivered.body). */
interface ShownExchange {
  ex: HttpExchange
  as: ExportAs
  delivered: Partial<Record<'request' | 'response', true>>
}

/** Prints a capture's connections; one per capture file. */
class Show {
  private readonly out: OutputBatches
  /** Exchanges and messages printed. */
  shown = 0

  constructor(
    private readonly engine: Engine,
    private readonly capture: string,
    io: Io,
    private readonly opts: ShowOptions
  ) {
    this.out = new OutputBatches(io.out)
  }

  /** Every connection in id order (or those named), each with its exchanges and messages. */
  async all(ids: number[] | undefined): Promise<void> {
    if (ids !== undefined) {
      for (const conn of await this.named(ids)) await this.connection(conn, true)
      return
    }
    for (let offset = 0; !outputClosed(); offset += CONN_PAGE) {
      const page = await this.engine['conn.page']({ capture: this.capture, offset, limit: CONN_PAGE, protocols: false })
      for (const conn of page.rows) {
        if (outputClosed()) return
        await this.connection(conn, false)
      }
      if (offset + CONN_PAGE >= page.total) return
    }
  }

  /** The connections named, in the order given; one the capture does not have is an error before anything is shown. */
  async named(ids: number[]): Promise<ShownConnection[]> {
    const unique = [...new Set(ids)]
    const found = new Map<number, ShownConnection>()
    for (let i = 0; i < unique.length; i += MAX_PAGE) {
      for (const c of await this.engine['conn.get']({ capture: this.capture, ids: unique.slice(i, i + MAX_PAGE), protocols: false })) found.set(c.id, c)
    }
    const missing = unique.find((id) => !found.has(id))
    if (missing !== undefined) throw new UserError(`no connection #${missing} in this capture`, ERROR_CODES.ENOCONN)
    return unique.map((id) => found.get(id)!)
  }

  /** One connection's exchanges (all, or --exchange's), then its messages; nothing for one with nothing decoded unless it was named. */
  private async connection(conn: ShownConnection, named: boolean): Promise<void> {
    const only = this.opts.exchange
    // Each page's small bodies read with it (bodiesAhead): show asks for every body next.
    const first = await this.engine['http.exchanges']({ capture: this.capture, connId: conn.id, from: only ?? 0, limit: only === undefined ? PAGE : 1, bodiesAhead: true })
    if (only !== undefined && only >= first.total) {
      if (named) throw new UserError(`connection #${conn.id} has no exchange ${only + 1} (it has ${first.total})`)
      return
    }
    if (first.total === 0 && only === undefined && first.protocol !== 'http2' && first.protocol !== 'websocket') {
      const shown = await showMessages({ engine: this.engine, capture: this.capture, out: this.out, json: this.opts.json, bodyLimit: this.opts.bodyLimit, as: this.opts.as, ...(this.opts.frame !== undefined ? { frame: this.opts.frame } : {}) }, conn, this.shown === 0)
      this.shown += shown
      if (shown > 0) return
    }
    if (first.total === 0 && !named) return
    await this.header(conn, first.protocol, first.total)
    let page = first
    for (;;) {
      await this.pageOfExchanges(conn, page.exchanges, await this.changes(conn, page.from, page.exchanges.length))
      const next = page.from + page.exchanges.length
      if (only !== undefined || page.exchanges.length === 0 || next >= page.total || outputClosed()) break
      page = await this.engine['http.exchanges']({ capture: this.capture, connId: conn.id, from: next, limit: PAGE, bodiesAhead: true })
    }
    await this.problems(conn, page.problems)
  }

  /** The exchanges the filter picks, connection by connection, through the exchange list (decoding of the whole capture finishes first). */
  async filtered(filter: string, ids: number[] | undefined): Promise<void> {
    const wanted = ids === undefined ? undefined : new Set((await this.named(ids)).map((c) => c.id))
    const list = { capture: this.capture, filter, sort: 'conn' as const }
    // Ask until decoding has looked at every connection: till then the list is partial.
    while ((await this.engine['exchange.page']({ ...list, offset: 0, limit: 0 })).scan !== undefined) if (outputClosed()) return
    let conn: ShownConnection | undefined
    let problems: Awaited<ReturnType<Engine['http.exchanges']>>['problems'] = []
    for (let offset = 0; !outputClosed(); offset += PAGE) {
      const page = await this.engine['exchange.page']({ ...list, offset, limit: PAGE })
      for (const row of page.rows) {
        if (outputClosed()) return
        if (wanted !== undefined && !wanted.has(row.connId)) continue
        if (this.opts.exchange !== undefined && row.index !== this.opts.exchange) continue
        const got = await this.engine['http.exchanges']({ capture: this.capture, connId: row.connId, from: row.index, limit: 1 })
        if (conn?.id !== row.connId) {
          if (conn !== undefined) await this.problems(conn, problems)
          conn = (await this.named([row.connId]))[0]
          await this.header(conn, got.protocol, got.total)
        }
        problems = got.problems
        const changes = await this.changes(conn, row.index, got.exchanges.length)
        for (const [k, ex] of got.exchanges.entries()) await this.exchange(conn, ex, {}, changes[k])
      }
      if (offset + PAGE >= page.total) break
    }
    if (conn !== undefined) await this.problems(conn, problems)
  }

  private async header(conn: ShownConnection, protocol: string, exchanges: number): Promise<void> {
    if (this.opts.json) return
    const messages = protocol === 'websocket' ? (await this.engine['ws.messages']({ capture: this.capture, connId: conn.id, from: 0, limit: 1 })).total : 0
    await this.out.put(`${this.shown > 0 ? '\n' : ''}${connectionLine(conn, protocol, exchanges, messages)}\n`)
  }

  /**
   * A page's exchanges, written in order, each body's first window asked for a few exchanges
   * ahead (within BODIES_AHEAD bytes): written one at a time, `show` waited on the engine's
   * read of every body in turn.
   */
  private async pageOfExchanges(conn: ShownConnection, exchanges: HttpExchange[], changes: Array<DeliveredExchangeFacts | undefined>): Promise<void> {
    const length = firstWindow(this.opts.bodyLimit)
    const ahead = Math.max(1, Math.floor(BODIES_AHEAD / (2 * length)))
    const early = new Map<HttpExchange, EarlyBodies>()
    const ask = (ex: HttpExchange, facts: DeliveredExchangeFacts | undefined): void => {
      if (early.has(ex)) return
      const asked: EarlyBodies = {}
      const shown = this.shownAs(ex, facts)
      for (const part of ['request', 'response'] as const) {
        // A body a rule delivered is read from its record when written, not from the capture.
        if ((shown.ex[part]?.body.framing ?? 'none') === 'none' || shown.delivered[part]) continue
        const piece = this.engine['http.body']({ capture: this.capture, connId: conn.id, exchange: ex.index, part, decode: true, offset: 0, length })
        // Its failure is met where the body is written; one never written (the output closed) fails unheard.
        piece.catch(() => undefined)
        asked[part] = piece
      }
      early.set(ex, asked)
    }
    for (let i = 0; i < exchanges.length; i++) {
      for (let k = i; k < Math.min(exchanges.length, i + ahead); k++) ask(exchanges[k], changes[k])
      await this.exchange(conn, exchanges[i], early.get(exchanges[i]) ?? {}, changes[i])
      early.delete(exchanges[i])
    }
  }

  /**
   * What rules changed of `count` exchanges from `from` (none asked on a connection nothing
   * changed); with --as delivered, each changed one as delivered too, in the same one call.
   */
  private async changes(conn: ShownConnection, from: number, count: number): Promise<Array<DeliveredExchangeFacts | undefined>> {
    if (!receiversChanged(conn) || count === 0) return []
    const page = { capture: this.capture, connId: conn.id, from, limit: count }
    return (await (this.opts.as === 'delivered' ? this.engine['http.delivered.page'](page) : this.engine['http.changes'](page))).exchanges
  }

  /**
   * The exchange to print: as sent, or (--as delivered) as the engine says its receivers got
   * it. As sent, a request tcpscope answered in the target's place has that answer as its
   * response: it is what was sent on the client's leg, by tcpscope (http.changes `answered`).
   */
  private shownAs(ex: HttpExchange, facts: DeliveredExchangeFacts | undefined): ShownExchange {
    if (this.opts.as !== 'delivered' || facts?.exchange === undefined) {
      return facts?.answered !== undefined ? { ex: facts.answered, as: 'sent', delivered: { response: true } } : { ex, as: 'sent', delivered: {} }
    }
    return { ex: facts.exchange, as: 'delivered', delivered: { ...(facts.request ? { request: true } : {}), ...(facts.response ? { response: true } : {}) } }
  }

  private async exchange(conn: ShownConnection, ex: HttpExchange, early: EarlyBodies, facts: DeliveredExchangeFacts | undefined): Promise<void> {
    const shown = this.shownAs(ex, facts)
    const source = (part: 'request' | 'response'): PieceSource => (shown.delivered[part] ? this.deliveredBody(conn.id, ex.index, part) : this.body(conn.id, ex.index, part, early[part]))
    const bodies: ExchangeBodies = { request: source('request'), response: source('response') }
    const change = facts === undefined ? undefined : exchangeChange(facts)
    if (this.opts.json) await writeExchangeJson(this.out, conn, shown.ex, bodies, this.opts.bodyLimit, change, shown.as)
    else await printExchange(this.out, conn, shown.ex, bodies, this.opts.bodyLimit, change, shown.as)
    this.shown++
    // The connection's WebSocket messages follow the exchange that upgraded it.
    if (ex.upgrade === 'websocket') await this.messages(conn)
    const protocol = protocolOf(conn, ex)
    if (protocol === 'grpc' || protocol === 'grpc-web') await this.grpc(conn, ex)
  }

  /** A gRPC call's messages, each side's after the exchange, with the call's status last. */
  private async grpc(conn: ShownConnection, ex: HttpExchange): Promise<void> {
    const pages = (part: 'request' | 'response'): GrpcPages => (from) => this.engine['grpc.messages']({ capture: this.capture, connId: conn.id, exchange: ex.index, part, from, limit: GRPC_MAX_PAGE })
    let call: GrpcCall | undefined
    for (const part of ['request', 'response'] as const) {
      if ((part === 'request' ? ex.request : ex.response) === undefined) continue
      if (this.opts.json) await writeGrpcSideJson(this.out, conn, ex.index, pages(part))
      else call = (await printGrpcSide(this.out, conn, ex.index, pages(part))) ?? call
    }
    if (!this.opts.json) await printGrpcStatus(this.out, call)
  }

  private async messages(conn: ShownConnection): Promise<void> {
    for (let from = 0; !outputClosed(); ) {
      const page = await this.engine['ws.messages']({ capture: this.capture, connId: conn.id, from, limit: PAGE })
      for (const m of page.messages) {
        const payload: PieceSource = (offset, length) => this.engine['ws.payload']({ capture: this.capture, connId: conn.id, message: m.index, offset, length })
        if (this.opts.json) await writeWsMessageJson(this.out, conn, m, payload, this.opts.bodyLimit)
        else await printWsMessage(this.out, conn, m, payload, this.opts.bodyLimit)
        this.shown++
      }
      from += page.messages.length
      if (page.messages.length === 0 || from >= page.total) return
    }
  }

  private async problems(conn: ShownConnection, problems: Array<{ dir: string; offset: number; message: string }>): Promise<void> {
    for (const p of problems) await this.out.put(this.opts.json ? problemJson(conn, p) : '\n' + problemLine(conn, p))
  }

  /** A body's windows from the engine; `early`, its first window already asked for. */
  private body(connId: number, exchange: number, part: 'request' | 'response', early?: Promise<BodyPiece>): PieceSource {
    let first = early
    return (offset, length) => {
      if (first !== undefined && offset === 0 && length === firstWindow(this.opts.bodyLimit)) {
        const piece = first
        first = undefined
        return piece
      }
      return this.engine['http.body']({ capture: this.capture, connId, exchange, part, decode: true, offset, length })
    }
  }

  /** A body's windows as its receiver got it: what a rule delivered, through the body pipeline. */
  private deliveredBody(connId: number, exchange: number, part: 'request' | 'response'): PieceSource {
    return (offset, length) => this.engine['http.delivered.body']({ capture: this.capture, connId, exchange, part, decode: true, offset, length })
  }

  flush(): Promise<void> {
    return this.out.flush()
  }
}

/** Connection ids from repeated or comma-separated --conn values. */
function connIds(values: string[] | undefined): number[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  return values.flatMap((v) => v.split(',')).map((v) => parseWhole('show', v.trim(), '--conn', 1, MAX_CONN_ID)!)
}

async function runShow({ values, positionals }: Parsed<typeof OPTIONS>, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError(`show: give exactly one capture file; usage: ${SHOW_USAGE}`)
  const ids = connIds(values.conn)
  const exchange = parseWhole('show', values.exchange, '--exchange', 1)
  const bodyLimit = parseSize('show', values['body-limit'], '--body-limit', 1, DEFAULT_BODY_LIMIT) ?? SHOW_BODY_LIMIT
  const as = oneOfFlag('show', values.as, '--as', EXPORT_AS) ?? 'sent'
  const filter = values.filter?.trim()
  if (filter) {
    // A filter's mistake is a usage error (exit 2), said before the file is read.
    usageChecked('show', () => refuseMessageWords(filter))
    for (const hint of checkFilterFlag('show', filter, 'exchanges')) line(io.err, `tcpscope: show: ${hint}`)
  }
  const frame = values.frame?.trim()
  if (frame) checkStartFlags('show', { frame })
  const opts: ShowOptions = { json: values.json === true, bodyLimit, as, ...(frame ? { frame } : {}), ...(exchange !== undefined ? { exchange: exchange - 1 } : {}) }
  await withCaptureFile(positionals[0], async ({ engine, capture, info }) => {
    if (values.proto !== undefined && values.proto.length > 0) await engine['grpc.protos.load']({ paths: values.proto })
    const show = new Show(engine, capture, io, opts)
    try {
      if (filter) await show.filtered(filter, ids)
      else await show.all(ids)
    } finally {
      await show.flush()
    }
    if (show.shown === 0 && exchange !== undefined && ids === undefined) throw new UserError(`no connection has an exchange ${exchange}${filter ? ` that the filter picks` : ''}`)
    if (show.shown === 0 && filter) line(io.err, `no exchange matches "${filter}"`)
    else if (show.shown === 0 && ids === undefined) line(io.err, `${positionals[0]}: no HTTP exchanges or messages decoded (\`tcpscope ls\` lists its connections; --frame SPEC cuts raw ones into messages)`)
    for (const note of captureNotes(info)) line(io.err, note)
  })
  return 0
}

export const showCommand = defineCommand({
  name: 'show',
  about: 'print the decoded HTTP exchanges and the messages (WebSocket, gRPC, redis, PostgreSQL, MQTT, ...) of a capture file',
  usage: SHOW_USAGE,
  options: OPTIONS,
  notes: SHOW_NOTES,
  examples: [
    { line: 'tcpscope show capture.tcap', about: 'Every decoded HTTP exchange and message of the capture.' },
    { line: 'tcpscope show capture.tcap --conn 3 --exchange 2', about: 'One exchange of connection 3, headers and body.' },
    { line: 'tcpscope show capture.tcap --as delivered', about: "What each receiver got after the proxy's rules and script: rewritten requests, mocked answers, dropped messages." }
  ],
  run: runShow
})
