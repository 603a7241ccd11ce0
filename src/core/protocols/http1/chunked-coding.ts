// The chunked transfer coding's framing (RFC 9112 section 7.1), read piece by piece as
// MessageReader comes to it: a chunk-size line, the line end after a chunk's data, and the
// ranges of the chunks' data a body keeps (at most MAX_CHUNK_RANGES; past that, counted).

import type { Direction } from '../../../shared/capture-types'
import { MAX_CHUNK_RANGES, type HttpBody } from '../../../shared/protocol-types'
import { CR, LF, latin1 } from './bytes'

const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,13})[ \t]*(;.*)?$/

/**
 * The chunk-size line at data[i]: the chunk's size and the index just past the line;
 * undefined while the line is not whole; a problem when it is not a chunk-size line, or is
 * longer than `max` bytes.
 */
export function chunkSizeLine(data: Uint8Array, i: number, max: number): { size: number; end: number } | { problem: string } | undefined {
  let lf = data.indexOf(LF, i)
  if (lf < 0) lf = data.length
  if (lf >= data.length || lf - i >= max) return data.length - i > max ? { problem: `a chunk-size line longer than ${max} bytes` } : undefined
  const line = latin1(data, i, lf > i && data[lf - 1] === CR ? lf - 1 : lf)
  const m = CHUNK_SIZE_LINE.exec(line)
  if (!m) return { problem: `bad chunk-size line "${line.slice(0, 40)}"` }
  return { size: parseInt(m[1], 16), end: lf + 1 }
}

/** The CRLF (or bare LF) that must follow a chunk's data, at data[i]: its length; 0 until it has come; -1 when something else is there. */
export function chunkDataEnd(data: Uint8Array, i: number): number {
  if (i >= data.length) return 0
  if (data[i] === LF) return 1
  if (data[i] !== CR) return -1
  return i + 1 >= data.length ? 0 : data[i + 1] === LF ? 2 : -1
}

/** A chunk's data starts at stream offset `offset`. */
export function openChunk(body: HttpBody, dir: Direction, offset: number): void {
  if (body.chunks!.length < MAX_CHUNK_RANGES) body.chunks!.push({ dir, offset, length: 0 })
  else body.chunksOmitted = (body.chunksOmitted ?? 0) + 1
}

/** The open chunk took `content` more bytes of data (its range is kept only while no chunk has been omitted). */
export function growChunk(body: HttpBody, dir: Direction, content: number): void {
  if (body.chunksOmitted !== undefined) return
  const chunks = body.chunks!
  const last = chunks[chunks.length - 1]
  chunks[chunks.length - 1] = { dir, offset: last.offset, length: last.length + content }
}
