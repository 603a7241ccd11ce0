// Bytes as the replay editors' text and back. Text mode shows a request as UTF-8 when it is
// valid UTF-8 and as Latin-1 otherwise, so that every byte is one character and an untouched
// text gives back exactly the bytes it came from; hex mode shows 16 bytes a line.

import { HEX } from '../../../../../shared/hexdump'
import { HexSyntaxError, parseHex } from '../../../../../shared/payload/parse-hex'

export type EditorEncoding = 'utf-8' | 'latin1'

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

export function bytesToEditorText(bytes: Uint8Array): { text: string; encoding: EditorEncoding } {
  try {
    return { text: strictUtf8.decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: latin1Text(bytes), encoding: 'latin1' }
  }
}

/** Where `text` has a character its encoding cannot hold (only Latin-1 has such), else -1. */
export function firstUnencodable(text: string, encoding: EditorEncoding): number {
  if (encoding === 'utf-8') return -1
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return i
  return -1
}

/** Throws a RangeError on a character Latin-1 cannot hold: check with firstUnencodable first. */
export function editorTextToBytes(text: string, encoding: EditorEncoding): Uint8Array {
  if (encoding === 'utf-8') return utf8.encode(text)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 0xff) throw new RangeError(`character ${i + 1} is not Latin-1`)
    out[i] = c
  }
  return out
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
