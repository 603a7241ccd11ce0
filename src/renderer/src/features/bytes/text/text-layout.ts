// A stream's text as rows on screen, found from any byte offset without reading the stream
// from its start, so a 1 GiB connection opens at once and its end is one step away (as
// `less` does). A line ends after a line feed; a line that has not ended within
// LINE_BLOCK bytes is broken at the next block boundary (moved forward to the next
// character boundary), so every line is shorter than 2 × LINE_BLOCK and the start of the
// line holding any offset is found within the two blocks before it. With wrapping on, a
// line is cut into rows of at most `cols` columns.
//
// Every function reads a window of the stream (ByteSource) and throws NeedBytes for a
// byte outside it; the view then loads that range and asks again.

import { decodeChars, nextBoundary, type TextChar } from './text-chars'
import type { TextEncodingName } from '../encodings'

export const LINE_BLOCK = 1024
/** Bytes before a forced break read to find the character boundary there (GBK, Shift_JIS). */
const SYNC_CONTEXT = 16

export interface ByteSource {
  /** Stream offset of bytes[0]. */
  base: number
  bytes: Uint8Array
  /** The stream's length. */
  total: number
}

export class NeedBytes extends Error {
  constructor(
    readonly from: number,
    readonly to: number
  ) {
    super(`bytes ${from}..${to} are not loaded`)
  }
}

export interface TextRow {
  offset: number
  end: number
  chars: TextChar[]
}

export interface Layout {
  encoding: TextEncodingName
  /** Columns a row may take when wrapping; undefined: a row is a whole line. */
  cols?: number
}

/** Throws unless stream bytes [from, to) are in the window. */
function need(src: ByteSource, from: number, to: number): void {
  if (from < src.base || to > src.base + src.bytes.length) throw new NeedBytes(from, to)
}

/** The line feed's length if one starts at `p` (two bytes, at an even offset, in UTF-16LE). */
function lfAt(src: ByteSource, enc: TextEncodingName, p: number): number {
  const b = src.bytes
  const j = p - src.base
  if (enc === 'utf-16le') return p % 2 === 0 && b[j] === 0x0a && p + 1 < src.total && b[j + 1] === 0 ? 2 : 0
  return b[j] === 0x0a ? 1 : 0
}

function hasLF(src: ByteSource, enc: TextEncodingName, from: number, to: number): boolean {
  need(src, from, Math.min(src.total, to + 1))
  for (let p = from; p < to; p++) if (lfAt(src, enc, p)) return true
  return false
}

/** Whether a line running through block boundary `b` is broken there. */
function forced(src: ByteSource, enc: TextEncodingName, b: number): boolean {
  return b > 0 && b < src.total && b % LINE_BLOCK === 0 && !hasLF(src, enc, b - LINE_BLOCK, b)
}

/** Block boundary `b` moved forward to a character boundary. */
function adjusted(src: ByteSource, enc: TextEncodingName, b: number): number {
  if (enc === 'latin1') return b
  const end = Math.min(src.total, b + 4)
  if (enc === 'utf-8') {
    need(src, b, end)
    let p = b
    while (p < end && (src.bytes[p - src.base] & 0xc0) === 0x80) p++
    return p
  }
  if (enc === 'utf-16le') {
    need(src, b, Math.min(src.total, b + 2))
    const hi = src.bytes[b + 1 - src.base]
    return b + 1 < src.total && hi >= 0xdc && hi <= 0xdf ? b + 2 : b
  }
  const from = Math.max(0, b - SYNC_CONTEXT)
  need(src, from, end)
  return src.base + nextBoundary(enc, src.bytes, from - src.base, b - src.base, end - src.base)
}

/** Where the line that starts at `s` ends (after its line feed, at a forced break, or at the end). */
export function lineEnd(src: ByteSource, enc: TextEncodingName, s: number): number {
  const total = src.total
  let p = s
  let boundary = (Math.floor(s / LINE_BLOCK) + 1) * LINE_BLOCK
  while (p < total) {
    const limit = Math.min(total, boundary)
    need(src, p, Math.min(total, limit + 1))
    for (; p < limit; p++) {
      const lf = lfAt(src, enc, p)
      if (lf) return p + lf
    }
    if (p >= total) break
    if (forced(src, enc, boundary)) return adjusted(src, enc, boundary)
    boundary += LINE_BLOCK
  }
  return total
}

/** The start of the line holding byte `p` (or, for `p` = the stream's length, of the last line). */
export function lineStart(src: ByteSource, enc: TextEncodingName, p: number): number {
  if (p <= 0) return 0
  const block = Math.floor(p / LINE_BLOCK) * LINE_BLOCK
  const lo = Math.max(0, block - 2 * LINE_BLOCK)
  need(src, lo, Math.min(src.total, p + 4))
  let best = 0
  for (let q = p - 1; q >= lo; q--) {
    const lf = lfAt(src, enc, q)
    if (lf && q + lf <= p) {
      best = q + lf
      break
    }
  }
  for (const b of [block - LINE_BLOCK, block]) {
    if (b <= best || !forced(src, enc, b)) continue
    const a = adjusted(src, enc, b)
    if (a <= p && a > best) best = a
  }
  return best
}

/** The rows of the line [s, e). */
export function lineRows(src: ByteSource, layout: Layout, s: number, e: number): TextRow[] {
  if (e <= s) return []
  need(src, s, e)
  const chars = decodeChars(layout.encoding, src.bytes, src.base, s - src.base, e - src.base)
  if (!layout.cols) return [{ offset: s, end: e, chars }]
  const rows: TextRow[] = []
  let row: TextChar[] = []
  let width = 0
  for (const c of chars) {
    if (row.length && width + c.width > layout.cols) {
      rows.push({ offset: row[0].offset, end: c.offset, chars: row })
      row = []
      width = 0
    }
    row.push(c)
    width += c.width
  }
  if (row.length) rows.push({ offset: row[0].offset, end: e, chars: row })
  return rows
}

/** Up to `n` rows from the row holding byte `top`. */
export function rowsFrom(src: ByteSource, layout: Layout, top: number, n: number): TextRow[] {
  const out: TextRow[] = []
  let s = lineStart(src, layout.encoding, Math.min(top, src.total))
  while (out.length < n && s < src.total) {
    const e = lineEnd(src, layout.encoding, s)
    for (const r of lineRows(src, layout, s, e)) if (r.end > top && out.length < n) out.push(r)
    s = e
  }
  return out
}

/** Up to `n` rows that end at or before `offset`, the nearest last. */
export function rowsBefore(src: ByteSource, layout: Layout, offset: number, n: number): TextRow[] {
  const out: TextRow[] = []
  let p = Math.min(offset, src.total)
  while (out.length < n && p > 0) {
    const s = lineStart(src, layout.encoding, p - 1)
    const rows = lineRows(src, layout, s, lineEnd(src, layout.encoding, s)).filter((r) => r.end <= p)
    out.unshift(...rows.slice(Math.max(0, rows.length - (n - out.length))))
    p = s
  }
  return out
}

/** The row holding byte `p` (the last row for the stream's end). */
export function rowAt(src: ByteSource, layout: Layout, p: number): TextRow | undefined {
  if (p >= src.total) return rowsBefore(src, layout, src.total, 1)[0]
  return rowsFrom(src, layout, p, 1)[0]
}

/** Bytes of window a screen of `n` rows may read after its first row's start. */
export const screenBytes = (layout: Layout, n: number): number => (n + 1) * (layout.cols ? Math.min(layout.cols * 4, 2 * LINE_BLOCK + 4) : 2 * LINE_BLOCK + 4)

/** Bytes of window before an offset that finding its line start may read. */
export const BACK_BYTES = 3 * LINE_BLOCK
