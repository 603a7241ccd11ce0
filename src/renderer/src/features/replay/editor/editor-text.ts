// Bytes as the replay editors' text and back. Text mode shows bytes as UTF-8 when they are
// valid UTF-8 and as Latin-1 otherwise, so that every byte is one character and an untouched
// text gives back exactly the bytes it came from; a person may pick any of the app's text
// encodings instead (GBK, Shift_JIS, ...), and bytes that are no character of it are kept as
// stand-ins (editor-codecs.ts). Hex mode shows 16 bytes a line.

import { HEX } from '../../../../../shared/hexdump'
import { HexSyntaxError, parseHex } from '../../../../../shared/payload/parse-hex'
import type { WebEncodingName } from '../../../../../shared/text-encodings'
import { decodeExact, encodeExact, firstUnwritable } from './editor-codecs'

/** The app's text encodings, by their WHATWG names (shared/text-encodings.ts). */
export type EditorEncoding = WebEncodingName

/**
 * The most bytes the editors let a person edit: past it a CodeMirror document of one long
 * line (a binary body has few line breaks) makes typing lag, so larger requests show read-only.
 */
export const EDITABLE_BYTES = 1024 * 1024

/** Bytes per line in hex mode, as in the hex view. */
export const HEX_PER_LINE = 16

// ignoreBOM keeps a leading EF BB BF as U+FEFF, so it is shown and encoded back.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8 = new TextEncoder()

/** Latin-1 characters a chunk at a time: one fromCharCode call per byte would be slow at a MiB. */
function latin1Text(bytes: Uint8Array): string {
  const CHUNK = 8192
  let out = ''
  for (let i = 0; i < bytes.length; i += CHUNK) out += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return out
}

/** The bytes as text: in `encoding` when given, else UTF-8 when they are valid UTF-8 and Latin-1 when not. */
export function bytesToEditorText(bytes: Uint8Array, encoding?: EditorEncoding): { text: string; encoding: EditorEncoding } {
  if (encoding !== undefined) return { text: decodeExact(bytes, encoding), encoding }
  try {
    const text = strictUtf8.decode(bytes)
    // A character in the stand-ins' range is kept as its bytes, so it is not read back as one.
    return { text: /[\uf700-\uf7ff]/.test(text) ? decodeExact(bytes, 'utf-8') : text, encoding: 'utf-8' }
  } catch {
    return { text: latin1Text(bytes), encoding: 'latin1' }
  }
}

/** Where `text` has a character its encoding cannot hold (UTF-8 holds every one), else -1. */
export function firstUnencodable(text: string, encoding: EditorEncoding): number {
  return firstUnwritable(text, encoding)
}

/** Throws a RangeError on a character the encoding cannot hold: check with firstUnencodable first. */
export function editorTextToBytes(text: string, encoding: EditorEncoding): Uint8Array {
  // A UTF-8 text with no stand-in in it (the common case) at once.
  if (encoding === 'utf-8' && !/[\uf700-\uf7ff]/.test(text)) return utf8.encode(text)
  return encodeExact(text, encoding)
}

export function bytesToHexText(bytes: Uint8Array): string {
  const lines: string[] = []
  for (let i = 0; i < bytes.length; i += HEX_PER_LINE) {
    const row: string[] = []
    for (let j = i; j < Math.min(i + HEX_PER_LINE, bytes.length); j++) row.push(HEX[bytes[j]])
    lines.push(row.join(' '))
  }
  return lines.join('\n')
}

/** What is wrong with a hex text: a character that is no hex digit, or a byte left with one digit (`at` is its offset). */
export interface HexProblem {
  kind: 'digit' | 'odd'
  at: number
}

export function hexTextToBytes(text: string): { bytes: Uint8Array } | { problem: HexProblem } {
  try {
    return { bytes: parseHex(text) }
  } catch (e) {
    if (e instanceof HexSyntaxError) return { problem: { kind: e.problem, at: e.at } }
    throw e
  }
}
