// HTTP/2 frames the breakpoint stage writes itself (RFC 9113 section 4.1): an edited message's
// header block split into HEADERS + CONTINUATION and its body into DATA frames, each no larger
// than the receiver's SETTINGS_MAX_FRAME_SIZE; a drop's RST_STREAM; the WINDOW_UPDATE that
// gives a sender back the connection window its dropped or shortened DATA used.

import { F_END_HEADERS, F_END_STREAM, F_PRIORITY, FRAME_HEADER, T_CONTINUATION, T_DATA, T_HEADERS, T_RST_STREAM, T_WINDOW_UPDATE } from '../../protocols/http2/frame-reader'
import { encodeIndexed, encodeLiteralWithoutIndexing, concatBytes } from '../../protocols/http2/hpack/hpack-encoder'
import { staticFieldIndex } from '../../protocols/http2/hpack/static-table'

/** RFC 9113 section 7: the error code a drop resets its stream with. */
export const CANCEL = 0x8
/** SETTINGS_MAX_FRAME_SIZE's initial value, and its least. */
export const DEFAULT_MAX_FRAME = 16384

export function frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length)
  out.writeUIntBE(payload.length, 0, 3)
  out[3] = type
  out[4] = flags
  out.writeUInt32BE(stream & 0x7fffffff, 5)
  out.set(payload, FRAME_HEADER)
  return out
}

/**
 * A header block as its first frame (HEADERS, or PUSH_PROMISE) and as many CONTINUATIONs as
 * `maxFrame` needs. `prefix` is what the first frame carries before the block: a HEADERS
 * frame's 5 priority bytes (kept when the original had them), a PUSH_PROMISE's promised stream.
 */
export function headerFrames(type: number, stream: number, block: Uint8Array, endStream: boolean, maxFrame: number, prefix?: Uint8Array): Buffer[] {
  const out: Buffer[] = []
  const room = maxFrame - (prefix?.length ?? 0)
  let at = Math.min(block.length, room)
  const first = prefix ? concatBytes([prefix, block.subarray(0, at)]) : block.subarray(0, at)
  const priority = type === T_HEADERS && prefix !== undefined ? F_PRIORITY : 0
  const flags = (endStream && type === T_HEADERS ? F_END_STREAM : 0) | priority | (at === block.length ? F_END_HEADERS : 0)
  out.push(frame(type, flags, stream, first))
  while (at < block.length) {
    const end = Math.min(block.length, at + maxFrame)
    out.push(frame(T_CONTINUATION, end === block.length ? F_END_HEADERS : 0, stream, block.subarray(at, end)))
    at = end
  }
  return out
}

/** A body as DATA frames of at most `maxFrame` bytes; the last one ends the stream when asked. An empty body is one empty frame only if it must carry END_STREAM. */
export function dataFrames(stream: number, body: Uint8Array, endStream: boolean, maxFrame: number): Buffer[] {
  const out: Buffer[] = []
  if (body.length === 0) return endStream ? [frame(T_DATA, F_END_STREAM, stream, body)] : out
  for (let at = 0; at < body.length; at += maxFrame) {
    const end = Math.min(body.length, at + maxFrame)
    out.push(frame(T_DATA, end === body.length && endStream ? F_END_STREAM : 0, stream, body.subarray(at, end)))
  }
  return out
}

export function rstStream(stream: number, code: number): Buffer {
  const p = Buffer.alloc(4)
  p.writeUInt32BE(code >>> 0, 0)
  return frame(T_RST_STREAM, 0, stream, p)
}

export function windowUpdate(stream: number, increment: number): Buffer {
  const p = Buffer.alloc(4)
  p.writeUInt32BE(increment & 0x7fffffff, 0)
  return frame(T_WINDOW_UPDATE, 0, stream, p)
}

/**
 * Fields as a block that leaves the receiver's dynamic table alone and refers to none of it:
 * a static index where one is exact, else a literal without indexing. Sent when the receiver's
 * table can no longer be trusted to be the sender's (a block passed a held one).
 */
export function literalBlock(fields: ReadonlyArray<{ name: string; value: string; rep?: string }>): Uint8Array {
  return concatBytes(
    fields.map((f) => {
      const index = staticFieldIndex(f.name, f.value)
      return index ? encodeIndexed(index) : encodeLiteralWithoutIndexing(f.name, f.value, f.rep === 'never' ? 'never' : 'without')
    })
  )
}
