// http.body: a window of a message's content, read from the capture by the body's byte
// ranges (chunk data only for a chunked body), and streamed through its content codings
// when asked: a body is never held whole, only the window and one read's worth of it.

import type { Direction } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { BodyPiece, ByteRange, HttpMessage } from '../../shared/protocol-types'
import type { CaptureView } from '../capture/query/capture-queries'
import { decodeContent } from './decoders'
import { headerValue } from './exchange-table'

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

/** The bytes of [offset, end) of one direction, in reads of at most READ_PIECE. */
async function* wire(view: CaptureView, connId: number, dir: Direction, offset: number, end: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (let at = offset; at < end; at += READ_PIECE) {
    if (signal?.aborted) throw new UserError('reading the body was cancelled', ERROR_CODES.ECANCELED)
    const piece = await view.readBytes(connId, dir, at, Math.min(READ_PIECE, end - at))
    if (piece.length === 0) return
    yield piece
  }
}

/**
 * The data of the chunks a body has past the ones its message lists (MAX_CHUNK_RANGES):
 * their framing read again from the wire, from the end of the last listed chunk. Only what
 * the decoder already accepted is read, so the framing here is known to be sound; a line
 * that does not parse simply ends the content.
 */
async function* unlistedChunks(view: CaptureView, connId: number, msg: HttpMessage, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const chunks = msg.body.chunks ?? []
  const last = chunks[chunks.length - 1]
  const end = msg.body.range.offset + msg.body.range.length
  if (!last) return
  let line = ''
  let data = 0
  // After each chunk's data: its CRLF, then the next size line.
  let phase: 'crlf' | 'size' | 'data' = 'crlf'
  let crlf = 2
  for await (const piece of wire(view, connId, msg.dir, last.offset + last.length, end, signal)) {
    let i = 0
    while (i < piece.length) {
      if (phase === 'data') {
        const n = Math.min(data, piece.length - i)
        yield piece.subarray(i, i + n)
        i += n
        data -= n
        if (data === 0) {
          phase = 'crlf'
          crlf = 2
        }
      } else if (phase === 'crlf') {
        const n = Math.min(crlf, piece.length - i)
        i += n
        crlf -= n
        if (crlf === 0) {
          phase = 'size'
          line = ''
        }
      } else {
        const nl = piece.indexOf(0x0a, i)
        line += Buffer.from(piece.subarray(i, nl < 0 ? piece.length : nl)).toString('latin1')
        if (nl < 0) {
          if (line.length > 4096) return
          i = piece.length
          continue
        }
        i = nl + 1
        const size = parseInt(/^[0-9a-f]+/i.exec(line)?.[0] ?? '', 16)
        if (!Number.isSafeInteger(size) || size === 0) return
        data = size
        phase = 'data'
      }
    }
  }
}

/** The content from `from` on, in reads of at most READ_PIECE. */
async function* contentFrom(view: CaptureView, connId: number, msg: HttpMessage, from: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const ranges = contentRanges(msg)
  let skip = from
  for (const r of ranges) {
    if (skip >= r.length) {
      skip -= r.length
      continue
    }
    yield* wire(view, connId, r.dir, r.offset + skip, r.offset + r.length, signal)
    skip = 0
  }
  if (!msg.body.chunksOmitted) return
  for await (const piece of unlistedChunks(view, connId, msg, signal)) {
    if (skip >= piece.length) {
      skip -= piece.length
      continue
    }
    yield skip > 0 ? piece.subarray(skip) : piece
    skip = 0
  }
}

export async function readBody(view: CaptureView, connId: number, msg: HttpMessage, w: BodyWindow, signal?: AbortSignal): Promise<BodyPiece> {
  const codings = w.decode ? contentCodings(msg) : []
  if (codings.length > 0) {
    const r = await decodeContent(codings, contentFrom(view, connId, msg, 0, signal), { offset: w.offset, length: w.length }, signal)
    const piece: BodyPiece = { bytes: r.bytes, offset: w.offset, end: r.end, decoded: r.decoded }
    if (r.total !== undefined) piece.total = r.total
    if (r.problem) piece.problem = r.problem
    return piece
  }
  // The content's length: chunk data summed (or Content-Length) as the decoder counted it.
  const available = msg.body.framing === 'none' ? 0 : msg.body.size
  const out = new Uint8Array(Math.max(0, Math.min(available, w.offset + w.length) - w.offset))
  let at = 0
  if (out.length > 0) {
    for await (const piece of contentFrom(view, connId, msg, w.offset, signal)) {
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
