// `tcpscope show --json`: one JSON object per line, `{"type":"exchange",…}` for an HTTP
// exchange and `{"type":"message",…}` for a WebSocket message. Headers are [name, value]
// pairs in the order sent, duplicates kept (HTTP/2's pseudo-headers first, as sent). A body
// or payload is `{"text": …}` in its charset when its kind is text and its bytes are valid
// there, else `{"text": <base64>, "encoding": "base64"}`; up to --body-limit, with a note
// when that (or anything else) left some out. A line goes out whole; while it is made, at most
// one body's content is held (up to the limit), then only its JSON text. An exchange shown as
// its receivers got it (--as delivered) says so: `"as": "delivered"` beside its `changed`. A
// request tcpscope answered in the target's place has `answeredBy` (the rule), and its
// response fields (status, responseHeaders, responseBody) are that answer as the client got it.

import { isTextKind } from '../../shared/body-type'
import type { HttpExchange, HttpHeader, HttpMessage, WsMessage } from '../../shared/protocol-types'
import type { ExportAs } from '../../shared/export-args'
import { textDecoder } from '../body-text'
import type { OutputBatches } from '../output'
import { heldContent, type ContentFacts, type PieceSource } from './show-bodies'
import { contentGap, protocolOf, shownNumber, urlOf, type ExchangeChange, type ShownConnection } from './show-facts'
import type { ExchangeBodies } from './show-text'

export interface JsonContent {
  /** The content as text, or in base64 when `encoding` says so. */
  text: string
  encoding?: 'base64'
  /** The decoded size, when known. */
  size?: number
  /** The content codings undone (`gzip`, `br`, `permessage-deflate`). */
  decoded?: string[]
  /** Some of the content is not here; `note` says why. */
  truncated?: true
  note?: string
}

const pairs = (headers: readonly HttpHeader[] | undefined): Array<[string, string]> => (headers ?? []).map((h) => [h.name, h.value])

/** The text of `bytes` in `charset`, or undefined when they are not valid there (a character cut at the end of a shorter read waits, unseen). */
function validText(bytes: Uint8Array, charset: string, whole: boolean): string | undefined {
  try {
    return textDecoder(charset, true).decode(bytes, { stream: !whole })
  } catch {
    return undefined
  }
}

/** Content as JSON: text in `charset` when given and valid, else base64. */
export function contentJson(bytes: Uint8Array, facts: ContentFacts, charset: string | undefined, what: 'body' | 'payload' = 'body'): JsonContent {
  const text = charset === undefined ? undefined : validText(bytes, charset, facts.end)
  const out: JsonContent = text === undefined ? { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), encoding: 'base64' } : { text }
  const size = facts.total ?? (facts.end ? facts.shown : undefined)
  if (size !== undefined) out.size = size
  if (facts.decoded.length > 0) out.decoded = facts.decoded
  const gap = contentGap(facts, what)
  if (gap !== undefined) {
    out.truncated = true
    out.note = gap
  }
  return out
}

/** A message's content as JSON, read through the engine up to `limit`. */
async function bodyJson(msg: HttpMessage, source: PieceSource, limit: number): Promise<JsonContent> {
  if (msg.body.framing === 'none') return { text: '', size: 0 }
  const { bytes, facts } = await heldContent(source, limit)
  const charset = facts.type !== undefined && isTextKind(facts.type.kind) ? facts.type.charset : undefined
  return contentJson(bytes, facts, charset)
}

/** The exchange's line, its bodies added a part at a time. */
export async function writeExchangeJson(out: OutputBatches, conn: ShownConnection, ex: HttpExchange, bodies: ExchangeBodies, limit: number, change?: ExchangeChange, as: ExportAs = 'sent'): Promise<void> {
  const req = ex.request
  const res = ex.response
  const head: Record<string, unknown> = { type: 'exchange', conn: conn.id, exchange: shownNumber(ex.index), protocol: protocolOf(conn, ex) }
  if (ex.stream !== undefined) head.stream = ex.stream
  if (ex.pushedOn !== undefined) head.pushedOn = ex.pushedOn
  Object.assign(head, {
    method: req?.method,
    url: urlOf(conn, ex),
    status: res?.status,
    reason: res?.reason,
    version: req?.version ?? res?.version,
    state: ex.state,
    upgrade: ex.upgrade,
    startedAt: req?.startedAt ?? res?.startedAt,
    endedAt: res?.endedAt,
    answeredBy: ex.answeredBy === undefined ? undefined : { rule: ex.answeredBy.rule, label: ex.answeredBy.label, action: ex.answeredBy.action },
    ended: ex.ended === undefined ? undefined : { kind: ex.ended.kind, by: ex.ended.by, code: ex.ended.code, name: ex.ended.name, time: ex.ended.time },
    // What a rule, the script or a breakpoint changed: the headers and bodies here are as each side sent them, unless `as` says delivered.
    changed: change,
    as: as === 'delivered' ? as : undefined,
    requestHeaders: pairs(req?.headers),
    responseHeaders: pairs(res?.headers)
  })
  if (req?.body.trailers !== undefined) head.requestTrailers = pairs(req.body.trailers)
  if (res?.body.trailers !== undefined) head.responseTrailers = pairs(res.body.trailers)
  if (ex.informational.length > 0) head.informational = ex.informational.map((m) => ({ status: m.status, reason: m.reason, headers: pairs(m.headers) }))
  // Undefined fields drop out; the bodies follow, each read only when its turn comes.
  await wholeLine(out, JSON.stringify(head).slice(0, -1), [
    async () => (req === undefined ? '' : `,"requestBody":${JSON.stringify(await bodyJson(req, bodies.request, limit))}`),
    async () => (res === undefined ? '' : `,"responseBody":${JSON.stringify(await bodyJson(res, bodies.response, limit))}`)
  ])
}

/**
 * A line of a head and parts made one after another, then `}`: nothing of it goes out before
 * it is whole (a read that fails leaves no half line), and each part's content is let go
 * once it is JSON text.
 */
async function wholeLine(out: OutputBatches, head: string, parts: Array<() => Promise<string>>): Promise<void> {
  const mark = out.mark()
  try {
    out.add(head)
    for (const part of parts) out.add(await part())
  } catch (err) {
    out.dropTo(mark)
    throw err
  }
  await out.put('}\n')
}

/** A WebSocket message's line: a text message's payload as text when it is valid UTF-8, the rest in base64. */
export async function writeWsMessageJson(out: OutputBatches, conn: ShownConnection, m: WsMessage, payload: PieceSource, limit: number): Promise<void> {
  const line: Record<string, unknown> = {
    type: 'message',
    conn: conn.id,
    protocol: 'websocket',
    message: shownNumber(m.index),
    dir: m.dir,
    time: m.startedAt,
    size: m.size,
    opcode: m.opcode,
    frames: m.frames,
    complete: m.complete
  }
  if (m.compressed) line.compressed = true
  if (m.closeCode !== undefined) line.closeCode = m.closeCode
  if (m.closeReason !== undefined) line.closeReason = m.closeReason
  await wholeLine(out, JSON.stringify(line).slice(0, -1), [
    async () => {
      if (m.size === 0) return ''
      const { bytes, facts } = await heldContent(payload, limit)
      return `,"payload":${JSON.stringify(contentJson(bytes, facts, m.opcode === 'text' ? 'utf-8' : undefined, 'payload'))}`
    }
  ])
}

/** A decoding problem on the connection. */
export const problemJson = (conn: ShownConnection, p: { dir: string; offset: number; message: string }): string =>
  JSON.stringify({ type: 'problem', conn: conn.id, dir: p.dir, offset: p.offset, message: p.message }) + '\n'
