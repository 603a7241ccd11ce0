// The text encodings the byte views offer, as the browser's TextDecoder and the engine's
// search know them. Latin-1 is decoded by hand: TextDecoder('latin1') is windows-1252 in
// every browser (0x80 → €), and Latin-1 here means each byte is the code point U+00XX.

import type { SearchPattern } from '../../../shared/contract'
import type { TextEncodingName } from '../stores/settings'

export type { TextEncodingName }

/** Names to show, the same in every language. */
export const ENCODING_LABELS: Record<TextEncodingName, string> = {
  'utf-8': 'UTF-8',
  latin1: 'Latin-1',
  gbk: 'GBK',
  gb18030: 'GB18030',
  'utf-16le': 'UTF-16LE',
  shift_jis: 'Shift_JIS'
}

type SearchEncoding = NonNullable<SearchPattern['encoding']>

/** The engine's name for the encoding, for text search. */
export const SEARCH_ENCODING: Record<TextEncodingName, SearchEncoding> = {
  'utf-8': 'utf8',
  latin1: 'latin1',
  gbk: 'gbk',
  gb18030: 'gb18030',
  'utf-16le': 'utf16le',
  shift_jis: 'shift_jis'
}

/** Each byte as U+0000..U+00FF. */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = ''
  // fromCharCode takes its arguments on the stack: a few thousand at a time is safe.
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096))
  return out
}

/** A decoder that can be fed a stream in pieces (a character split between two is kept whole). */
export interface StreamDecoder {
  decode(bytes: Uint8Array, last: boolean): string
}

export function streamDecoder(encoding: TextEncodingName): StreamDecoder {
  if (encoding === 'latin1') return { decode: (bytes) => decodeLatin1(bytes) }
  const d = new TextDecoder(encoding)
  return { decode: (bytes, last) => d.decode(bytes, { stream: !last }) }
}
