// HAR 1.2 of a capture's HTTP exchanges (of some connections, or all), for browsers'
// devtools and HTTP Toolkit. Each entry comes from the decoder's exchange (har-entry.ts);
// bodies are streamed into it a window at a time, as text in their charset when they are
// text, as base64 otherwise, and a WebSocket's messages follow in `_webSocketMessages` as
// Chromium's devtools write them. No export holds more than one window of one body.

import { randomBytes } from 'node:crypto'
import iconv from 'iconv-lite'
import type { ConnectionSummary } from '../../shared/capture-types'
import type { BodyPiece, HttpExchange, HttpMessage, WsMessage } from '../../shared/protocol-types'
import { ERROR_CODES } from '../../shared/errors'
import type { CaptureView } from '../capture/capture-queries'
import type { Decoding } from '../decode/decoding'
import type { ExportProgress } from './export-progress'
import type { BatchedSink } from './export-sink'
import {
  contentType,
  harHeaders,
  harTimings,
  harVersion,
  queryPairs,
  requestCookies,
  requestQuery,
  requestUrl,
  responseCookies,
  serverAddress,
  totalTime,
  wireBodySize
} from './har-entry'

/** A body is read this much at a time (the most http.body gives at once). */
const WINDOW = 16 * 1024 * 1024
const EXCHANGE_PAGE = 100
const MESSAGE_PAGE = 500
const VERSION = '0.1.0'

type PieceReader = (offset: number, length: number) => Promise<BodyPiece>

/** A body's content from the start, window after window. */
async function* pieces(read: PieceReader, first?: BodyPiece): AsyncGenerator<BodyPiece> {
  let p = first ?? (await read(0, WINDOW))
  for (;;) {
    yield p
    if (p.end || p.bytes.length === 0) return
    p = await read(p.offset + p.bytes.length, WINDOW)
  }
}

/** How a body goes into the HAR: as text (in this charset) or as base64. */
type BodyForm = { text: true; charset: string } | { text: false }

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|x-ndjson|yaml|x-yaml|csv)\b)|[+/](json|xml)\b/i
const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii'])

function charsetOf(mime: string): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(mime)?.[1]?.toLowerCase()
}

/** Whether every window is UTF-8 (and, for an unlabelled body, free of NULs, which only binary has). */
async function isUtf8Text(all: AsyncGenerator<BodyPiece>, labelled: boolean): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  try {
    for await (const p of all) {
      if (!labelled && p.bytes.includes(0)) return false
      decoder.decode(p.bytes, { stream: true })
    }
    decoder.decode()
    return true
  } catch {
    return false
  }
}

/**
 * Text when its type says text (or it has none) and its bytes are text in its charset; a
 * body of more than one window is read once more to tell, rather than held.
 */
async function formOf(mime: string | undefined, read: PieceReader, first: BodyPiece): Promise<BodyForm> {
  const labelled = mime !== undefined && TEXT_TYPES.test(mime)
  const unknown = mime === undefined || /^application\/octet-stream\b/i.test(mime) || mime.trim() === ''
  if (!labelled && !unknown) return { text: false }
  const charset = mime === undefined ? undefined : charsetOf(mime)
  if (labelled && charset !== undefined && !UTF8_NAMES.has(charset) && iconv.encodingExists(charset)) return { text: true, charset }
  return (await isUtf8Text(pieces(read, first), labelled)) ? { text: true, charset: 'utf8' } : { text: false }
}

/** JSON string content (no quotes) for `s`. */
const jsonInner = (s: string): string => JSON.stringify(s).slice(1, -1)

/** Streams the body into the open JSON string; returns its content size. */
async function writeBody(sink: BatchedSink, form: BodyForm, read: PieceReader, first: BodyPiece): Promise<{ size: number; problem?: string }> {
  let size = 0
  let problem: string | undefined
  if (form.text) {
    const decoder = iconv.getDecoder(form.charset === 'utf8' ? 'utf8' : form.charset, { stripBOM: false })
    for await (const p of pieces(read, first)) {
      size += p.bytes.length
      if (p.problem) problem = `${p.problem.message} (at content byte ${p.problem.offset})`
      await sink.text(jsonInner(decoder.write(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.length))))
    }
    await sink.text(jsonInner(decoder.end() ?? ''))
    return { size, problem }
  }
  let carry = Buffer.alloc(0)
  for await (const p of pieces(read, first)) {
    size += p.bytes.length
    if (p.problem) problem = `${p.problem.message} (at content byte ${p.problem.offset})`
    const all = Buffer.concat([carry, p.bytes])
    // Base64 in groups of three bytes, so windows join into one valid string.
    const whole = all.length - (all.length % 3)
    await sink.text(all.subarray(0, whole).toString('base64'))
    carry = all.subarray(whole)
  }
  await sink.text(carry.toString('base64'))
  return { size, problem }
}

/** One body to stream: where it is read, how it goes, and what is known before. */
interface BodySlot {
  read: PieceReader
  first: BodyPiece
  form: BodyForm
}

/**
 * The body's content, its content coding undone; where undoing it fails outright (not a
 * problem the decoder reports, which keeps what came before), the content as sent, in base64.
 */
async function bodySlot(reader: (decode: boolean) => PieceReader, mime: string | undefined): Promise<BodySlot & { undecoded?: string }> {
  const decoded = reader(true)
  let first: BodyPiece
  try {
    first = await decoded(0, WINDOW)
  } catch (err) {
    if ((err as { code?: string }).code === ERROR_CODES.ECANCELED) throw err
    const raw = reader(false)
    return { read: raw, first: await raw(0, WINDOW), form: { text: false }, undecoded: (err as Error).message }
  }
  return { read: decoded, first, form: await formOf(mime, decoded, first) }
}

/** What a reader of the HAR should know about a body: the codings undone, or why one was not. */
function bodyComment(b: BodySlot & { undecoded?: string }): { comment?: string } {
  const notes: string[] = []
  if (b.first.decoded.length > 0) notes.push(`decoded from ${b.first.decoded.join(', ')}`)
  if (b.first.problem) notes.push(`${b.first.problem.message} (at content byte ${b.first.problem.offset}); what came before it is here`)
  if (b.undecoded !== undefined) notes.push(`its content coding was not undone (${b.undecoded}); this is the content as sent`)
  return notes.length > 0 ? { comment: notes.join('; ') } : {}
}

const hasBody = (msg: HttpMessage | undefined): msg is HttpMessage => msg !== undefined && msg.body.framing !== 'none' && msg.body.size > 0

const OPCODES: Record<WsMessage['opcode'], number | undefined> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10, reserved: undefined }

class HarWriter {
  /** Marks where streamed values go in an entry's JSON: no header or URL can hold it. */
  private readonly nonce = randomBytes(8).toString('hex')
  private entries = 0

  constructor(
    private readonly view: CaptureView,
    private readonly decoding: Decoding,
    private readonly sink: BatchedSink,
    private readonly progress: ExportProgress
  ) {}

  private mark(key: string): string {
    return `\u0000${this.nonce}:${key}\u0000`
  }

  async head(): Promise<void> {
    await this.sink.text(`{"log":{"version":"1.2","creator":{"name":"tcpscope","version":${JSON.stringify(VERSION)}},"pages":[],"entries":[`)
  }

  async tail(): Promise<void> {
    await this.sink.text(']}}\n')
  }

  async connection(conn: ConnectionSummary): Promise<void> {
    for (let from = 0; ; from += EXCHANGE_PAGE) {
      const page = await this.decoding.exchanges(this.view, conn.id, from, EXCHANGE_PAGE)
      for (const ex of page.exchanges) {
        this.progress.checkCancelled()
        if (ex.request !== undefined) await this.entry(conn, ex, ex.request)
        this.progress.step(1)
      }
      if (page.exchanges.length === 0 || from + EXCHANGE_PAGE >= page.total) break
    }
  }

  private async entry(conn: ConnectionSummary, ex: HttpExchange, req: HttpMessage): Promise<void> {
    const res = ex.response
    const reader =
      (part: 'request' | 'response') =>
      (decode: boolean): PieceReader =>
      (offset, length) =>
        this.decoding.body(this.view, { connId: conn.id, exchange: ex.index, part, decode, offset, length })
    const reqMime = contentType(req)
    const resMime = contentType(res)
    const reqBody = hasBody(req) ? await bodySlot(reader('request'), reqMime) : undefined
    const resBody = hasBody(res) ? await bodySlot(reader('response'), resMime) : undefined
    const timings = harTimings(ex)
    const postData = reqBody && {
      mimeType: reqMime ?? 'application/octet-stream',
      ...(reqMime !== undefined && /^application\/x-www-form-urlencoded\b/i.test(reqMime) && reqBody.first.end && reqBody.form.text
        ? { params: queryPairs(Buffer.from(reqBody.first.bytes).toString('latin1')) }
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
        headersSize: req.headRange.length,
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
        redirectURL: res?.headers.find((h) => h.name.toLowerCase() === 'location')?.value ?? '',
        headersSize: res ? res.headRange.length : -1,
        bodySize: res ? wireBodySize(res) : -1
      },
      cache: {},
      timings,
      ...(server !== undefined ? { serverIPAddress: server } : {}),
      connection: String(conn.id),
      ...(ex.state !== 'complete' && ex.state !== 'upgraded' ? { comment: `exchange ${ex.state}` } : {})
    }
    let rest = JSON.stringify(entry)
    if (this.entries++ > 0) await this.sink.text(',')
    let size = 0
    for (const [key, slot] of [['request', reqBody], ['response', resBody]] as const) {
      const marker = JSON.stringify(this.mark(key))
      const at = rest.indexOf(marker)
      if (slot === undefined || at < 0) continue
      await this.sink.text(rest.slice(0, at) + '"')
      const written = await writeBody(this.sink, slot.form, slot.read, slot.first)
      if (key === 'response') size = written.size
      await this.sink.text('"')
      rest = rest.slice(at + marker.length)
    }
    rest = rest.replace(JSON.stringify(this.mark('size')), String(size))
    if (ex.upgrade !== 'websocket') return this.sink.text(rest)
    await this.sink.text(rest.slice(0, -1) + ',"_webSocketMessages":[')
    await this.webSocketMessages(conn.id)
    await this.sink.text(']}')
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
        const read: PieceReader = (offset, length) => this.decoding.wsPayload(this.view, { connId, message: m.index, offset, length })
        await writeBody(this.sink, m.opcode === 'text' ? { text: true, charset: 'utf8' } : { text: false }, read, await read(0, WINDOW))
        await this.sink.text('"}')
      }
      if (page.messages.length === 0 || from + MESSAGE_PAGE >= page.total) break
    }
  }
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

export async function writeHar(view: CaptureView, decoding: Decoding, ids: readonly number[] | undefined, sink: BatchedSink, progress: ExportProgress): Promise<void> {
  const w = new HarWriter(view, decoding, sink, progress)
  await w.head()
  for (const c of await connectionsOf(view, ids)) await w.connection(c)
  await w.tail()
  await sink.flush()
}
