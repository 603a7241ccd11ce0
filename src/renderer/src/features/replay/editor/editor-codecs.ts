// Text in a chosen encoding and back, for the byte editor, exactly: every byte the encoding
// cannot show as a character (a broken sequence, a byte a decoder would replace) is one
// stand-in character from U+F700 to U+F7FF (a private use code point, drawn as \xNN), so an
// untouched text gives back the bytes it came from. Decoding is the browser's TextDecoder, as
// in the byte views; encoding the CJK encodings uses tables built from that same decoder (the
// WHATWG Encoding Standard's encoders pick the same bytes), made once on first use.

import type { WebEncodingName } from '../../../../../shared/text-encodings'

/** The stand-in for byte b is ESCAPE_BASE + b. */
export const ESCAPE_BASE = 0xf700
export const isEscape = (code: number): boolean => code >= ESCAPE_BASE && code <= ESCAPE_BASE + 0xff

interface Codec {
  /** The bytes of one character (a code point), or undefined when the encoding has none. */
  encode(cp: number): ArrayLike<number> | undefined
  /** The longest byte sequence of one character. */
  longest: number
  /** Bytes below 0x80 are that character (ASCII), one byte each. */
  asciiCompatible: boolean
}

const decoders = new Map<string, TextDecoder>()
function fatal(name: string): TextDecoder {
  let d = decoders.get(name)
  if (d === undefined) decoders.set(name, (d = new TextDecoder(name, { fatal: true, ignoreBOM: true })))
  return d
}

const utf8 = new TextEncoder()

/** Code point -> its two bytes, by decoding every lead and trail byte pair once (a separator after each keeps them apart). */
function pairTable(name: string, leads: [number, number][], trails: [number, number][], skip?: (lead: number, trail: number) => boolean): Map<number, number> {
  const pairs: number[] = []
  for (const [lo, hi] of leads) for (let l = lo; l <= hi; l++) for (const [tlo, thi] of trails) for (let t = tlo; t <= thi; t++) if (!skip?.(l, t)) pairs.push((l << 8) | t)
  const buf = new Uint8Array(pairs.length * 3)
  pairs.forEach((p, i) => {
    buf[i * 3] = p >> 8
    buf[i * 3 + 1] = p & 0xff
    buf[i * 3 + 2] = 0x0a
  })
  const parts = new TextDecoder(name).decode(buf).split('\n')
  const table = new Map<number, number>()
  pairs.forEach((p, i) => {
    const s = parts[i]
    const cp = s.codePointAt(0)
    // One character, not a replacement: the first pair of a character is its encoding.
    if (cp !== undefined && cp !== 0xfffd && s.length === (cp > 0xffff ? 2 : 1) && !table.has(cp)) table.set(cp, p)
  })
  return table
}

const lazy = <T>(make: () => T): (() => T) => {
  let value: T | undefined
  return () => (value ??= make())
}

const gbkPairs = lazy(() => pairTable('gbk', [[0x81, 0xfe]], [[0x40, 0x7e], [0x80, 0xfe]]))
// The WHATWG Shift_JIS encoder leaves out pointers 8272-8835 (NEC's duplicates).
const sjisPointer = (l: number, t: number): number => (l - (l < 0xa0 ? 0x81 : 0xc1)) * 188 + t - (t < 0x7f ? 0x40 : 0x41)
const sjisPairs = lazy(() => pairTable('shift_jis', [[0x81, 0x9f], [0xe0, 0xfc]], [[0x40, 0x7e], [0x80, 0xfc]], (l, t) => { const p = sjisPointer(l, t); return p >= 8272 && p <= 8835 }))

const two = (p: number): number[] => [p >> 8, p & 0xff]

function gb18030FourBytes(pointer: number): number[] {
  const b1 = Math.floor(pointer / 12600)
  const b2 = Math.floor((pointer % 12600) / 1260)
  const b3 = Math.floor((pointer % 1260) / 10)
  return [b1 + 0x81, b2 + 0x30, b3 + 0x81, (pointer % 10) + 0x30]
}

/** A BMP code point's four-byte GB18030 form: the pointers run in code point order, so a binary search over what they decode to finds it. */
function gb18030Bmp(cp: number): number[] | undefined {
  const decode = (p: number): number => {
    try {
      return fatal('gb18030').decode(Uint8Array.from(gb18030FourBytes(p))).codePointAt(0) ?? -1
    } catch {
      return -1
    }
  }
  let lo = 0
  let hi = 39419
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const got = decode(mid)
    if (got === cp) return gb18030FourBytes(mid)
    if (got < cp) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

function gbCodec(fourBytes: boolean): Codec {
  return {
    longest: fourBytes ? 4 : 2,
    asciiCompatible: true,
    encode(cp) {
      if (cp < 0x80) return [cp]
      if (cp === 0x20ac && !fourBytes) return [0x80]
      const p = gbkPairs().get(cp)
      if (p !== undefined) return two(p)
      if (!fourBytes || cp === 0xe5e5) return undefined
      if (cp >= 0x10000) return gb18030FourBytes(189000 + cp - 0x10000)
      return gb18030Bmp(cp)
    }
  }
}

const CODECS: Record<Exclude<WebEncodingName, 'latin1'>, Codec> = {
  'utf-8': { longest: 4, asciiCompatible: true, encode: (cp) => utf8.encode(String.fromCodePoint(cp)) },
  ascii: { longest: 1, asciiCompatible: true, encode: (cp) => (cp < 0x80 ? [cp] : undefined) },
  'utf-16le': {
    longest: 4,
    asciiCompatible: false,
    encode(cp) {
      const s = String.fromCodePoint(cp)
      const out: number[] = []
      for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff, s.charCodeAt(i) >> 8)
      return out
    }
  },
  gbk: gbCodec(false),
  gb18030: gbCodec(true),
  shift_jis: {
    longest: 2,
    asciiCompatible: true,
    encode(cp) {
      if (cp <= 0x80) return [cp]
      if (cp === 0xa5) return [0x5c]
      if (cp === 0x203e) return [0x7e]
      if (cp >= 0xff61 && cp <= 0xff9f) return [cp - 0xff61 + 0xa1]
      const p = sjisPairs().get(cp === 0x2212 ? 0xff0d : cp)
      return p === undefined ? undefined : two(p)
    }
  }
}

const same = (a: ArrayLike<number>, b: Uint8Array, at: number): boolean => {
  if (a.length === 0) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false
  return true
}

/** Whether `text` encodes to exactly `bytes`, with no stand-in in it. */
function encodesBack(text: string, codec: Codec, bytes: Uint8Array): boolean {
  let at = 0
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!
    if (isEscape(cp)) return false
    if (cp < 0x80 && codec.asciiCompatible) {
      if (bytes[at++] !== cp) return false
    } else {
      const back = codec.encode(cp)
      if (back === undefined || !same(back, bytes, at)) return false
      at += back.length
    }
    i += cp > 0xffff ? 2 : 1
  }
  return at === bytes.length
}

function latin1(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192))
  return out
}

/** The bytes as text in `encoding`, every byte kept: what is no character of it is a stand-in per byte. */
export function decodeExact(bytes: Uint8Array, encoding: WebEncodingName): string {
  if (encoding === 'latin1') return latin1(bytes)
  const codec = CODECS[encoding]
  // Most texts are whole in their encoding: decoded at once, and checked to encode back.
  try {
    const whole = fatal(encoding).decode(bytes)
    if (encodesBack(whole, codec, bytes)) return whole
  } catch {
    // Not whole: character by character below.
  }
  const out: string[] = []
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    if (codec.asciiCompatible && b < 0x80) {
      out.push(String.fromCharCode(b))
      i++
      continue
    }
    let taken = 0
    for (let n = 1; n <= codec.longest && i + n <= bytes.length && taken === 0; n++) {
      let s: string
      try {
        s = fatal(encoding).decode(bytes.subarray(i, i + n))
      } catch {
        continue
      }
      const cp = s.codePointAt(0)
      // One character that encodes back to these very bytes, and no stand-in's code point.
      if (cp === undefined || s.length !== (cp > 0xffff ? 2 : 1) || isEscape(cp)) continue
      const back = codec.encode(cp)
      if (back !== undefined && back.length === n && same(back, bytes, i)) {
        out.push(s)
        taken = n
      }
    }
    if (taken === 0) {
      out.push(String.fromCharCode(ESCAPE_BASE + b))
      taken = 1
    }
    i += taken
  }
  return out.join('')
}

/** Where `text` has a character `encoding` cannot write (a stand-in always can), else -1. */
export function firstUnwritable(text: string, encoding: WebEncodingName): number {
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!
    if (!isEscape(cp) && (encoding === 'latin1' ? cp > 0xff : encoding !== 'utf-8' && CODECS[encoding].encode(cp) === undefined)) return i
    i += cp > 0xffff ? 2 : 1
  }
  return -1
}

/** The text's bytes in `encoding`, a stand-in as its byte. Throws a RangeError on a character it cannot write: check with firstUnwritable. */
export function encodeExact(text: string, encoding: WebEncodingName): Uint8Array {
  const out: number[] = []
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!
    if (isEscape(cp)) out.push(cp - ESCAPE_BASE)
    else if (encoding === 'latin1') {
      if (cp > 0xff) throw new RangeError(`character ${i + 1} is not Latin-1`)
      out.push(cp)
    } else {
      const bytes = CODECS[encoding].encode(cp)
      if (bytes === undefined) throw new RangeError(`character ${i + 1} has no bytes in ${encoding}`)
      for (let k = 0; k < bytes.length; k++) out.push(bytes[k])
    }
    i += cp > 0xffff ? 2 : 1
  }
  return Uint8Array.from(out)
}
