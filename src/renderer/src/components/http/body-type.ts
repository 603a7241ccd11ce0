// How a body is shown, from its Content-Type (and, without one, from its first bytes): which
// viewer, and for text, which of the encodings tcpscope reads (shared/text-encodings.ts).
// HTML and SVG are markup a browser would run: they are shown as their source, never rendered.

import type { HttpHeader } from '../../../../shared/protocol-types'
import type { TextEncodingName } from '../../bytes/encodings'

export const BODY_KINDS = ['json', 'text', 'source', 'image', 'form', 'hex'] as const
export type BodyKind = (typeof BODY_KINDS)[number]

export interface BodyType {
  kind: BodyKind
  /** The media type as sent, lower-cased, without parameters ('' when none was sent). */
  media: string
  encoding: TextEncodingName
  /** A charset the views do not read (shown as UTF-8, and said so). */
  unknownCharset?: string
}

/** Charset labels (WHATWG Encoding Standard's, the common ones) of the encodings tcpscope reads. */
const CHARSETS: Record<string, TextEncodingName> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  latin1: 'latin1',
  'l1': 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf-16le',
  'utf-16': 'utf-16le',
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
  'ms_kanji': 'shift_jis',
  'windows-31j': 'shift_jis'
}

/** Raster images a browser decodes without running anything (SVG is markup: not here). */
const IMAGES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/gif', 'image/webp', 'image/bmp', 'image/x-icon', 'image/vnd.microsoft.icon', 'image/avif'])
const SOURCES = new Set(['text/html', 'application/xhtml+xml', 'image/svg+xml'])
const TEXTS = new Set(['application/javascript', 'application/ecmascript', 'application/x-javascript', 'application/xml', 'application/x-ndjson', 'application/graphql', 'application/x-sh', 'application/yaml', 'application/x-yaml', 'application/toml', 'application/sql'])

/** The last Content-Type header's value ('' when none). */
export function contentTypeOf(headers: readonly HttpHeader[]): string {
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
function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512)
  let odd = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]
    if (b === 0) return false
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) odd++
  }
  return odd * 20 < n || n === 0
}

/** How to show a body of this Content-Type; `first` (its first bytes) decides when there is none. */
export function bodyType(contentType: string, first: Uint8Array = new Uint8Array(0)): BodyType {
  const media = contentType.split(';')[0].trim().toLowerCase()
  const charset = param(contentType, 'charset')?.toLowerCase()
  const known = charset === undefined ? undefined : CHARSETS[charset]
  const encoding = known ?? 'utf-8'
  const unknownCharset = charset !== undefined && known === undefined ? charset : undefined
  const kind = ((): BodyKind => {
    if (media === 'application/json' || media === 'text/json' || media.endsWith('+json')) return 'json'
    if (SOURCES.has(media)) return 'source'
    if (IMAGES.has(media)) return 'image'
    if (media === 'application/x-www-form-urlencoded') return 'form'
    if (media.startsWith('text/') || media.endsWith('+xml') || TEXTS.has(media)) return 'text'
    if (media === '') return looksLikeText(first) ? 'text' : 'hex'
    return 'hex'
  })()
  return { kind, media, encoding, ...(unknownCharset ? { unknownCharset } : {}) }
}

/** Kinds that need the whole body before anything can be shown. */
export const needsWhole = (kind: BodyKind): boolean => kind === 'json' || kind === 'image' || kind === 'form'
