// http.body: a window of a message's content, read from the capture by the body's byte
// ranges (chunk data only for a chunked body), and decoded through the body pipeline
// (core/http/body) when asked: bounded by the body limit, a body is never held whole, only
// the window and one read's worth of it. A body with no coding to undo is paged where it
// lies, as its bytes are. Exports stream a message's content from here too.

import type { Direction } from '../../shared/direction'
import { bodyCutNote } from '../../shared/body-cut'
import { bodyType, contentTypeOf, isTextKind, prettyApplies } from '../../shared/body-type'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { PRETTY_MAX } from '../../shared/limits'
import type { BodyPiece, ByteRange, HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { bodyBounds, decodeContent, type BodyBounds } from '../http/body/content-coding'
import { dechunk } from '../http/body/dechunk'
import { contentCodings as codingsOf, contentType } from '../http/body/decode-body'
import { StreamData } from '../protocols/http2/stream-data'
import { frameCheckpoints } from './frame-checkpoints'
import { headerValue } from './exchange-batch'

/** Bytes read from the file at a time while streaming a body. */
const READ_PIECE = 1024 * 1024

export interface BodyWindow {
  decode: boolean
  offset: number
  length: number
}

/** The content codings of a message, as listed (outermost last); identity left out. */
export const contentCodings = (msg: HttpMessage): string[] => codingsOf(msg.headers)

/** The wire ranges holding the content, in order. */
export function contentRanges(msg: HttpMessage): ByteRange[] {
  const body = msg.body
  if (body.framing === 'none') return []
  if (body.framing === 'chunked' || body.framing === 'h2') return body.chunks ?? []
  return [body.range]
}

/**
 * The bytes of [offset, end) of one direction, in reads of at most READ_PIECE. A read cut
 * short at a gap (bytes forwarded but not kept) is followed by one from where it stopped,
 * which starts in the gap and says so (NotKeptError): the bytes kept past the gap never
 * stand in for those missing, nor does the body end there without a word.
 */
async function* wire(view: CaptureView, connId: number, dir: Direction, offset: number, end: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (let at = offset; at < end; ) {
    if (signal?.aborted) throw new UserError('reading the body was cancelled', ERROR_CODES.ECANCELED)
    const piece = await view.readBytes(connId, dir, at, Math.min(READ_PIECE, end - at))
    if (piece.length === 0) return
    yield piece
    at += piece.length
  }
}

/**
 * The data of the chunks a body has past the ones its message lists (MAX_CHUNK_RANGES):
 * their framing read again from the wire, from the end of the last listed chunk. Only what
 * the decoder already accepted is read, so the framing here is known to be sound.
 */
function unlistedChunks(view: CaptureView, connId: number, msg: HttpMessage, signal?: AbortSignal): AsyncGenerator<Uint8Array> | undefined {
  const last = msg.body.chunks?.at(-1)
  if (!last) return undefined
  return dechunk(wire(view, connId, msg.dir, last.offset + last.length, msg.body.range.offset + msg.body.range.length, signal), { afterData: true })
}

/**
 * The data of an HTTP/2 body's DATA frames past those its message lists (MAX_H2_DATA_RANGES),
 * from `skip` bytes into it: its direction's frames read again from the last checkpoint
 * before there (frame-checkpoints.ts; the first frame not listed at first), its stream's
 * data taken. Other streams' frames between are read through, as a chunked body's framing
 * is: the cost is the wire bytes from the checkpoint to the window's end, the memory one read.
 */
async function* unlistedFrames(view: CaptureView, connId: number, msg: HttpMessage, skip: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const unlisted = msg.body.unlisted
  if (unlisted === undefined) return
  const end = msg.body.range.offset + msg.body.range.length
  const points = frameCheckpoints(view, connId, msg.dir, unlisted)
  const start = points.before(skip)
  const frames = new StreamData(msg.dir, start.wire, unlisted.stream)
  /** Content bytes before the next frame found. */
  let content = start.content
  let at = start.wire
  for await (const piece of wire(view, connId, msg.dir, start.wire, end, signal)) {
    for (const r of frames.push(piece, at)) {
      points.passed(content, r.frame)
      const left = Math.max(0, skip - content)
      content += r.length
      if (left >= r.length) continue
      const from = r.offset + left
      const to = r.offset + r.length
      if (from >= at) yield piece.subarray(from - at, to - at)
      // Begun in an earlier read (the frame spans reads): read again.
      else yield* wire(view, connId, msg.dir, from, to, signal)
    }
    at += piece.length
  }
}

/** A message's content (chunk framing removed, content coding left on) from `from` on, in reads of at most READ_PIECE. */
export async function* messageContent(view: CaptureView, connId: number, msg: HttpMessage, from = 0, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let skip = from
  for (const r of contentRanges(msg)) {
    if (skip >= r.length) {
      skip -= r.length
      continue
    }
    yield* wire(view, connId, r.dir, r.offset + skip, r.offset + r.length, signal)
    skip = 0
  }
  if (!msg.body.chunksOmitted) return
  if (msg.body.framing === 'h2') return yield* unlistedFrames(view, connId, msg, skip, signal)
  const more = msg.body.framing === 'chunked' ? unlistedChunks(view, connId, msg, signal) : undefined
  if (!more) return
  for await (const piece of more) {
    if (skip >= piece.length) {
      skip -= piece.length
      continue
    }
    yield skip > 0 ? piece.subarray(skip) : piece
    skip = 0
  }
}

/** The content's length as sent: chunk data summed (or Content-Length) as the decoder counted it. */
export const sentSize = (msg: HttpMessage): number => (msg.body.framing === 'none' ? 0 : msg.body.size)

/** How the piece reads, and whether the pretty view applies, as far as this piece tells. */
function describePiece(piece: BodyPiece, msg: HttpMessage): BodyPiece {
  const type = piece.offset === 0 ? contentType(msg.headers, piece.bytes) : bodyType(contentTypeOf(msg.headers))
  // Without a Content-Type, or with one saying text, the kind is told from the first bytes: only the first piece has them.
  if (piece.offset === 0 || (type.media !== '' && !isTextKind(type.kind))) piece.type = type
  const whole = piece.end && !piece.problem && !piece.cut ? piece.total : undefined
  const decided = whole !== undefined || piece.cut || piece.problem || piece.offset + piece.bytes.length > PRETTY_MAX
  if (decided || !(type.kind === 'json' || type.kind === 'xml')) piece.pretty = prettyApplies(type.kind, whole)
  if (piece.cut) piece.note = bodyCutNote(piece.cut)
  return piece
}

/** A message's content from `from` on: from the file (messageContent), or from its bytes read ahead (content-ahead.ts). */
type ContentFrom = (from: number) => AsyncIterable<Uint8Array>

async function* bytesFrom(content: Uint8Array, from: number): AsyncGenerator<Uint8Array> {
  if (from < content.length) yield content.subarray(from)
}

/** A window of a body sent with no content coding: read where it lies (nothing to expand, so no limit; the window bounds it). */
async function readPlain(msg: HttpMessage, w: BodyWindow, content: ContentFrom): Promise<BodyPiece> {
  const available = sentSize(msg)
  const out = new Uint8Array(Math.max(0, Math.min(available, w.offset + w.length) - w.offset))
  let at = 0
  if (out.length > 0) {
    for await (const piece of content(w.offset)) {
      const n = Math.min(piece.length, out.length - at)
      out.set(piece.subarray(0, n), at)
      at += n
      if (at >= out.length) break
    }
  }
  const bytes = at === out.length ? out : out.subarray(0, at)
  const piece: BodyPiece = { bytes, offset: w.offset, end: msg.body.complete && w.offset + bytes.length >= available, decoded: [] }
  const declared = Number(headerValue(msg, 'content-length'))
  if (msg.body.complete) piece.total = available
  else if (msg.body.framing === 'length' && Number.isSafeInteger(declared)) piece.total = declared
  return piece
}

/**
 * A window of a message's content: with `decode`, its content codings undone within
 * `bounds` (a window past a cut is empty and says why); without, or with no coding to undo,
 * the content as sent, paged as it lies in the capture. `early`: the content, read ahead
 * (content-ahead.ts), read from instead of the file.
 */
export async function readBody(view: CaptureView, connId: number, msg: HttpMessage, w: BodyWindow, signal?: AbortSignal, bounds: BodyBounds = bodyBounds(), early?: Uint8Array): Promise<BodyPiece> {
  const content: ContentFrom = early !== undefined ? (from) => bytesFrom(early, from) : (from) => messageContent(view, connId, msg, from, signal)
  const codings = w.decode ? contentCodings(msg) : []
  if (codings.length === 0) {
    const piece = await readPlain(msg, w, content)
    return w.decode ? describePiece(piece, msg) : piece
  }
  const r = await decodeContent(codings, content(0), { offset: w.offset, length: w.length }, signal, { bounds, sentSize: sentSize(msg) })
  const piece: BodyPiece = { bytes: r.bytes, offset: w.offset, end: r.end, decoded: r.decoded }
  if (r.total !== undefined) piece.total = r.total
  if (r.problem) piece.problem = r.problem
  if (r.cut) piece.cut = r.cut
  return describePiece(piece, msg)
}
