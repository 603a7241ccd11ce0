// What the receivers got, for HAR and curl exported `as: 'delivered'` (and, for HAR exported
// as sent, the answer tcpscope gave a request in the target's place). The capture keeps each
// side as its sender sent it; where a traffic rule or the script changed what the receiver
// got, a `rule` record on the connection, in the sender's direction, says where the message
// it acted on starts and keeps what was delivered instead (capture-format.md, "The rule
// record"). Here a connection's rule records are read once, each is matched to the message
// it acted on by that place, and what it delivered is read as a message:
//
// - HTTP/1: the head by the decoder's own parser (head-parser.ts) and framing
//   (body-framing.ts), the chunk framing undone by the body pipeline's dechunk; the content
//   then goes through the body pipeline like any recorded body (har-bodies.ts).
// - HTTP/2: the frames the record keeps (HEADERS, CONTINUATION, DATA, or one RST_STREAM),
//   the header block decoded by an HPACK decoder of its own. tcpscope writes its own answers
//   as literals, so a mock's block reads on its own; an edited block may refer to the
//   connection's header table, which the record does not carry: then what was sent stays,
//   and the entry says why (a fresh decoder refuses any reference to that table, so a block
//   it reads is read right).
//
// A record that kept only the SHA-256 (more than MAX_RECORDED_EDIT) cannot be shown: what
// was sent stays, and the entry says so. A request a rule answered itself never reached the
// target: its entry keeps the request the client sent, says so, and carries the answer the
// client got (none for a close, a reset or a drop). On HTTP/1 the decoder learns of those
// requests from the same records, and pairs the target's responses with the others only.

import type { Direction } from '../../shared/capture-types'
import type { ExportAs } from '../../shared/export-args'
import { formatBytes } from '../../shared/human-readable'
import { H2_VERSION, isH2 } from '../../shared/h2-request'
import { h2ErrorName, type ExchangeState, type HttpExchange, type HttpHeader, type HttpMessage } from '../../shared/protocol-types'
import { endedHere, SCRIPT_ENDED, type RuleEventInfo } from '../../shared/rules/rule-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { dechunk } from '../http/body/dechunk'
import { actBytes, actsByPlace, keptBytes, placeKey, type StreamAct } from '../decode/delivered-acts'
import { requestFraming, responseFraming } from '../protocols/http1/body-framing'
import { latin1 } from '../protocols/http1/bytes'
import { findBlankLine } from '../protocols/http1/head-boundary'
import { messageOf, parseHead, type MessageKind } from '../protocols/http1/head-parser'
import { fragmentOf } from '../protocols/http2/header-block'
import { FRAME_HEADER, F_END_HEADERS, F_END_STREAM, F_PADDED, F_PRIORITY, T_CONTINUATION, T_DATA, T_HEADERS, T_RST_STREAM } from '../protocols/http2/frame-reader'
import { HPACK_MAX_TABLE, HpackDecoder } from '../protocols/http2/hpack/hpack-decoder'
import { parseH2Text } from '../breakpoint/h2/h2-text-form'

export type { ExportAs }

/** What the HAR's log comment says of each. */
export const AS_WORDS: Record<ExportAs, string> = { sent: 'what each side sent', delivered: "what the receivers got, after tcpscope's rules" }

/** One `rule` record (or a breakpoint's edit, read as a rewrite): what it says, when, and on whose bytes; what it delivered read when asked. */
export interface RuleAct {
  info: Omit<RuleEventInfo, 'delivered'>
  dir: Direction
  time: number
  /** A breakpoint's edit (its `break` record), and how an HTTP/2 one kept its bytes (delivered-acts.ts). */
  by?: 'break'
  form?: 'h2-text'
  /** What it delivered, when the record kept it. */
  bytes(): Promise<Buffer | undefined>
}

/** A connection's rule records by the message each acted on: `client:OFFSET` or `server:OFFSET` (placeKey), in the order written. */
export interface RuleActs {
  get(key: string): RuleAct[] | undefined
  readonly size: number
  values(): Iterable<RuleAct[]>
}

/**
 * The connection's rule records, as the delivered views read them (decode/delivered-acts.ts:
 * read once, kept, grown, grouped by place once): each place's read as asked for, so that
 * opening a connection per exchange costs no walk of every record.
 */
export async function ruleActs(view: CaptureView, connId: number): Promise<RuleActs> {
  const places = await actsByPlace(view, connId)
  const asRule = (a: StreamAct): RuleAct => ({
    info: a.info,
    dir: a.dir,
    time: a.time,
    ...(a.by !== undefined ? { by: a.by } : {}),
    ...(a.form !== undefined ? { form: a.form } : {}),
    bytes: () => (keptBytes(a.info) ? actBytes(view, connId, a) : Promise.resolve(undefined))
  })
  return {
    get: (key) => places.get(key)?.map(asRule),
    get size() {
      return places.size
    },
    *values() {
      for (const list of places.values()) yield list.map(asRule)
    }
  }
}

/** A message as its receiver got it, read from a rule record. */
export interface DeliveredMessage {
  /** Its ranges are in `bytes` (HTTP/1), not in the capture. */
  message: HttpMessage
  /** HTTP/1: the whole message as delivered, where its header lines' ranges point. */
  bytes: Uint8Array
  /** Its content: chunk framing (or DATA frames) removed, content coding left on; absent when its body went on as sent. */
  content?: Uint8Array
}

type Reading = { request: DeliveredMessage } | { response: DeliveredMessage } | { reset: number } | { unreadable: string }

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Buffer.concat(parts)
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes
}

/** An HTTP/1 message: its head by the decoder's parser, its body framed as the decoder frames it. */
async function readHttp1(bytes: Uint8Array, time: number, method: string | undefined): Promise<Reading> {
  const kind: MessageKind = latin1(bytes, 0, Math.min(5, bytes.length)) === 'HTTP/' ? 'response' : 'request'
  const dir: Direction = kind === 'request' ? 'client' : 'server'
  const bodyAt = findBlankLine(bytes, 0, true)
  if (bodyAt < 0) return { unreadable: 'its head does not end' }
  const head = parseHead(latin1(bytes, 0, bodyAt), 0, dir, kind)
  if (typeof head === 'string') return { unreadable: head }
  const msg = messageOf(head, dir, 0, bodyAt, time)
  msg.endedAt = time
  const framing = kind === 'request' ? requestFraming(head.headers) : responseFraming(head.status ?? 0, head.headers, method)
  if ('problem' in framing) return { unreadable: framing.problem }
  const rest = bytes.length - bodyAt
  let content: Uint8Array = new Uint8Array(0)
  if (framing.kind === 'length') {
    if (rest < framing.length) return { unreadable: `its body is ${rest} bytes of the ${framing.length} its Content-Length says` }
    content = bytes.subarray(bodyAt, bodyAt + framing.length)
    msg.body = { framing: 'length', range: { dir, offset: bodyAt, length: framing.length }, size: framing.length, complete: true }
  } else if (framing.kind === 'chunked') {
    content = await collect(dechunk(once(bytes.subarray(bodyAt))))
    msg.body = { framing: 'chunked', range: { dir, offset: bodyAt, length: rest }, size: content.length, complete: true }
  } else if (framing.kind === 'close') {
    content = bytes.subarray(bodyAt)
    msg.body = { framing: 'close', range: { dir, offset: bodyAt, length: rest }, size: rest, complete: true }
  } else msg.body.complete = true
  const delivered = { message: msg, bytes, content }
  return kind === 'request' ? { request: delivered } : { response: delivered }
}

/** HTTP/2 frames of one stream: the message they carry, or the reset. */
function readH2(bytes: Uint8Array, time: number): Reading {
  const hpack = new HpackDecoder({ maxTableSize: HPACK_MAX_TABLE })
  const blocks: Uint8Array[][] = []
  let open: Uint8Array[] | undefined
  const data: Uint8Array[] = []
  let headEnd = 0
  let ended = false
  for (let at = 0; at < bytes.length; ) {
    if (bytes.length - at < FRAME_HEADER) return { unreadable: 'a frame is cut short' }
    const length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2]
    const type = bytes[at + 3]
    const flags = bytes[at + 4]
    const payload = bytes.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length)
    if (payload.length < length) return { unreadable: 'a frame is cut short' }
    at += FRAME_HEADER + length
    if ((type === T_HEADERS || type === T_DATA) && (flags & F_END_STREAM) !== 0) ended = true
    if (type === T_RST_STREAM) {
      if (blocks.length === 0 && open === undefined && payload.length >= 4) return { reset: Buffer.from(payload).readUInt32BE(0) }
      continue
    }
    if (type === T_HEADERS || type === T_CONTINUATION) {
      const span = type === T_HEADERS ? fragmentOf(payload, (flags & F_PADDED) !== 0, (flags & F_PRIORITY) !== 0 ? 5 : 0) : { start: 0, end: payload.length }
      if (span === undefined) return { unreadable: 'a HEADERS frame is malformed' }
      if (type === T_HEADERS) open = []
      if (open === undefined) return { unreadable: 'a CONTINUATION frame follows no HEADERS' }
      open.push(payload.subarray(span.start, span.end))
      if ((flags & F_END_HEADERS) !== 0) {
        blocks.push(open)
        open = undefined
        if (blocks.length === 1) headEnd = at
      }
    } else if (type === T_DATA) {
      const span = fragmentOf(payload, (flags & F_PADDED) !== 0, 0)
      if (span !== undefined) data.push(payload.subarray(span.start, span.end))
    }
  }
  if (blocks.length === 0) return { unreadable: 'it carries no header block' }
  const decoded = blocks.map((parts) => hpack.decode(Buffer.concat(parts)))
  const failed = decoded.find((d) => d.error !== undefined)?.error
  if (failed) return { unreadable: `its header block refers to the connection's HPACK table, which the record does not keep: ${failed.message}` }
  // Only the head was edited: the body's frames went on as they came, and the record has the head alone.
  const bodyAsSent = !ended && data.length === 0 && blocks.length === 1
  const content = bodyAsSent ? undefined : Buffer.concat(data)
  const trailers = decoded.length > 1 ? decoded.slice(1).flatMap((d) => d.fields) : undefined
  return h2Reading({ fields: decoded[0].fields, trailers, headEnd, bodyLength: bytes.length - headEnd, content, bytes, time })
}

/**
 * An HTTP/2 request or response read from what a record kept: its header fields (the pseudo
 * ones say which), the head's and the body's extent in `bytes`, and its content when known.
 */
function h2Reading(r: {
  fields: readonly { name: string; value: string }[]
  trailers?: readonly { name: string; value: string }[]
  headEnd: number
  bodyLength: number
  content: Uint8Array | undefined
  bytes: Uint8Array
  time: number
}): Reading {
  const pseudo = (name: string): string | undefined => r.fields.find((f) => f.name === name)?.value
  const status = pseudo(':status')
  const dir: Direction = status !== undefined ? 'server' : 'client'
  const headers = (fields: readonly { name: string; value: string }[]): HttpHeader[] => fields.map((f) => ({ name: f.name, value: f.value, range: { dir, offset: 0, length: 0 } }))
  const head = { dir, offset: 0, length: r.headEnd }
  const msg: HttpMessage = {
    dir,
    startLine: '',
    startRange: head,
    version: H2_VERSION,
    headers: headers(r.fields),
    headRange: head,
    body: { framing: r.content !== undefined && r.content.length > 0 ? 'h2' : 'none', range: { dir, offset: r.headEnd, length: r.bodyLength }, size: r.content?.length ?? 0, complete: true },
    startedAt: r.time,
    endedAt: r.time
  }
  if (r.trailers !== undefined) msg.body.trailers = headers(r.trailers)
  const side = { message: msg, bytes: r.bytes, ...(r.content ? { content: r.content } : {}) }
  if (status !== undefined) {
    msg.status = Number(status)
    msg.reason = ''
    msg.startLine = `HTTP/2 ${status}`
    return { response: side }
  }
  msg.method = pseudo(':method')
  msg.target = pseudo(':path')
  msg.startLine = `${msg.method ?? ''} ${msg.target ?? ''} HTTP/2`
  return { request: side }
}

/** An HTTP/2 message as a person edited it at a breakpoint: header lines, a blank line, the body (h2-text-form.ts). */
function readH2Text(bytes: Uint8Array, time: number): Reading {
  const parsed = parseH2Text(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  if ('error' in parsed) return { unreadable: parsed.error }
  const headEnd = parsed.body.byteOffset - bytes.byteOffset
  return h2Reading({ fields: parsed.fields, headEnd, bodyLength: parsed.body.length, content: parsed.body, bytes, time })
}

function readDelivered(bytes: Uint8Array, h2: boolean, time: number, method: string | undefined): Promise<Reading> | Reading {
  return h2 ? readH2(bytes, time) : readHttp1(bytes, time, method)
}

/** A name or message fit for one comment line (a rule's name is the user's). */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]+/g, ' ')

/**
 * `rule "mock the user": answered GET /api/user with 200 (not sent to the target)`; a script's
 * message names it, and tcpscope's own (no rule's) says what it did; a breakpoint's edit
 * (`by: 'break'`): `breakpoint b1: edited: 35 B → 41 B after 4.2 s`.
 */
export function whoActed(info: Pick<RuleEventInfo, 'rule' | 'label' | 'message'>, by?: 'break'): string {
  if (by === 'break') return oneLine(`breakpoint ${info.rule}: ${info.message}`)
  return oneLine(info.rule === 'script' || info.rule === '' ? info.message : `rule "${info.label}": ${info.message}`)
}

/** What the records on one message changed: the message as delivered (null: the receiver got none), and what the entry should say. */
interface Changes {
  request?: DeliveredMessage
  response?: DeliveredMessage | null
  /** The request never reached the target. */
  local: boolean
  notes: string[]
  /** The notes as they read beside the request as the client sent it (an export as sent). */
  asSent: string[]
}

/** A note that reads the same whichever request the entry shows. */
function note(out: Changes, text: string): void {
  out.notes.push(text)
  out.asSent.push(text)
}

/** What a record delivered, when the capture has it: as its receiver got it, or why it cannot be shown. */
async function deliveredBy(act: RuleAct, h2: boolean, method: string | undefined): Promise<Reading | { hashed: number } | undefined> {
  const bytes = await act.bytes()
  if (bytes !== undefined && act.form === 'h2-text') return readH2Text(bytes, act.time)
  if (bytes !== undefined) return bytes.length === 0 ? undefined : readDelivered(bytes, h2, act.time, method)
  if (act.info.deliveredSha256 !== undefined) return { hashed: act.info.deliveredSize ?? 0 }
  return undefined
}

/** A record that kept only the SHA-256 of what it delivered. */
const keptOnly = (size: number, what: 'request' | 'response', local: boolean): string =>
  `the ${what} it delivered (${formatBytes(size)}) is not in the capture, only its SHA-256: ${local && what === 'response' ? 'the entry has no response' : 'this is what was sent'}`

/** A message read from a record keeps the times of the one it stands for; a body that went on as sent is read from the capture. */
function standsFor(d: DeliveredMessage, sent: HttpMessage): DeliveredMessage {
  d.message.startedAt = sent.startedAt
  if (sent.endedAt !== undefined) d.message.endedAt = sent.endedAt
  if (d.content === undefined) d.message.body = sent.body
  return d
}

/** The records on a request (in the client's direction, where the request starts). */
async function requestChanges(acts: RuleActs, req: HttpMessage, h2: boolean): Promise<Changes> {
  const out: Changes = { local: false, notes: [], asSent: [] }
  for (const act of acts.get(placeKey('client', req.headRange.offset)) ?? []) {
    const info = act.info
    if (info.action === 'delay' || info.action === 'error') continue
    const who = whoActed(info, act.by)
    const ended = endedHere(info, h2)
    // HTTP/1's forward keeps the request it sent (the answer is on its own connection); HTTP/2's keeps the answer the client got, as a respond does.
    const forwarded = ended && info.action === 'forward' && !h2
    const got = await deliveredBy(act, h2, req.method)
    if (ended) out.local = true
    if (got === undefined) {
      if (!ended) continue
      out.response = null
      note(out, forwarded ? `${who}` : `${who}; the target never got the request, and the client got no response`)
    } else if ('hashed' in got) {
      note(out, `${who}; ${keptOnly(got.hashed, ended && !forwarded ? 'response' : 'request', ended)}`)
    } else if ('unreadable' in got) {
      note(out, `${who}; what it delivered cannot be read on its own (${got.unreadable}): this is what was sent`)
    } else if ('reset' in got) {
      out.local = true
      out.response = null
      note(out, `${who}; the client got RST_STREAM ${h2ErrorName(got.reset)} instead of a response`)
    } else if ('request' in got) {
      out.request = standsFor(got.request, req)
      out.notes.push(`the request as ${forwarded ? 'the server it was forwarded to' : 'the target'} got it: ${who}`)
      out.asSent.push(who)
    } else {
      out.local = true
      out.response = got.response
      out.notes.push(`the response as the client got it (the target never got the request): ${who}`)
      // Beside what each side sent, the answer is tcpscope's: the target sent none.
      out.asSent.push(`the response tcpscope gave the client in the target's place (the target never got the request): ${who}`)
    }
    if (forwarded) {
      out.response = null
      note(out, "the client got that server's answer: it is recorded on tcpscope's connection to that server, not here")
    }
  }
  return out
}

/** The records on a response (in the server's direction, where the response starts). */
async function responseChanges(acts: RuleActs, res: HttpMessage, method: string | undefined, h2: boolean, out: Changes): Promise<void> {
  for (const act of acts.get(placeKey('server', res.headRange.offset)) ?? []) {
    const info = act.info
    if (info.action === 'delay' || info.action === 'error') continue
    const who = whoActed(info, act.by)
    const got = await deliveredBy(act, h2, method)
    if (got === undefined) {
      if (info.action !== 'script' || !SCRIPT_ENDED.test(info.message)) continue
      out.response = null
      note(out, `${who}; the client never got this response`)
    } else if ('hashed' in got) note(out, `${who}; ${keptOnly(got.hashed, 'response', false)}`)
    else if ('unreadable' in got) note(out, `${who}; what it delivered cannot be read on its own (${got.unreadable}): this is what was sent`)
    else if ('reset' in got) {
      out.response = null
      note(out, `${who}; the client got RST_STREAM ${h2ErrorName(got.reset)} instead of this response`)
    } else if ('response' in got) {
      out.response = standsFor(got.response, res)
      note(out, `the response as the client got it: ${who}`)
    }
  }
}

/** An exchange as its receivers got it. */
export interface DeliveredExchange {
  /** The exchange with its request and response as delivered. */
  exchange: HttpExchange
  /** The content of the messages read from rule records (the others are in the capture). */
  delivered: Map<HttpMessage, DeliveredMessage>
  /** What the entry says: which rule changed what, or why what was sent stays. */
  notes: string[]
  /** The request never reached the target. */
  local: boolean
}

const UNCHANGED = (ex: HttpExchange): DeliveredExchange => ({ exchange: ex, delivered: new Map(), notes: [], local: false })

/** The request as the target got it (curl: one exchange, its response left alone). */
export async function requestAsDelivered(acts: RuleActs, ex: HttpExchange): Promise<Omit<DeliveredExchange, 'exchange'> & { request?: HttpMessage }> {
  const req = ex.request
  if (req === undefined) return { delivered: new Map(), notes: [], local: false }
  const changes = await requestChanges(acts, req, isH2(req))
  const delivered = new Map<HttpMessage, DeliveredMessage>()
  if (changes.request) delivered.set(changes.request.message, changes.request)
  return { delivered, notes: changes.notes, local: changes.local, ...(changes.request ? { request: changes.request.message } : {}) }
}

/**
 * One connection's exchanges as their receivers got them, taken in order. On HTTP/1 the
 * decoder already gave a request a rule answered no response (`answeredBy`), and the
 * target's responses to the requests that reached it: such a request has the answer the
 * client got instead.
 */
export class DeliveredConnection {
  private constructor(private readonly acts: RuleActs) {}

  static async open(view: CaptureView, connId: number): Promise<DeliveredConnection> {
    return new DeliveredConnection(await ruleActs(view, connId))
  }

  /** Rule records on what came after these places (a WebSocket's messages after its upgrade). */
  actsAfter(at: Record<Direction, number>): number {
    let n = 0
    for (const list of this.acts.values()) for (const a of list) if ((a.info.offset ?? 0) >= at[a.dir] && a.info.action !== 'delay' && a.info.action !== 'error') n++
    return n
  }

  async next(ex: HttpExchange): Promise<DeliveredExchange> {
    return (await this.read(ex)).delivered
  }

  /**
   * Exported as sent: an exchange whose request tcpscope answered in the target's place (a
   * mock, the script) with the answer the client got, as what tcpscope sent as the server,
   * and the entry's note naming the rule; its request stays as the client sent it. Any other
   * exchange comes back as it is: what the rules changed is for an export as delivered.
   */
  async answered(ex: HttpExchange): Promise<DeliveredExchange> {
    const { delivered: d, asSent } = await this.read(ex)
    if (!d.local) return UNCHANGED(ex)
    const exchange: HttpExchange = { ...d.exchange }
    if (ex.request !== undefined) exchange.request = ex.request
    return { exchange, delivered: d.delivered, notes: asSent, local: true }
  }

  private async read(ex: HttpExchange): Promise<{ delivered: DeliveredExchange; asSent: string[] }> {
    const req = ex.request
    const h2 = isH2(req ?? ex.response)
    if (this.acts.size === 0) return { delivered: UNCHANGED(ex), asSent: [] }
    const changes: Changes = req ? await requestChanges(this.acts, req, h2) : { local: false, notes: [], asSent: [] }
    // A request that never reached the target has no response of the target's.
    const unanswered: ExchangeState = ex.state === 'pending' ? 'pending' : 'incomplete'
    const answer: Pick<HttpExchange, 'response' | 'state'> = changes.local && !h2 ? { response: undefined, state: unanswered } : ex
    if (answer.response !== undefined && changes.response === undefined) await responseChanges(this.acts, answer.response, req?.method, h2, changes)
    const delivered = new Map<HttpMessage, DeliveredMessage>()
    const request = changes.request?.message ?? req
    if (changes.request) delivered.set(changes.request.message, changes.request)
    let response = answer.response
    let state = answer.state
    if (changes.response === null) {
      response = undefined
      if (state === 'complete') state = 'incomplete'
    } else if (changes.response !== undefined) {
      response = changes.response.message
      delivered.set(response, changes.response)
      if (state !== 'upgraded') state = 'complete'
    }
    const exchange: HttpExchange = { ...ex, state }
    if (request !== undefined) exchange.request = request
    if (response !== undefined) exchange.response = response
    else delete exchange.response
    return { delivered: { exchange, delivered, notes: changes.notes, local: changes.local }, asSent: changes.asSent }
  }
}
