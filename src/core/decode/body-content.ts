// http.body: a window of a message's content, read from the capture by the body's byte
// ranges (chunk data only for a chunked body), and streamed through its content codings
// when asked: a body is never held whole, only the window and one read's worth of it.

import type { Direction } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { BodyPiece, ByteRange, HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/capture-queries'
import { decodeContent } from './decoders'

/** Bytes read from the file at a time while streaming a body. */
const READ_PIECE = 1024 * 1024

export interface BodyWindow {
  decode: boolean
  offset: number
  length: number
}

/** The content codings of a message, as listed (outermost last); identity left out. */
export function contentCodings(msg: HttpMessage): string[] {
  const out: string[] = []
  for (const h of msg.headers) {
    if (h.name.toLowerCase() !== 'content-encoding') continue
    for (const c of h.value.split(',')) {
      const coding = c.trim().toLowerCase()
      if (coding !== '' && coding !== 'identity') out.push(coding)
    }
  }
  return out
}

/** The wire ranges holding the content, in order. */
function contentRanges(msg: HttpMessage): ByteRange[] {
  const body = msg.body
  if (body.framing === 'none') return []
  if (body.framing === 'chunked') return body.chunks ?? []
  return [body.range]
}

/** The content from `from` on, in reads of at most READ_PIECE. */
async function* contentFrom(view: CaptureView, connId: number, ranges: ByteRange[], from: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  let skip = from
  for (const r of ranges) {
    if (skip >= r.length) {
      skip -= r.length
      continue
    }
    for (let at = r.offset + skip; at < r.offset + r.length; at += READ_PIECE) {
      if (signal?.aborted) throw new UserError('reading the body was cancelled', ERROR_CODES.ECANCELED)
      const piece = await view.readBytes(connId, r.dir as Direction, at, Math.min(READ_PIECE, r.offset + r.length - at))
      if (piece.length === 0) return
      yield piece
    }
    skip = 0
  }
}

export async function readBody(view: CaptureView, connId: number, msg: HttpMessage, w: BodyWindow, signal?: AbortSignal): Promise<BodyPiece> {
  const ranges = contentRanges(msg)
  const codings = w.decode ? contentCodings(msg) : []
  const omitted = msg.body.chunksOmitted ?? 0
  if (codings.length > 0) {
    const r = await decodeContent(codings, contentFrom(view, connId, ranges, 0, signal), { offset: w.offset, length: w.length }, signal)
    const piece: BodyPiece = { bytes: r.bytes, offset: w.offset, end: r.end, decoded: r.decoded }
    if (r.total !== undefined) piece.total = r.total
    if (r.problem) piece.problem = r.problem
    return piece
  }
  const available = ranges.reduce((n, r) => n + r.length, 0)
  const end = Math.min(available, w.offset + w.length)
  const out = new Uint8Array(Math.max(0, end - w.offset))
  let at = 0
  if (out.length > 0) {
    for await (const piece of contentFrom(view, connId, ranges, w.offset, signal)) {
      const n = Math.min(piece.length, out.length - at)
      out.set(piece.subarray(0, n), at)
      at += n
      if (at >= out.length) break
    }
  }
  const bytes = at === out.length ? out : out.subarray(0, at)
  const complete = msg.body.complete && omitted === 0
  const piece: BodyPiece = { bytes, offset: w.offset, end: complete && w.offset + bytes.length >= available, decoded: [] }
  if (complete) piece.total = available
  else if (msg.body.framing === 'length') piece.total = msg.body.size
  if (omitted > 0) piece.problem = { message: `the body has more chunks than are listed (${omitted} past the first ${ranges.length}); what follows them is not shown`, offset: available }
  return piece
}
