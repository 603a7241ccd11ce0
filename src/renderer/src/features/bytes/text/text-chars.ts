// Bytes as characters to show, each knowing the bytes it came from, so a byte range
// selected anywhere can be shown in the text and back. Nothing is dropped: control
// characters show as their ASCII names (NUL, ESC, CR, LF, DEL: the view draws them as small
// labels, as Notepad++ does; Unicode's Control Pictures ␀ ␛ are missing from many fonts),
// C1 controls as their hex code, bidirectional controls by their names (RLO, LRI), other
// invisible format characters as a dim ·, and every byte
// that is not part of a character in the encoding as ⟨xx⟩.
//
// Characters are found by hand (the WHATWG Encoding Standard's byte ranges for each
// encoding), which gives byte positions TextDecoder does not; UTF-8, UTF-16LE and Latin-1
// are decoded by hand too, and the double-byte characters of GBK, GB18030 and Shift_JIS by
// the browser's TextDecoder, a run at a time.

import { HEX } from '../../../../../shared/hexdump'
import type { TextEncodingName } from '../encodings'

export type CharKind = 'text' | 'ctrl' | 'eol' | 'bad'

export interface TextChar {
  /** What is drawn. */
  text: string
  kind: CharKind
  /** Columns it takes in a monospace font (East Asian wide characters take two). */
  width: number
  /** Its bytes in the stream. */
  offset: number
  length: number
}

/** A character's length in bytes at `i`, and its code point where known without a decoder. */
interface Segment {
  length: number
  /** -1: a well-formed double- or four-byte character the decoder must name; -2: bytes that are no character. */
  cp: number
}

const BAD = (length = 1): Segment => ({ length, cp: -2 })
const NEEDS_DECODER = -1

function utf8(b: Uint8Array, i: number, end: number): Segment {
  const b0 = b[i]
  if (b0 < 0x80) return { length: 1, cp: b0 }
  let n: number
  let cp: number
  let lo = 0x80
  let hi = 0xbf
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 1
    cp = b0 & 0x1f
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 2
    cp = b0 & 0x0f
    if (b0 === 0xe0) lo = 0xa0
    if (b0 === 0xed) hi = 0x9f
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 3
    cp = b0 & 0x07
    if (b0 === 0xf0) lo = 0x90
    if (b0 === 0xf4) hi = 0x8f
  } else return BAD()
  if (i + n >= end) return BAD()
  for (let k = 1; k <= n; k++) {
    const c = b[i + k]
    if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return BAD()
    cp = (cp << 6) | (c & 0x3f)
  }
  return { length: n + 1, cp }
}

function utf16le(b: Uint8Array, i: number, end: number): Segment {
  if (i + 1 >= end) return BAD()
  const u = b[i] | (b[i + 1] << 8)
  if (u < 0xd800 || u > 0xdfff) return { length: 2, cp: u }
  if (u >= 0xdc00 || i + 3 >= end) return BAD(2)
  const u2 = b[i + 2] | (b[i + 3] << 8)
  if (u2 < 0xdc00 || u2 > 0xdfff) return BAD(2)
  return { length: 4, cp: 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00) }
}

/** GBK is decoded as GB18030 by the Encoding Standard (TextDecoder('gbk') does the same). */
function gb18030(b: Uint8Array, i: number, end: number): Segment {
  const b0 = b[i]
  if (b0 < 0x80) return { length: 1, cp: b0 }
  if (b0 === 0x80) return { length: 1, cp: 0x20ac }
  if (b0 === 0xff || i + 1 >= end) return BAD()
  const b1 = b[i + 1]
  if (b1 >= 0x30 && b1 <= 0x39) {
    if (i + 3 >= end) return BAD()
    const b2 = b[i + 2]
    const b3 = b[i + 3]
    return b2 >= 0x81 && b2 <= 0xfe && b3 >= 0x30 && b3 <= 0x39 ? { length: 4, cp: NEEDS_DECODER } : BAD()
  }
  return (b1 >= 0x40 && b1 <= 0x7e) || (b1 >= 0x80 && b1 <= 0xfe) ? { length: 2, cp: NEEDS_DECODER } : BAD()
}

function shiftJis(b: Uint8Array, i: number, end: number): Segment {
  const b0 = b[i]
  if (b0 <= 0x80) return { length: 1, cp: b0 }
  if (b0 >= 0xa1 && b0 <= 0xdf) return { length: 1, cp: 0xff61 + b0 - 0xa1 }
  if (!((b0 >= 0x81 && b0 <= 0x9f) || (b0 >= 0xe0 && b0 <= 0xfc)) || i + 1 >= end) return BAD()
  const b1 = b[i + 1]
  return (b1 >= 0x40 && b1 <= 0x7e) || (b1 >= 0x80 && b1 <= 0xfc) ? { length: 2, cp: NEEDS_DECODER } : BAD()
}

const latin1 = (b: Uint8Array, i: number): Segment => ({ length: 1, cp: b[i] })
const ascii = (b: Uint8Array, i: number): Segment => (b[i] < 0x80 ? { length: 1, cp: b[i] } : BAD())

type Segmenter = (b: Uint8Array, i: number, end: number) => Segment

const SEGMENTERS: Record<TextEncodingName, Segmenter> = {
  'utf-8': utf8,
  latin1,
  ascii,
  gbk: gb18030,
  gb18030,
  'utf-16le': utf16le,
  shift_jis: shiftJis
}

/** Where the character holding byte `at` ends, reading from `from` (a known boundary). */
export function nextBoundary(encoding: TextEncodingName, b: Uint8Array, from: number, at: number, end: number): number {
  const seg = SEGMENTERS[encoding]
  let i = from
  while (i < at && i < end) i += seg(b, i, end).length
  return Math.min(i, end)
}

/** Wide and fullwidth ranges of Unicode's East Asian Width: two columns in a terminal. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
}

const INVISIBLE = new Set([0xad, 0x200b, 0x200c, 0x200d, 0x2028, 0x2029, 0x2060, 0xfeff])

/**
 * Bidirectional controls by their Unicode abbreviations: drawn as characters they would
 * reorder what follows them on screen (a "Trojan Source" RLO makes `admin` read `nimda`),
 * so the view names them and shows the bytes in their order.
 */
const BIDI_NAMES = new Map<number, string>([
  [0x061c, 'ALM'],
  [0x200e, 'LRM'],
  [0x200f, 'RLM'],
  [0x202a, 'LRE'],
  [0x202b, 'RLE'],
  [0x202c, 'PDF'],
  [0x202d, 'LRO'],
  [0x202e, 'RLO'],
  [0x2066, 'LRI'],
  [0x2067, 'RLI'],
  [0x2068, 'FSI'],
  [0x2069, 'PDI']
])

/** ASCII's names of its control characters (ECMA-48), drawn as small labels. */
const C0_NAMES = 'NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US'.split(' ')

function shown(cp: number, offset: number, length: number): TextChar {
  if (cp === 0x0a || cp === 0x0d) return { text: C0_NAMES[cp], kind: 'eol', width: 2, offset, length }
  if (cp < 0x20) return { text: C0_NAMES[cp], kind: 'ctrl', width: C0_NAMES[cp].length, offset, length }
  if (cp === 0x7f) return { text: 'DEL', kind: 'ctrl', width: 3, offset, length }
  if (cp >= 0x80 && cp <= 0x9f) return { text: HEX[cp], kind: 'ctrl', width: 2, offset, length }
  if (INVISIBLE.has(cp)) return { text: '·', kind: 'ctrl', width: 1, offset, length }
  const bidi = BIDI_NAMES.get(cp)
  if (bidi) return { text: bidi, kind: 'ctrl', width: bidi.length, offset, length }
  return { text: String.fromCodePoint(cp), kind: 'text', width: isWide(cp) ? 2 : 1, offset, length }
}

const badByte = (byte: number, offset: number): TextChar => ({ text: `⟨${HEX[byte]}⟩`, kind: 'bad', width: 4, offset, length: 1 })

const decoders = new Map<TextEncodingName, TextDecoder>()
const decoderFor = (e: TextEncodingName): TextDecoder => {
  let d = decoders.get(e)
  if (!d) decoders.set(e, (d = new TextDecoder(e)))
  return d
}

/** Code points of a string (astral characters count once). */
const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!)

/**
 * Names a run of double-byte characters with one TextDecoder call; where the decoder's
 * answer does not line up one character per segment (a pair with no character in the
 * table), each is asked alone and one that still gives U+FFFD shows as its bytes.
 */
function nameRun(encoding: TextEncodingName, b: Uint8Array, base: number, run: Array<{ at: number; length: number }>, out: TextChar[]): void {
  const d = decoderFor(encoding)
  const first = run[0].at
  const last = run[run.length - 1]
  const cps = codePoints(d.decode(b.subarray(first, last.at + last.length)))
  const aligned = cps.length === run.length && !cps.includes(0xfffd)
  run.forEach((s, k) => {
    let cp = aligned ? cps[k] : -1
    if (!aligned) {
      const alone = codePoints(d.decode(b.subarray(s.at, s.at + s.length)))
      if (alone.length === 1 && alone[0] !== 0xfffd) cp = alone[0]
    }
    if (cp >= 0) out.push(shown(cp, base + s.at, s.length))
    else for (let j = 0; j < s.length; j++) out.push(badByte(b[s.at + j], base + s.at + j))
  })
}

/**
 * The characters of bytes [from, to) of `b`, whose first byte is at stream offset `base`.
 * `from` must be a character boundary; a character cut by `to` shows as its bytes.
 */
export function decodeChars(encoding: TextEncodingName, b: Uint8Array, base: number, from: number, to: number): TextChar[] {
  const seg = SEGMENTERS[encoding]
  const out: TextChar[] = []
  let run: Array<{ at: number; length: number }> = []
  const flush = (): void => {
    if (run.length) nameRun(encoding, b, base, run, out)
    run = []
  }
  for (let i = from; i < to; ) {
    const s = seg(b, i, to)
    if (s.cp === NEEDS_DECODER) run.push({ at: i, length: s.length })
    else {
      flush()
      if (s.cp === -2) for (let j = 0; j < s.length; j++) out.push(badByte(b[i + j], base + i + j))
      else out.push(shown(s.cp, base + i, s.length))
    }
    i += s.length
  }
  flush()
  return out
}
