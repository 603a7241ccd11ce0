// HAR 1.2 of a capture's HTTP exchanges (of some connections, or all), for browsers'
// devtools and HTTP Toolkit: entries in the order their requests began across
// connections, each from the decoder's exchange (har-entry.ts), bodies streamed into it
// through the body pipeline (har-bodies.ts), and a WebSocket's messages in
// `_webSocketMessages` as Chromium's devtools write them. No export holds more than one
// window of one body, and none writes more than the body limit of one: a body cut there
// keeps its decoded size as far as it is known in `content.size` (a lower bound: what
// decoding saw before it stopped), and its entry's comment says it was cut and why.
// Exported `as: 'delivered'`, each exchange is as its receivers got it after tcpscope's
// rules (delivered.ts), each changed entry's comment names the rule, and the log's comment
// says which of the two the file holds. Exported as sent, a request tcpscope answered in the
// target's place (a mock, the script) has the answer the client got, as what tcpscope sent in
// the server's stead, and a comment naming the rule: the target sent nothing to show.

import { randomBytes } from 'node:crypto'
import type { ConnectionSummary } from '../../shared/capture-types'
import type { HttpExchange, HttpMessage, WsMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { messageContent } from '../decode/body-content'
import { AheadBudget, NOTHING_AHEAD, contentAhead, messagesOf, type Ahead } from '../decode/content-ahead'
import type { Decoding } from '../decode/decoding'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import { DEFAULT_BODY_LIMIT } from '../../shared/limits'
import { AS_WORDS, DeliveredConnection, type DeliveredMessage, type ExportAs } from './delivered'
import { bodyComment, bodySlot, hasBody, knownSize, writeBody, writeContent, type BodySlot } from './har-bodies'
import { MinHeap } from './min-heap'
import {
  contentType,
  harHeaders,
  header,
  harTimings,
  harVersion,
  headersSize,
  queryPairs,
  requestCookies,
  requestQuery,
  requestUrl,
  responseCookies,
  serverAddress,
  totalTime,
  wireBodySize
} from './har-entry'

const EXCHANGE_PAGE = 100
/** A WebSocket payload is read this much at a time (the most ws.payload gives at once). */
const PAYLOAD_WINDOW = 16 * 1024 * 1024
const MESSAGE_PAGE = 500
const VERSION = '0.1.0'

const OPCODES: Record<WsMessage['opcode'], number | undefined> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10, reserved: undefined }

class HarWriter {
  /** Marks where streamed values go in an entry's JSON: no header or URL can hold it. */
  private readonly nonce = randomBytes(8).toString('hex')
  private entries = 0

  constructor(
    private readonly view: CaptureView,
    private readonly decoding: Decoding,
    private readonly sink: BatchedSink,
    private readonly progress: ExportProgress,
    private readonly bodyLimit: number,
    private readonly as: ExportAs
  ) {}

  private mark(key: string): string {
    return `\u0000${this.nonce}:${key}\u0000`
  }

  async head(): Promise<void> {
    await this.sink.text(`{"log":{"version":"1.2","creator":{"name":"tcpscope","version":${JSON.stringify(VERSION)}},"pages":[],"comment":${JSON.stringify(AS_WORDS[this.as])},"entries":[`)
  }

  async tail(): Promise<void> {
    await this.sink.text(']}}\n')
  }

  /**
   * One exchange's entry (its progress counted even when it has no request to show);
   * `delivered`: the connection's rule records (exported as delivered, or as sent on a
   * connection a rule changed); `early`: bodies read ahead with the exchange's page
   * (content-ahead.ts).
   */
  async exchange(conn: ConnectionSummary, ex: HttpExchange, delivered?: DeliveredConnection, early?: ReadonlyMap<HttpMessage, Uint8Array>): Promise<void> {
    this.progress.checkCancelled()
    const as = delivered ? await (this.as === 'delivered' ? delivered.next(ex) : delivered.answered(ex)) : undefined
    const shown = as?.exchange ?? ex
    if (as !== undefined && this.as === 'delivered' && shown.upgrade === 'websocket' && ex.request !== undefined && ex.response !== undefined) {
      const end = (m: HttpMessage): number => m.body.range.offset + m.body.range.length
      const changed = delivered!.actsAfter({ client: end(ex.request), server: end(ex.response) })
      if (changed > 0) as.notes.push(`the WebSocket messages are as each side sent them: ${changed} rule record${changed === 1 ? '' : 's'} on them ${changed === 1 ? 'is' : 'are'} not applied here (see the connection's rule marks)`)
    }
    if (shown.request !== undefined) await this.entry(conn, shown, shown.request, as?.delivered, as?.notes ?? [], early)
    this.progress.step(1)
  }

  private async entry(conn: ConnectionSummary, ex: HttpExchange, req: HttpMessage, delivered: Map<HttpMessage, DeliveredMessage> | undefined, notes: string[], early: ReadonlyMap<HttpMessage, Uint8Array> | undefined): Promise<void> {
    const res = ex.response
    // The message in hand is read by its ranges (what http.body does after decoding the
    // exchange again): a page of exchanges is decoded once, not once more per body. Measured
    // on 2000 small exchanges over 4 connections: 35.6 s through http.body, 1.7 s this way.
    // A message a rule delivered instead has its content in its record; a small body was
    // read with its page's others.
    const content = (msg: HttpMessage): AsyncIterable<Uint8Array> => {
      const kept = delivered?.get(msg)?.content ?? early?.get(msg)
      return kept !== undefined ? single(kept) : messageContent(this.view, conn.id, msg)
    }
    const slot = (msg: HttpMessage, mime: string | undefined): Promise<BodySlot> => bodySlot(() => content(msg), msg.headers, mime, this.bodyLimit, msg.body.size)
    const reqMime = contentType(req)
    const resMime = contentType(res)
    const reqBody = hasBody(req) ? await slot(req, reqMime) : undefined
    const resBody = hasBody(res) ? await slot(res, resMime) : undefined
    const cuts = [
      ...notes,
      ...(ex.state !== 'complete' && ex.state !== 'upgraded' ? [`exchange ${ex.state}`] : []),
      // Decoding stops at a gap: an exchange it left unfinished on such a connection is cut by the gap.
      ...(ex.state === 'incomplete' && conn.notKept !== undefined ? ['the capture did not keep all of its bytes (the disk was slower than the traffic)'] : []),
      ...(reqBody?.facts.note !== undefined ? [`request body cut short: ${reqBody.facts.note}`] : []),
      ...(resBody?.facts.note !== undefined ? [`response body cut short: ${resBody.facts.note}`] : [])
    ]
    const timings = harTimings(ex)
    const postData = reqBody && {
      mimeType: reqMime ?? 'application/octet-stream',
      ...(reqMime !== undefined && /^application\/x-www-form-urlencoded\b/i.test(reqMime) && reqBody.facts.end && reqBody.held && reqBody.form.text
        ? { params: queryPairs(Buffer.concat(reqBody.held).toString('latin1')) }
        : {}),
      text: this.mark('request'),
      ...(reqBody.form.text ? {} : { encoding: 'base64' }),
      ...bodyComment(reqBody)
    }
    const server = serverAddress(conn)
    const entry = {
      startedDateTime: new Date(req.startedAt).toISOString(),
      time: totalTime(timings),
      request: {
        method: req.method ?? '',
        url: requestUrl(req, conn),
        httpVersion: harVersion(req),
        cookies: requestCookies(req),
        headers: harHeaders(req.headers),
        queryString: requestQuery(req),
        ...(postData ? { postData } : {}),
        headersSize: headersSize(req),
        bodySize: wireBodySize(req)
      },
      response: {
        status: res?.status ?? 0,
        statusText: res?.reason ?? '',
        httpVersion: res ? harVersion(res) : '',
        cookies: res ? responseCookies(res) : [],
        headers: res ? harHeaders(res.headers) : [],
        content: {
          mimeType: resMime ?? 'x-unknown',
          ...(resBody ? { text: this.mark('response') } : {}),
          ...(resBody && !resBody.form.text ? { encoding: 'base64' } : {}),
          size: this.mark('size'),
          ...(resBody ? bodyComment(resBody) : {})
        },
        redirectURL: header(res, 'location') ?? '',
        headersSize: res ? headersSize(res) : -1,
        bodySize: res ? wireBodySize(res) : -1
      },
      cache: {},
      timings,
      ...(server !== undefined ? { serverIPAddress: server } : {}),
      connection: String(conn.id),
      ...(cuts.length > 0 ? { comment: cuts.join('; ') } : {})
    }
    let rest = JSON.stringify(entry)
    if (this.entries++ > 0) await this.sink.text(',')
    let size = 0
    for (const [key, slot] of [['request', reqBody], ['response', resBody]] as const) {
      const marker = JSON.stringify(this.mark(key))
      const at = rest.indexOf(marker)
      if (slot === undefined || at < 0) continue
      await this.sink.text(rest.slice(0, at) + '"')
      await writeBody(this.sink, slot)
      if (key === 'response') size = knownSize(slot.facts)
      await this.sink.text('"')
      rest = rest.slice(at + marker.length)
    }
    rest = rest.replace(JSON.stringify(this.mark('size')), String(size))
    if (ex.upgrade !== 'websocket') return this.sink.text(rest)
    await this.sink.text(rest.slice(0, -1) + ',"_webSocketMessages":[')
    await this.webSocketMessages(conn.id)
    await this.sink.text(']}')
  }

  /** A WebSocket message's payload (bounded by the decoder's own inflate limit), a window at a time. */
  private async *payload(connId: number, message: number): AsyncGenerator<Uint8Array> {
    for (let offset = 0; ; ) {
      const p = await this.decoding.wsPayload(this.view, { connId, message, offset, length: PAYLOAD_WINDOW })
      if (p.bytes.length > 0) yield p.bytes
      offset += p.bytes.length
      if (p.end || p.bytes.length === 0) return
    }
  }

  /** Every message of the connection's WebSocket, as Chromium's devtools list them. */
  private async webSocketMessages(connId: number): Promise<void> {
    let first = true
    for (let from = 0; ; from += MESSAGE_PAGE) {
      const page = await this.decoding.messages(this.view, connId, from, MESSAGE_PAGE)
      for (const m of page.messages) {
        const opcode = OPCODES[m.opcode]
        if (opcode === undefined) continue
        this.progress.checkCancelled()
        await this.sink.text(`${first ? '' : ','}{"type":"${m.dir === 'client' ? 'send' : 'receive'}","time":${m.startedAt / 1000},"opcode":${opcode},"data":"`)
        first = false
        // A small message's preview is all of it; finding a payload again replays the
        // conversation from the upgrade (deflate's context), so only big ones pay for that.
        const whole = m.complete && m.preview.length === m.size
        const payload = whole ? preview(m.preview) : this.payload(connId, m.index)
        await writeContent(this.sink, m.opcode === 'text' ? { text: true, charset: 'utf8' } : { text: false }, payload)
        await this.sink.text('"}')
      }
      if (page.messages.length === 0 || from + MESSAGE_PAGE >= page.total) break
    }
  }
}

async function* preview(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  if (bytes.length > 0) yield bytes
}

async function connectionsOf(view: CaptureView, ids: readonly number[] | undefined): Promise<ConnectionSummary[]> {
  if (ids === undefined) return view.listConnections()
  const found = await Promise.all(ids.map((id) => view.connection(id)))
  return found.filter((c): c is ConnectionSummary => c !== undefined)
}

/** Exchanges the HAR will hold (progress counts these). */
export async function harExchangeCount(view: CaptureView, decoding: Decoding, ids: readonly number[] | undefined): Promise<number> {
  let n = 0
  for (const c of await connectionsOf(view, ids)) n += (await decoding.exchanges(view, c.id, 0, 1)).total
  return n
}

/** One connection's exchanges in order, a page at a time. */
class ExchangeCursor {
  private page: HttpExchange[] = []
  private at = 0
  private from = 0
  private done = false

  /** Exported as delivered: the connection's rule records, read when its first exchange is. */
  delivered?: DeliveredConnection
  /** The page's small bodies, read as the page is taken (content-ahead.ts). */
  early: Promise<Ahead> = Promise.resolve(NOTHING_AHEAD)

  constructor(
    private readonly view: CaptureView,
    private readonly decoding: Decoding,
    readonly conn: ConnectionSummary,
    private readonly budget: AheadBudget
  ) {}

  async peek(): Promise<HttpExchange | undefined> {
    if (this.at >= this.page.length && !this.done) {
      await this.release()
      const got = await this.decoding.exchanges(this.view, this.conn.id, this.from, EXCHANGE_PAGE)
      this.page = got.exchanges
      this.early = contentAhead(this.view, this.conn.id, messagesOf(got.exchanges), this.budget)
      this.at = 0
      this.from += got.exchanges.length
      this.done = got.exchanges.length === 0 || this.from >= got.total
    }
    if (this.at >= this.page.length) await this.release()
    return this.page[this.at]
  }

  /** The page is written: what it read ahead goes back to the export's budget. */
  private async release(): Promise<void> {
    const early = this.early
    this.early = Promise.resolve(NOTHING_AHEAD)
    this.budget.give((await early).held)
  }

  take(): void {
    this.at++
  }
}

/** When an exchange began, for the order of entries (one with no request goes at once). */
const startOf = (ex: HttpExchange): number => ex.request?.startedAt ?? ex.response?.startedAt ?? 0

/**
 * Entries in the order their requests began across connections, as devtools list them:
 * a heap of the open connections' next exchanges; a connection joins once the earliest
 * pending exchange began after it opened.
 */
export async function writeHar(
  view: CaptureView,
  decoding: Decoding,
  ids: readonly number[] | undefined,
  sink: BatchedSink,
  progress: ExportProgress,
  bodyLimit = DEFAULT_BODY_LIMIT,
  as: ExportAs = 'sent'
): Promise<void> {
  const w = new HarWriter(view, decoding, sink, progress, bodyLimit, as)
  await w.head()
  const conns = (await connectionsOf(view, ids)).sort((a, b) => a.openedAt - b.openedAt || a.id - b.id)
  const budget = new AheadBudget()
  const open = new MinHeap<{ at: number; seq: number; cursor: ExchangeCursor }>((x, y) => x.at - y.at || x.seq - y.seq)
  let seq = 0
  let next = 0
  const enter = async (cursor: ExchangeCursor): Promise<void> => {
    const ex = await cursor.peek()
    if (ex !== undefined) open.push({ at: startOf(ex), seq: seq++, cursor })
  }
  while (next < conns.length || open.size > 0) {
    const head = open.peek()
    if (next < conns.length && (head === undefined || conns[next].openedAt <= head.at)) {
      await enter(new ExchangeCursor(view, decoding, conns[next++], budget))
      continue
    }
    const { cursor } = open.pop()!
    const ex = (await cursor.peek())!
    cursor.take()
    // As sent, only a connection a rule changed can have a request tcpscope answered (its records say with what).
    if (as === 'delivered' || cursor.conn.changed?.rule === true) cursor.delivered ??= await DeliveredConnection.open(view, cursor.conn.id)
    await w.exchange(cursor.conn, ex, cursor.delivered, (await cursor.early).content)
    await enter(cursor)
  }
  await w.tail()
  await sink.flush()
}
