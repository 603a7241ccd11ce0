// Parses one HTTP/1 head (RFC 9112 sections 3-5): the request or status line and the
// header lines exactly as sent, in order, duplicates kept, obsolete line folding joined,
// each line's byte range recorded. A start line that is not HTTP is fatal to the head; a
// bad header line is skipped with a problem, so one odd header does not lose a message.

import type { Direction } from '../../../shared/capture-types'
import type { ByteRange, DecodeProblem, HttpHeader } from '../../../shared/protocol-types'
import { CR, LF, latin1 } from './bytes'

export type MessageKind = 'request' | 'response'

export interface StartLine {
  startLine: string
  version: string
  method?: string
  target?: string
  status?: number
  reason?: string
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+(\S+)[ \t]+(HTTP\/\d\.\d)$/
const STATUS_LINE = /^(HTTP\/\d\.\d)[ \t]+(\d{3})(?:[ \t](.*))?$/

/** The start line of `kind`, or undefined when `line` is not one. */
export function parseStartLine(kind: MessageKind, line: string): StartLine | undefined {
  if (kind === 'request') {
    const m = REQUEST_LINE.exec(line)
    return m ? { startLine: line, method: m[1], target: m[2], version: m[3] } : undefined
  }
  const m = STATUS_LINE.exec(line)
  return m ? { startLine: line, version: m[1], status: Number(m[2]), reason: (m[3] ?? '').trim() } : undefined
}

/** Where each line of `bytes[from, to)` ends: the index after its LF (CR LF or bare LF, which RFC 9112 2.2 lets a recipient accept). */
function lineEnds(bytes: Uint8Array, from: number, to: number): number[] {
  const ends: number[] = []
  for (let i = from; i < to; i++) if (bytes[i] === LF) ends.push(i + 1)
  if (ends.length === 0 || ends[ends.length - 1] < to) ends.push(to)
  return ends
}

/** A line's text without its CR LF. */
function lineText(bytes: Uint8Array, from: number, end: number): string {
  let to = end
  if (to > from && bytes[to - 1] === LF) to--
  if (to > from && bytes[to - 1] === CR) to--
  return latin1(bytes, from, to)
}

const trimOws = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, '')

/**
 * Header (or trailer) lines in `bytes[from, to)`, up to but not including the empty line
 * that ends them; `base` is the stream offset of bytes[0]. Bad lines become problems.
 */
export function parseHeaderLines(bytes: Uint8Array, from: number, to: number, base: number, dir: Direction): { headers: HttpHeader[]; problems: DecodeProblem[] } {
  const headers: HttpHeader[] = []
  const problems: DecodeProblem[] = []
  let lineStart = from
  for (const end of lineEnds(bytes, from, to)) {
    const text = lineText(bytes, lineStart, end)
    const range: ByteRange = { dir, offset: base + lineStart, length: end - lineStart }
    if (text === '') break
    const last = headers[headers.length - 1]
    if (text[0] === ' ' || text[0] === '\t') {
      // obs-fold (RFC 9112 5.2): the line continues the previous field's value.
      if (last && last.range.offset + last.range.length === range.offset) {
        const more = trimOws(text)
        headers[headers.length - 1] = {
          name: last.name,
          value: last.value === '' ? more : more === '' ? last.value : `${last.value} ${more}`,
          range: { dir, offset: last.range.offset, length: last.range.length + range.length }
        }
      } else {
        problems.push({ dir, offset: range.offset, message: 'a header line starts with whitespace but continues no header' })
      }
    } else {
      const colon = text.indexOf(':')
      const name = colon > 0 ? text.slice(0, colon) : ''
      if (!TOKEN.test(name)) {
        problems.push({ dir, offset: range.offset, message: `bad header line "${text.slice(0, 60)}"` })
      } else {
        headers.push({ name, value: trimOws(text.slice(colon + 1)), range })
      }
    }
    lineStart = end
  }
  return { headers, problems }
}

export interface ParsedHead extends StartLine {
  startRange: ByteRange
  headers: HttpHeader[]
  problems: DecodeProblem[]
}

/**
 * The head in `bytes[from, to)` (start line through the empty line), `base` being the stream
 * offset of bytes[0]; a string when its start line is not one of `kind`.
 */
export function parseHead(bytes: Uint8Array, from: number, to: number, base: number, dir: Direction, kind: MessageKind): ParsedHead | string {
  let firstEnd = from
  while (firstEnd < to && bytes[firstEnd] !== LF) firstEnd++
  if (firstEnd < to) firstEnd++
  const text = lineText(bytes, from, firstEnd)
  const start = parseStartLine(kind, text)
  if (!start) return `not an HTTP/1.x ${kind === 'request' ? 'request' : 'status'} line: "${text.slice(0, 60)}"`
  const { headers, problems } = parseHeaderLines(bytes, firstEnd, to, base, dir)
  // The range takes the line's CRLF, as a header's does, so the head's ranges tile it.
  return { ...start, startRange: { dir, offset: base + from, length: firstEnd - from }, headers, problems }
}

/** The values of every `name` header (case-insensitive), in order. */
export function headerValues(headers: readonly HttpHeader[], name: string): string[] {
  const lower = name.toLowerCase()
  return headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value)
}

/** The comma-separated list elements of every `name` header, lower-cased and trimmed (RFC 9110 5.6.1). */
export function headerTokens(headers: readonly HttpHeader[], name: string): string[] {
  return headerValues(headers, name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '')
}
