// The text encodings the byte views offer (the one list, shared/text-encodings.ts, by the
// names the browser's TextDecoder knows), and decoding them. Latin-1 and ASCII are decoded
// by hand: TextDecoder('latin1') and ('ascii') are windows-1252 in every browser (0x80 → €),
// and Latin-1 here means each byte is the code point U+00XX.

import type { SearchPattern } from '../../../../shared/contract'
import { ENCODING_LABELS as LABELS, ENCODING_OF_WEB_NAME } from '../../../../shared/text-encodings'
import type { TextEncodingName } from '../settings/settings-store'

export type { TextEncodingName }

/** Names to show, the same in every language. */
export const ENCODING_LABELS = Object.fromEntries(Object.entries(ENCODING_OF_WEB_NAME).map(([web, e]) => [web, LABELS[e]])) as Record<TextEncodingName, string>

type SearchEncoding = NonNullable<SearchPattern['encoding']>

/** The engine's name for the encoding, for text search. */
export const SEARCH_ENCODING: Record<TextEncodingName, SearchEncoding> = ENCODING_OF_WEB_NAME

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

/** ASCII: bytes past 0x7f are no character. */
const decodeAscii = (bytes: Uint8Array): string => decodeLatin1(bytes).replace(/[\x80-\xff]/g, '\ufffd')

export function streamDecoder(encoding: TextEncodingName): StreamDecoder {
  if (encoding === 'latin1') return { decode: (bytes) => decodeLatin1(bytes) }
  if (encoding === 'ascii') return { decode: (bytes) => decodeAscii(bytes) }
  const d = new TextDecoder(encoding)
  return { decode: (bytes, last) => d.decode(bytes, { stream: !last }) }
}
