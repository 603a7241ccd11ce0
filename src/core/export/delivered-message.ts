// A message as its receiver got it, read from what a rule record kept (delivered.ts):
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

import type { Direction } from '../../shared/capture-types'
import { H2_VERSION } from '../../shared/h2-request'
import type { HttpHeader, HttpMessage } from '../../shared/protocol-types'
import { dechunk } from '../http/body/dechunk'
import { requestFraming, responseFraming } from '../protocols/http1/body-framing'
import { latin1 } from '../protocols/http1/bytes'
import { findBlankLine } from '../protocols/http1/head-boundary'
import { messageOf, parseHead, type MessageKind } from '../protocols/http1/head-parser'
import { fragmentOf } from '../protocols/http2/header-block'
import { FRAME_HEADER, F_END_HEADERS, F_END_STREAM, F_PADDED, F_PRIORITY, T_CONTINUATION, T_DATA, T_HEADERS, T_RST_STREAM } from '../protocols/http2/frame-reader'
import { HPACK_MAX_TABLE, HpackDecoder } from '../protocols/http2/hpack/hpack-decoder'
import { parseH2Text } from '../breakpoint/h2/h2-text-form'

/** A message as its receiver got it, read from a rule record. */
export interface DeliveredMessage {
  /** Its ranges are in `bytes` (HTTP/1), not in the capture. */
  message: HttpMessage
  /** HTTP/1: the whole message as delivered, where its header lines' ranges point. */
  bytes: Uint8Array
  /** Its content: chunk framing (or DATA frames) removed, content coding left on; absent when its body went on as sent. */
  content?: Uint8Array
}

export type Reading = { request: DeliveredMessage } | { response: DeliveredMessage } | { reset: number } | { unreadable: string }

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
export function readH2Frames(bytes: Uint8Array, time: number): Reading {
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
export function readH2Text(bytes: Uint8Array, time: number): Reading {
  const parsed = parseH2Text(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  if ('error' in parsed) return { unreadable: parsed.error }
  const headEnd = parsed.body.byteOffset - bytes.byteOffset
  return h2Reading({ fields: parsed.fields, headEnd, bodyLength: parsed.body.length, content: parsed.body, bytes, time })
}

/** What a record kept, read as the message its receiver got: HTTP/2 frames, or an HTTP/1 message. */
export function readDelivered(bytes: Uint8Array, h2: boolean, time: number, method: string | undefined): Promise<Reading> | Reading {
  return h2 ? readH2Frames(bytes, time) : readHttp1(bytes, time, method)
}
