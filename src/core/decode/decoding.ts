// Protocol decoding of every open capture, kept next to it: per connection, what it
// carries and its exchanges and messages, found as bytes arrive (live, in the background)
// or when a file is first asked about, and paged like the connection list. Details
// (headers, byte ranges, bodies, payloads) are decoded again from the file when asked.

import type { ConnectionSummary } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { httpScheme } from '../../shared/http-scheme'
import type { BodyPiece, ExchangeListPage, ExchangePage, ExchangeRow, ExchangeSortKey, H2FramePage, HttpExchange, ProtocolSummary, WsMessagePage } from '../../shared/protocol-types'
import { readH2Frames, type FrameQuery } from './h2-frames'
import type { CaptureView } from '../capture/query/capture-queries'
import type { ProtocolFacts } from '../capture/query/connection-query'
import { readBody } from './body-content'
import { deliveredView } from './delivered-view'
import type { DeliveredView } from '../../shared/delivered-types'
import { CaptureDecoding } from './capture-decoding'
import type { ConnDecoding } from './conn-decoding'
import { WorkerPool, createDecoderHost, type DecoderHost, type HostOptions } from './decoder-host'
import { decodeExchanges } from './exchange-detail'
import { ExchangeDetails } from './exchange-details'
import { BodiesAhead, messagesOf } from './content-ahead'
import { ExchangeList, parseExchangeFilter } from './exchange-query'
import { decodedWord } from './exchange-words'
import { readWsPayload } from './ws-payload'
import { Messages } from './messages/messages'

export interface ExchangeQuery {
  offset: number
  limit: number
  filter?: string
  sort?: ExchangeSortKey
  descending?: boolean
}

export interface BodyQuery {
  connId: number
  exchange: number
  part: 'request' | 'response'
  decode?: boolean
  offset: number
  length: number
}

export interface WsPayloadQuery {
  connId: number
  message: number
  offset: number
  length: number
}

/** Marks the rows whose connection's TLS was terminated: their URLs are `https://` (a page's connections, each looked up once). */
async function markHttps(view: CaptureView, rows: ExchangeRow[]): Promise<void> {
  const schemes = new Map<number, 'http' | 'https'>()
  for (const row of rows) {
    let scheme = schemes.get(row.connId)
    if (scheme === undefined) {
      scheme = httpScheme((await view.connection(row.connId))?.tls)
      schemes.set(row.connId, scheme)
    }
    if (scheme === 'https') row.scheme = 'https'
  }
}

/** How long a list query lets decoding catch up before it answers with what there is (and `scan`): the first rows of a file just opened wait this long. */
const LIST_SLICE_MS = 120
const DEFAULT_PAGE = 100
/** Front ends hear of decoding's changes to a capture's summaries at most this often. */
const SUMMARIES_MS = 250

/**
 * TCPSCOPE_DECODE=off: nothing is decoded until something asks (an exchange list, a
 * protocol word); the bench's baseline for what live decoding costs the proxy.
 */
const liveDecoding = (): boolean => process.env.TCPSCOPE_DECODE !== 'off'

interface Entry {
  view: CaptureView
  decoding: CaptureDecoding
  list: ExchangeList
  details: ExchangeDetails
  /** Bodies read ahead with a page of exchanges, for the http.body calls that follow. */
  ahead: BodiesAhead
}

export class Decoding {
  private readonly captures = new Map<string, Entry>()
  private hostMade: DecoderHost | undefined
  /** Raw connections' messages and the framings chosen for them ("decode as" moves what the list shows). */
  readonly rawMessages = new Messages((captureId) => this.captures.get(captureId)?.decoding.moved())

  constructor(
    private readonly opts: HostOptions = {},
    /** Told (at most every SUMMARIES_MS per capture) that a capture's `version` moved. */
    private readonly onSummaries: (captureId: string) => void = () => undefined
  ) {}

  /** Where decoders run: `worker` (the built decode worker) or `in-thread` (run from source, or no worker file). */
  get mode(): 'worker' | 'in-thread' {
    return this.host().mode
  }

  /** The host itself (tests end its worker). */
  host(): DecoderHost {
    this.hostMade ??= createDecoderHost(this.opts)
    return this.hostMade
  }

  private entry(view: CaptureView): Entry {
    let e = this.captures.get(view.id)
    if (!e || e.view !== view) {
      e?.decoding.close()
      // A live capture's connections stay in one worker (WorkerPool.oneWorker says why); a file's spread.
      const host = this.host()
      const decoding = new CaptureDecoding(view, view.info().live && host instanceof WorkerPool ? host.oneWorker : host, () => this.summariesMoved(view.id))
      e = { view, decoding, list: new ExchangeList(decoding.table), details: new ExchangeDetails(), ahead: new BodiesAhead() }
      this.captures.set(view.id, e)
      // Everything recorded so far is decoded in the background from now on.
      void decoding.sweep().catch(() => undefined)
    }
    return e
  }

  /** Decodes what the capture holds and, live, what it records from now on. */
  watch(view: CaptureView): void {
    if (!liveDecoding()) return
    const d = this.entry(view).decoding
    if (view.info().live) d.follow()
  }

  private readonly summaryTimers = new Map<string, NodeJS.Timeout>()

  private summariesMoved(captureId: string): void {
    if (this.summaryTimers.has(captureId)) return
    const t = setTimeout(() => {
      this.summaryTimers.delete(captureId)
      this.onSummaries(captureId)
    }, SUMMARIES_MS)
    t.unref()
    this.summaryTimers.set(captureId, t)
  }

  /** Moves whenever what the connection list shows of a capture's decoding changed; undefined before decoding started. */
  version(captureId: string): number | undefined {
    return this.captures.get(captureId)?.decoding.version
  }

  /**
   * How far background decoding of a capture got, as it stands (nothing is caught up first):
   * the bench checks with it that live decoding listed every exchange it proxied.
   */
  progressNow(captureId: string): { exchanges: number; complete: number } | undefined {
    const t = this.captures.get(captureId)?.decoding.table
    if (!t) return undefined
    let complete = 0
    for (let row = 0; row < t.size; row++) if (t.state(row) === 'complete') complete++
    return { exchanges: t.size, complete }
  }

  /** A live connection grew or ended: decode it in the background (cheap: a set and a flag). */
  changed(view: CaptureView, connId: number): void {
    this.captures.get(view.id)?.decoding.changed(connId)
  }

  /** What a connection was decoded as so far; undefined before decoding looked at it (this starts no decoding). */
  summary(view: CaptureView, connId: number): ProtocolSummary | undefined {
    const d = this.captures.get(view.id)?.decoding
    const c = d?.conn(connId)
    return c && d?.summary(c)
  }

  /** Sets each row's `protocol` from what is decoded so far. */
  async annotate(view: CaptureView, rows: ConnectionSummary[]): Promise<ConnectionSummary[]> {
    const d = this.entry(view).decoding
    // A page of the list read: read quickly, a file's decoding leaves the cores to the scroll.
    d.pacing.read()
    const recorded = await this.rawMessages.recordedFramings(view)
    for (const row of rows) {
      const c = d.conn(row.id)
      const s = c && d.summary(c)
      if (s) row.protocol = s
      // TLS settled on HTTP/2: that is what it carries, before its first bytes say so (they are recorded raw: h2 is not decoded yet).
      if (row.tls?.alpn === 'h2' && (s === undefined || s.protocol === 'unknown')) row.protocol = { ...s, protocol: 'http2' }
      // A framing chosen for it, or for its owner (a proxy's --frame, live or as its capture recorded it), is what it carries now.
      const chosen = this.rawMessages.rules.of(view.id, row, view.info().live) ?? recorded.get(row.ownerId)
      if (chosen) {
        const { carries: _recognised, ...rest } = row.protocol ?? { protocol: 'raw' as const }
        row.protocol = chosen.spec.kind === 'none' ? rest : { ...rest, carries: chosen.spec.kind === 'protocol' ? chosen.spec.protocol : chosen.spec.kind }
      }
    }
    return rows
  }

  /** What the connection list's protocol words ask of a capture. */
  facts(view: CaptureView): ProtocolFacts {
    const d = this.entry(view).decoding
    return {
      catchUp: async (signal) => {
        const of = await d.sweep()
        await d.catchUp(LIST_SLICE_MS, signal)
        return d.progress(of)
      },
      wordTest: (key, value) => {
        if (key === 'tls') return (connId) => d.conn(connId)?.protocol === 'tls'
        if (key === 'sni') {
          const text = value.toLowerCase()
          return (connId) => d.conn(connId)?.hello?.sni?.toLowerCase().includes(text) ?? false
        }
        const word = decodedWord(key, value)
        if ('connection' in word) return (connId) => word.connection(d.conn(connId)?.protocol, d.conn(connId)?.carries)
        const test = word.exchange
        // A connection passes when one of its exchanges does.
        return (connId) => {
          const c = d.conn(connId)
          if (c === undefined) return false
          for (let i = 0; i < c.exchangeCount; i++) if (test(d.table, c.row(i))) return true
          return false
        }
      },
      infoTest: (text) => {
        const oneByOne = (connId: number): boolean => {
          const c = d.conn(connId)
          return c !== undefined && d.infoText(c).includes(text)
        }
        // Asked on the first row, when the list is looked at (after decoding caught up): every connection at once.
        let test: ((connId: number) => boolean) | undefined
        return (connId) => (test ??= d.infoHolding(text) ?? oneByOne)(connId)
      },
      version: () => d.table.version
    }
  }

  private async decoded(view: CaptureView, connId: number): Promise<ConnDecoding> {
    if ((await view.connection(connId)) === undefined) throw new UserError(`no connection #${connId} in this capture`, ERROR_CODES.ENOCONN)
    const c = await this.entry(view).decoding.catchUpConn(connId)
    if (c.unreadable) throw c.unreadable
    return c
  }

  /** A page of a connection's exchanges in full; `bodiesAhead`: their small bodies are read now, for the body() calls that follow. */
  async exchanges(view: CaptureView, connId: number, from = 0, limit = DEFAULT_PAGE, bodiesAhead = false): Promise<ExchangePage> {
    const c = await this.decoded(view, connId)
    const e = this.entry(view)
    const exchanges = await decodeExchanges(view, c, e.decoding.table, from, limit)
    const kept = exchanges.filter((ex) => e.details.put(connId, ex))
    // Only a kept exchange is the one body() finds again (by identity): the others' bodies are read as asked for.
    if (bodiesAhead) e.ahead.add(view, connId, messagesOf(kept))
    return { protocol: c.protocol ?? 'unknown', from, total: c.exchangeCount, exchanges, problems: [...c.problems] }
  }

  /** Exchange `index` of `connId` in full (c has it): as kept, or decoded again and kept. */
  private async detail(view: CaptureView, c: ConnDecoding, index: number): Promise<HttpExchange> {
    const e = this.entry(view)
    const kept = e.details.get(c.connId, index)
    if (kept) return kept
    const [ex] = await decodeExchanges(view, c, e.decoding.table, index, 1)
    e.details.put(c.connId, ex)
    return ex
  }

  async messages(view: CaptureView, connId: number, from = 0, limit = DEFAULT_PAGE): Promise<WsMessagePage> {
    const c = await this.decoded(view, connId)
    return { from, total: c.messages?.size ?? 0, messages: c.messages?.page(from, limit) ?? [], problems: [...c.problems] }
  }

  /** Exchange `index` of `connId` in full, as the body and delivered reads take it: kept, or decoded again. */
  async exchange(view: CaptureView, connId: number, index: number): Promise<HttpExchange> {
    const c = await this.decoded(view, connId)
    if (index >= c.exchangeCount) throw new UserError(`connection #${connId} has no exchange ${index} (it has ${c.exchangeCount})`)
    return this.detail(view, c, index)
  }

  async body(view: CaptureView, q: BodyQuery, signal?: AbortSignal): Promise<BodyPiece> {
    const ex = await this.exchange(view, q.connId, q.exchange)
    const msg = q.part === 'request' ? ex.request : ex.response
    if (!msg) throw new UserError(`exchange ${q.exchange} of connection #${q.connId} has no ${q.part} yet`)
    const early = await this.entry(view).ahead.content(msg)
    return readBody(view, q.connId, msg, { decode: q.decode ?? true, offset: q.offset, length: q.length }, signal, undefined, early)
  }

  /** Exchange `exchange` of `connId` as its receivers got it (delivered-view.ts). */
  async delivered(view: CaptureView, connId: number, exchange: number, signal?: AbortSignal): Promise<DeliveredView> {
    return deliveredView(view, connId, await this.exchange(view, connId, exchange), signal)
  }

  async h2Frames(view: CaptureView, q: FrameQuery): Promise<H2FramePage> {
    const c = await this.decoded(view, q.connId)
    if (c.protocol !== 'http2') throw new UserError(`connection #${q.connId} is not HTTP/2 (it reads as ${c.protocol ?? 'nothing yet'}): it has no frames to list`)
    return readH2Frames(view, q)
  }

  async wsPayload(view: CaptureView, q: WsPayloadQuery): Promise<BodyPiece> {
    const c = await this.decoded(view, q.connId)
    const count = c.messages?.size ?? 0
    if (!c.messages || !c.ws || q.message >= count) throw new UserError(`connection #${q.connId} has no WebSocket message ${q.message} (it has ${count})`)
    const m = c.messages.get(q.message)
    return readWsPayload(view, q.connId, c.ws, m, q)
  }

  async exchangePage(view: CaptureView, q: ExchangeQuery, signal?: AbortSignal): Promise<ExchangeListPage> {
    const e = this.entry(view)
    const of = await e.decoding.sweep()
    const done = await e.decoding.catchUp(LIST_SLICE_MS, signal)
    if (signal?.aborted) throw new UserError('exchange list cancelled', ERROR_CODES.ECANCELED)
    const rows = e.list.rows(q.filter, q.sort ?? 'start', q.descending === true)
    const t = e.decoding.table
    const page: ExchangeListPage = { total: rows.length, of: t.size, offset: q.offset, rows: Array.from(rows.subarray(q.offset, q.offset + q.limit), (row) => t.row(row)) }
    await markHttps(view, page.rows)
    if (!done) page.scan = e.decoding.progress(of)
    page.decoder = this.mode
    // Said when they explain an empty list (ConnectionPage.hints).
    const hints = rows.length === 0 && q.filter ? parseExchangeFilter(q.filter).hints : []
    if (hints.length > 0) page.hints = hints
    return page
  }

  /** A capture closed: its decodings go. */
  forget(captureId: string): void {
    clearTimeout(this.summaryTimers.get(captureId))
    this.summaryTimers.delete(captureId)
    this.captures.get(captureId)?.decoding.close()
    this.captures.delete(captureId)
    this.rawMessages.forget(captureId)
  }

  async close(): Promise<void> {
    for (const id of [...this.captures.keys()]) this.forget(id)
    await this.hostMade?.close()
  }
}
