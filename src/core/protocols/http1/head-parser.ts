// Parses one HTTP/1 head (RFC 9112 sections 3-5): the request or status line and the
// header lines exactly as sent, in order, duplicates kept, obsolete line folding joined,
// each line's byte range recorded. A start line that is not HTTP is fatal to the head; a
// bad header line is skipped with a problem, so one odd header does not lose a message.

import type { Direction } from '../../../shared/capture-types'
import type { ByteRange, DecodeProblem, HttpHeader, HttpMessage } from '../../../shared/protocol-types'

export type MessageKind = 'request' | 'response'

export interface StartLine {
  startLine: string
  version: string
  method?: string
  target?: string
  status?: number
  reason?: string
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
const IS_TCHAR = new Uint8Array(128)
for (const c of TCHARS) IS_TCHAR[c.charCodeAt(0)] = 1

/** Char code `c` is a token's (RFC 9110 5.6.2): a table, not a regex, as it runs for every header name's every character. */
const isTchar = (c: number): boolean => c < 128 && IS_TCHAR[c] === 1
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

const SP = 0x20
const HTAB = 0x09
const COLON = 0x3a

/** `s[from, to)` without the SP and HTAB around it (OWS), with no regex: heads are parsed at 100k a second. */
function trimOws(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === SP || s.charCodeAt(from) === HTAB)) from++
  while (to > from && (s.charCodeAt(to - 1) === SP || s.charCodeAt(to - 1) === HTAB)) to--
  return s.slice(from, to)
}

/**
 * Which header lines a parse keeps (HeaderNames): the others are checked, as every line is,
 * and left out of the head. The background decoding keeps only what it reads (framing, the
 * list's columns), since an exchange is decoded again in full when it is opened, and the
 * headers it never reads were two fifths of what it allocated.
 */
export interface HeaderNames {
  /** Whether `s[from, to)`, a token, is one of the names kept (case-insensitive). */
  has(s: string, from: number, to: number): boolean
}

/** Whether char code `c` is `lower`'s, or an ASCII capital of it: names are compared with no lower-cased copy made. */
const sameChar = (c: number, lower: number): boolean => c === lower || (c >= 0x41 && c <= 0x5a && c + 0x20 === lower)

/** Whether `s[from, to)` is `lower` (given lower-case) but for the case of its ASCII letters. */
function spells(s: string, from: number, to: number, lower: string): boolean {
  if (to - from !== lower.length) return false
  for (let k = 0; k < lower.length; k++) if (!sameChar(s.charCodeAt(from + k), lower.charCodeAt(k))) return false
  return true
}

/** The headers named in `names` (lower-case), matched with no string made of the name read. */
export function headerNames(names: readonly string[]): HeaderNames {
  const byLength = new Map<number, string[]>()
  for (const n of new Set(names)) byLength.set(n.length, [...(byLength.get(n.length) ?? []), n])
  return {
    has(s, from, to) {
      const same = byLength.get(to - from)
      if (same === undefined) return false
      // A loop, not some(): a closure made for every header line of every head.
      for (let k = 0; k < same.length; k++) if (spells(s, from, to, same[k])) return true
      return false
    }
  }
}

/**
 * Header (or trailer) lines of `text` (a head's Latin-1 text) from index `from`, up to the
 * empty line that ends them; `base` is the stream offset of text[0]. Bad lines become
 * problems. With `keep`, only the headers it names are kept (every line is still checked).
 */
export function parseHeaderLines(text: string, from: number, base: number, dir: Direction, keep?: HeaderNames): { headers: HttpHeader[]; problems: DecodeProblem[] } {
  const headers: HttpHeader[] = []
  const problems: DecodeProblem[] = []
  // The last header line was one `keep` left out: a line folded onto it goes too.
  let leftOut = false
  let at = from
  while (at < text.length) {
    const lf = text.indexOf('\n', at)
    const next = lf < 0 ? text.length : lf + 1
    const textEnd = lf < 0 ? text.length : lf > at && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf
    if (textEnd === at) break
    const first = text.charCodeAt(at)
    const last = headers[headers.length - 1]
    if (first === SP || first === HTAB) {
      // obs-fold (RFC 9112 5.2): the line continues the previous field's value.
      if (leftOut) {
        // Continues a header left out.
      } else if (last && last.range.offset + last.range.length === base + at) {
        const more = trimOws(text, at, textEnd)
        headers[headers.length - 1] = {
          name: last.name,
          value: last.value === '' ? more : more === '' ? last.value : `${last.value} ${more}`,
          range: { dir, offset: last.range.offset, length: last.range.length + next - at }
        }
      } else {
        problems.push({ dir, offset: base + at, message: 'a header line starts with whitespace but continues no header' })
      }
    } else {
      // The name's characters up to its colon, read once: a token, so the first that is not
      // one is the colon or makes the line bad (no search for the colon, then a check apart).
      let colon = at
      while (colon < textEnd && isTchar(text.charCodeAt(colon))) colon++
      leftOut = false
      if (colon === at || colon >= textEnd || text.charCodeAt(colon) !== COLON) {
        problems.push({ dir, offset: base + at, message: `bad header line "${text.slice(at, Math.min(textEnd, at + 60))}"` })
      } else if (keep !== undefined && !keep.has(text, at, colon)) {
        leftOut = true
      } else {
        headers.push({ name: text.slice(at, colon), value: trimOws(text, colon + 1, textEnd), range: { dir, offset: base + at, length: next - at } })
      }
    }
    at = next
  }
  return { headers, problems }
}

export interface ParsedHead extends StartLine {
  startRange: ByteRange
  headers: HttpHeader[]
  problems: DecodeProblem[]
}

/**
 * The head whose Latin-1 text is `text` (start line through the empty line), `base` being
 * the stream offset of its first byte; a string when its start line is not one of `kind`.
 */
export function parseHead(text: string, base: number, dir: Direction, kind: MessageKind, keep?: HeaderNames): ParsedHead | string {
  const lf = text.indexOf('\n')
  const next = lf < 0 ? text.length : lf + 1
  const line = text.slice(0, lf < 0 ? text.length : lf > 0 && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf)
  const start = parseStartLine(kind, line)
  if (!start) return `not an HTTP/1.x ${kind === 'request' ? 'request' : 'status'} line: "${line.slice(0, 60)}"`
  const { headers, problems } = parseHeaderLines(text, next, base, dir, keep)
  // The range takes the line's CRLF, as a header's does, so the head's ranges tile it.
  const head = start as ParsedHead
  head.startRange = { dir, offset: base, length: next }
  head.headers = headers
  head.problems = problems
  return head
}

/**
 * The message a parsed head begins: its head spans [start, bodyAt), and its body, framed
 * later from the head, starts empty at bodyAt.
 */
export function messageOf(head: ParsedHead, dir: Direction, start: number, bodyAt: number, time: number): HttpMessage {
  const msg: HttpMessage = {
    dir,
    startLine: head.startLine,
    startRange: head.startRange,
    version: head.version,
    headers: head.headers,
    headRange: { dir, offset: start, length: bodyAt - start },
    body: { framing: 'none', range: { dir, offset: bodyAt, length: 0 }, size: 0, complete: false },
    startedAt: time
  }
  if (head.method !== undefined) {
    msg.method = head.method
    msg.target = head.target
  } else {
    msg.status = head.status
    msg.reason = head.reason
  }
  return msg
}

/**
 * Whether header name `name` is `lower` (given lower-case) but for the case of its ASCII
 * letters, with no lower-cased copy made: this runs for every message, and a copy of each
 * name compared was most of what framing a message allocated.
 */
export function nameIs(name: string, lower: string): boolean {
  return spells(name, 0, name.length, lower)
}

/** The values of every `name` header (case-insensitive), in order. */
export function headerValues(headers: readonly HttpHeader[], name: string): string[] {
  const lower = name.toLowerCase()
  const values: string[] = []
  for (const h of headers) if (nameIs(h.name, lower)) values.push(h.value)
  return values
}

/** The value of the first `name` header (`name` given lower-case), with no array made. */
export function firstHeader(headers: readonly HttpHeader[], lower: string): string | undefined {
  for (const h of headers) if (nameIs(h.name, lower)) return h.value
  return undefined
}

/** Whether there is a `name` header (case-insensitive `name` given lower-case), with no array made: asked of every request. */
export function hasHeader(headers: readonly HttpHeader[], lower: string): boolean {
  return firstHeader(headers, lower) !== undefined
}

/** The comma-separated list elements of every `name` header, lower-cased and trimmed (RFC 9110 5.6.1). */
export function headerTokens(headers: readonly HttpHeader[], name: string): string[] {
  const values = headerValues(headers, name)
  // Most messages have none (Transfer-Encoding): no lists made for nothing.
  if (values.length === 0) return values
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '')
}
