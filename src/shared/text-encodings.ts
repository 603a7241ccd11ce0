// The text encodings tcpscope reads and writes: one list that the byte views, the
// conversation, find, the composer, reply rules, expect and the CLI all take theirs from,
// so an encoding offered in one place is offered, and named, the same in every other.

export const ENCODINGS = ['utf8', 'latin1', 'ascii', 'utf16le', 'gbk', 'gb18030', 'shift_jis'] as const
export type Encoding = (typeof ENCODINGS)[number]

/** Names to show, the same in every language. */
export const ENCODING_LABELS: Record<Encoding, string> = {
  utf8: 'UTF-8',
  latin1: 'Latin-1',
  ascii: 'ASCII',
  utf16le: 'UTF-16LE',
  gbk: 'GBK',
  gb18030: 'GB18030',
  shift_jis: 'Shift_JIS'
}

/**
 * The names the renderer's views use (the WHATWG Encoding Standard's, as TextDecoder knows
 * them; Latin-1 and ASCII are decoded by hand there, TextDecoder's being windows-1252).
 */
export const WEB_NAMES = {
  utf8: 'utf-8',
  latin1: 'latin1',
  ascii: 'ascii',
  utf16le: 'utf-16le',
  gbk: 'gbk',
  gb18030: 'gb18030',
  shift_jis: 'shift_jis'
} as const satisfies Record<Encoding, string>
export type WebEncodingName = (typeof WEB_NAMES)[Encoding]

export const WEB_ENCODINGS: readonly WebEncodingName[] = ENCODINGS.map((e) => WEB_NAMES[e])

/** The engine's name of a view's encoding. */
export const ENCODING_OF_WEB_NAME = Object.fromEntries(ENCODINGS.map((e) => [WEB_NAMES[e], e])) as Record<WebEncodingName, Encoding>
