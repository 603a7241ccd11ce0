// How an HTTP body reads, from its Content-Type (and, without one, from its first bytes):
// its kind (JSON, XML, HTML, text, image, form or binary) and its charset. The engine's body
// pipeline (core/http/body) says it with every body it decodes, HAR export picks text or
// base64 by it, and the views choose their viewer from it, so all of them read a body alike.

import type { Encoding } from './text-encodings'
import { PRETTY_MAX } from './limits'

export const BODY_KINDS = ['json', 'xml', 'html', 'text', 'image', 'form', 'binary'] as const
export type BodyKind = (typeof BODY_KINDS)[number]

export interface BodyType {
  kind: BodyKind
  /** The media type as sent, lower-cased, without parameters ('' when none was sent). */
  media: string
  /** The charset label as sent, lower-cased; 'utf-8' when none was. */
  charset: string
  /** The charset as one of the encodings the byte views read; absent for one they do not. */
  encoding?: Encoding
}

/** Charset labels (WHATWG Encoding Standard's, the common ones) of the encodings the views read. */
const ENCODING_OF_CHARSET: Record<string, Encoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'unicode-1-1-utf-8': 'utf8',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  latin1: 'latin1',
  l1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf16le',
  'utf-16': 'utf16le',
  gbk: 'gbk',
  gb2312: 'gbk',
  'x-gbk': 'gbk',
  cp936: 'gbk',
  'windows-936': 'gbk',
  gb18030: 'gb18030',
  shift_jis: 'shift_jis',
  'shift-jis': 'shift_jis',
  sjis: 'shift_jis',
  'x-sjis': 'shift_jis',
  ms_kanji: 'shift_jis',
  'windows-31j': 'shift_jis'
}

/** Raster images a browser decodes without running anything (SVG is markup: XML here). */
const IMAGES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/gif', 'image/webp', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon', 'image/avif'])
const HTML = new Set(['text/html', 'application/xhtml+xml'])
const XML = new Set(['application/xml', 'text/xml'])
const TEXTS = new Set([
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/x-ndjson',
  'application/graphql',
  'application/x-sh',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/sql',
  'application/csv'
])

/** The last Content-Type header's value ('' when none). */
export function contentTypeOf(headers: readonly { name: string; value: string }[]): string {
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i].name.toLowerCase() === 'content-type') return headers[i].value
  return ''
}

/** The value of `name` among a header value's `; name=value` parameters. */
function param(value: string, name: string): string | undefined {
  for (const part of value.split(';').slice(1)) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim().toLowerCase() === name) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
  }
  return undefined
}

/** Bytes that read as text: no NUL and few other control bytes in the first 512. */
export function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512)
  let odd = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]
    if (b === 0) return false
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) odd++
  }
  return odd * 20 < n || n === 0
}

/** How a body of this Content-Type reads; `first` (its first bytes) decides when there is none. */
export function bodyType(contentType: string, first: Uint8Array = new Uint8Array(0)): BodyType {
  const media = contentType.split(';')[0].trim().toLowerCase()
  const charset = param(contentType, 'charset')?.toLowerCase() || 'utf-8'
  const encoding = ENCODING_OF_CHARSET[charset]
  const kind = ((): BodyKind => {
    if (media === 'application/json' || media === 'text/json' || media.endsWith('+json')) return 'json'
    if (HTML.has(media)) return 'html'
    if (XML.has(media) || media.endsWith('+xml')) return 'xml'
    if (IMAGES.has(media)) return 'image'
    if (media === 'application/x-www-form-urlencoded') return 'form'
    if (media.startsWith('text/') || TEXTS.has(media)) return 'text'
    if (media === '') return looksLikeText(first) ? 'text' : 'binary'
    return 'binary'
  })()
  return { kind, media, charset, ...(encoding ? { encoding } : {}) }
}

/** Kinds whose content is characters in the body's charset. */
export const isTextKind = (kind: BodyKind): boolean => kind !== 'image' && kind !== 'binary'

/**
 * Whether the pretty JSON or XML view applies: to those kinds only, and only to a body known
 * whole and no bigger than PRETTY_MAX (larger ones show as paged text).
 */
export const prettyApplies = (kind: BodyKind, wholeSize: number | undefined): boolean =>
  (kind === 'json' || kind === 'xml') && wholeSize !== undefined && wholeSize <= PRETTY_MAX
