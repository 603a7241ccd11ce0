// An HTTP/1 request or response as the structured editors show it (the start line's parts,
// headers, body), and back to bytes. The promise is exactness: whatever parseRequest and
// parseResponse accept, serializeRequest and serializeResponse write back byte for byte, so
// opening a structured editor on a captured (or held) message and sending it untouched is
// still byte-exact. What the structure cannot hold exactly (folded lines, mixed line endings,
// odd start-line spacing) is refused with one line saying where, rather than silently
// normalized.

import { concatBytes } from './concat-bytes'

export interface RequestHeader {
  name: string
  value: string
  /** Bytes between name and value as written; ': ' when absent. */
  sep?: string
}

export interface EditableRequest {
  method: string
  target: string
  /** As written, e.g. 'HTTP/1.1'. */
  version: string
  headers: RequestHeader[]
  /** The head's line ending as written. */
  eol: '\r\n' | '\n'
  /** Everything after the head's blank line, as on the wire (chunk framing kept). */
  body: Uint8Array
}

const LF = 0x0a
const CR = 0x0d
const DEFAULT_SEP = ': '
/** Spaces and tabs around the colon are kept in `sep`; anything else is the name's or the value's. */
const SEP = /^[ \t]*:[ \t]*$/
const VERSION = /^HTTP\/\d+(\.\d+)?$/

/** Each byte as U+0000..U+00FF: every head byte survives the trip to text and back. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  let out = ''
  // fromCharCode takes its arguments on the stack: a few thousand at a time is safe. Applied to
  // the bytes as they are (a spread would make an array of them first).
  for (let i = from; i < to; i += 4096) out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + 4096, to)) as unknown as number[])
  return out
}

/** The head's lines (as Latin-1 text, one character per byte), its line ending and the body after it. */
export interface ParsedHead {
  lines: string[]
  eol: '\r\n' | '\n'
  body: Uint8Array
}

export function parseHead(bytes: Uint8Array, what: string): ParsedHead | { error: string } {
  if (bytes.length === 0) return { error: `the ${what} is empty` }
  const firstLf = bytes.indexOf(LF)
  if (firstLf < 0) return { error: 'the head has no blank line after its headers' }
  const eol: '\r\n' | '\n' = firstLf > 0 && bytes[firstLf - 1] === CR ? '\r\n' : '\n'
  const lines: string[] = []
  let at = 0
  for (;;) {
    const lf = bytes.indexOf(LF, at)
    if (lf < 0) return { error: 'the head has no blank line after its headers' }
    const lineNo = lines.length + 1
    const endsWithCr = lf > at && bytes[lf - 1] === CR
    if (endsWithCr !== (eol === '\r\n')) {
      return { error: `line ${lineNo} ends with ${endsWithCr ? 'CRLF' : 'a bare LF'} but line 1 with ${eol === '\r\n' ? 'CRLF' : 'a bare LF'}: mixed line endings cannot be kept exactly` }
    }
    const end = endsWithCr ? lf - 1 : lf
    const cr = bytes.subarray(at, end).indexOf(CR)
    if (cr >= 0) return { error: `line ${lineNo} has a CR that does not end it (at column ${cr + 1})` }
    // A copy and a plain Uint8Array even from a Node Buffer (whose slice is a view, and any slice keeps its class): edits
    // of the body never reach the caller's bytes, and it crosses IPC as bytes.
    if (end === at && lineNo > 1) return { lines, eol, body: new Uint8Array(bytes.subarray(lf + 1)) }
    lines.push(latin1(bytes, at, end))
    at = lf + 1
  }
}

export function parseRequest(bytes: Uint8Array): { request: EditableRequest } | { error: string } {
  const head = parseHead(bytes, 'request')
  if ('error' in head) return head
  const parsed = parseHeadLines(head.lines)
  if ('error' in parsed) return parsed
  return { request: { ...parsed, eol: head.eol, body: head.body } }
}

function parseHeadLines(lines: string[]): Omit<EditableRequest, 'eol' | 'body'> | { error: string } {
  const parts = lines[0].split(' ')
  if (parts.length !== 3 || parts.some((p) => p === '') || !VERSION.test(parts[2])) {
    return { error: 'line 1 is not METHOD TARGET VERSION (single spaces between them, a version like HTTP/1.1)' }
  }
  const [method, target, version] = parts
  const headers = parseHeaderLines(lines)
  return 'error' in headers ? headers : { method, target, version, headers }
}

/** The header lines after the start line (lines[0]). */
function parseHeaderLines(lines: string[]): RequestHeader[] | { error: string } {
  const headers: RequestHeader[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]
    const lineNo = i + 1
    if (line[0] === ' ' || line[0] === '\t') {
      return { error: `line ${lineNo} starts with white space: it continues the line before it (obs-fold), which the editor cannot keep` }
    }
    const colon = line.indexOf(':')
    if (colon < 0) return { error: `line ${lineNo} has no colon: it is not a header` }
    let nameEnd = colon
    while (nameEnd > 0 && (line[nameEnd - 1] === ' ' || line[nameEnd - 1] === '\t')) nameEnd--
    if (nameEnd === 0) return { error: `line ${lineNo} has no header name before its colon` }
    let valueStart = colon + 1
    while (valueStart < line.length && (line[valueStart] === ' ' || line[valueStart] === '\t')) valueStart++
    const sep = line.slice(nameEnd, valueStart)
    const header: RequestHeader = { name: line.slice(0, nameEnd), value: line.slice(valueStart) }
    if (sep !== DEFAULT_SEP) header.sep = sep
    headers.push(header)
  }
  return headers
}

/** Latin-1 when every character is one byte (as parseRequest read it); UTF-8 for text typed beyond it. */
export function encodeField(text: string): Uint8Array {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return new TextEncoder().encode(text)
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

export function serializeRequest(r: EditableRequest): Uint8Array {
  return serializeHead([r.method, ' ', r.target, ' ', r.version], r)
}

function serializeHead(startLine: string[], r: Pick<EditableRequest, 'headers' | 'eol' | 'body'>): Uint8Array {
  const fields: string[] = [...startLine, r.eol]
  for (const h of r.headers) fields.push(h.name, h.sep ?? DEFAULT_SEP, h.value, r.eol)
  fields.push(r.eol)
  // The usual head is all Latin-1: written straight into one array with its body, no array per field.
  let length = 0
  for (const f of fields) {
    for (let i = 0; i < f.length; i++) if (f.charCodeAt(i) > 0xff) return concatBytes([...fields.map(encodeField), r.body])
    length += f.length
  }
  const out = new Uint8Array(length + r.body.length)
  let at = 0
  for (const f of fields) for (let i = 0; i < f.length; i++) out[at++] = f.charCodeAt(i)
  out.set(r.body, at)
  return out
}

/** What keeps this header from being written as one line the parser reads back the same; undefined when nothing. */
export function headerProblem(h: RequestHeader): string | undefined {
  if (h.name === '') return 'the name is empty'
  if (/[\r\n]/.test(h.name)) return 'the name has a line break'
  if (h.name.includes(':')) return 'the name has a colon'
  if (h.name[0] === ' ' || h.name[0] === '\t') return 'the name starts with white space (it would read as a continuation of the line before)'
  if (/[\r\n]/.test(h.value)) return 'the value has a line break'
  if (h.sep !== undefined && !SEP.test(h.sep)) return 'the separator is not a colon with optional spaces or tabs around it'
  return undefined
}

/** What keeps this request from being written as a head the parser reads back; undefined when nothing. */
export function requestProblem(r: EditableRequest): string | undefined {
  const line: Array<[string, string]> = [
    ['method', r.method],
    ['target', r.target],
    ['version', r.version]
  ]
  for (const [what, text] of line) {
    if (text === '') return `the ${what} is empty`
    if (/[ \r\n]/.test(text)) return `the ${what} has a space or a line break`
  }
  if (!VERSION.test(r.version)) return 'the version is not like HTTP/1.1'
  return headersProblem(r.headers)
}

function headersProblem(headers: RequestHeader[]): string | undefined {
  for (let i = 0; i < headers.length; i++) {
    const problem = headerProblem(headers[i])
    if (problem !== undefined) return `header ${i + 1}${headers[i].name === '' ? '' : ` (${headers[i].name})`}: ${problem}`
  }
  return undefined
}

/** An HTTP/1 response as the structured editor shows it: the status line's parts, headers and body. */
export interface EditableResponse {
  /** As written, e.g. 'HTTP/1.1'. */
  version: string
  /** Three digits, e.g. '200'. */
  status: string
  /** The reason phrase, e.g. 'OK' (may be empty, and may have spaces). */
  reason: string
  /** Nothing after the status, not even a space (as written; kept while the reason stays empty). */
  bare?: boolean
  headers: RequestHeader[]
  eol: '\r\n' | '\n'
  body: Uint8Array
}

const STATUS = /^\d{3}$/

export function parseResponse(bytes: Uint8Array): { response: EditableResponse } | { error: string } {
  const head = parseHead(bytes, 'response')
  if ('error' in head) return head
  const line = head.lines[0]
  const first = line.indexOf(' ')
  const version = line.slice(0, first)
  const rest = line.slice(first + 1)
  const status = rest.slice(0, 3)
  if (first < 0 || !VERSION.test(version) || !STATUS.test(status) || (rest.length > 3 && rest[3] !== ' ')) {
    return { error: 'line 1 is not VERSION STATUS REASON (a version like HTTP/1.1, one space, three digits, then a space and the reason)' }
  }
  const headers = parseHeaderLines(head.lines)
  if ('error' in headers) return headers
  const response: EditableResponse = { version, status, reason: rest.slice(4), headers, eol: head.eol, body: head.body }
  if (rest.length === 3) response.bare = true
  return { response }
}

export function serializeResponse(r: EditableResponse): Uint8Array {
  return serializeHead(r.bare === true && r.reason === '' ? [r.version, ' ', r.status] : [r.version, ' ', r.status, ' ', r.reason], r)
}

/** What keeps this response from being written as a head the parser reads back; undefined when nothing. */
export function responseProblem(r: EditableResponse): string | undefined {
  if (!VERSION.test(r.version)) return 'the version is not like HTTP/1.1'
  if (!STATUS.test(r.status)) return 'the status is not three digits'
  if (/[\r\n]/.test(r.reason)) return 'the reason has a line break'
  return headersProblem(r.headers)
}

/** Content codings of Transfer-Encoding, in order over every such header (lower case). */
function transferCodings(headers: RequestHeader[]): string[] {
  return headers
    .filter((h) => h.name.toLowerCase() === 'transfer-encoding')
    .flatMap((h) => h.value.split(','))
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '')
}

/** Its body is framed in chunks (Transfer-Encoding's last coding is chunked): its length is in the framing, not in Content-Length. */
export function isChunked(r: Pick<EditableRequest, 'headers'>): boolean {
  return transferCodings(r.headers).at(-1) === 'chunked'
}

/** Methods whose requests carry a Content-Length even when empty (RFC 9110 §8.6: user agents send one when the method defines content). */
const METHODS_WITH_CONTENT = new Set(['POST', 'PUT', 'PATCH'])

/**
 * Sets (or adds) Content-Length to body.length unless Transfer-Encoding is chunked; returns a new request.
 * Every Content-Length header present gets the length (differing duplicates are how requests get
 * smuggled); one is added, last, only when there is a body or the method defines one, and in the
 * case the other names use (all lower case, as HTTP/2-minded clients write, or Content-Length).
 */
export function withFittedLength<M extends Pick<EditableRequest, 'headers' | 'body'> & { method?: string }>(r: M): M {
  const headers = r.headers.map((h) => ({ ...h }))
  const out = { ...r, headers }
  if (isChunked(r)) return out
  const length = String(r.body.length)
  let found = false
  for (const h of headers) {
    if (h.name.toLowerCase() !== 'content-length') continue
    h.value = length
    found = true
  }
  // A response (no method) gets one only for a body.
  if (found || (r.body.length === 0 && !METHODS_WITH_CONTENT.has((r.method ?? '').toUpperCase()))) return out
  const lowerCase = headers.length > 0 && headers.every((h) => h.name === h.name.toLowerCase())
  headers.push({ name: lowerCase ? 'content-length' : 'Content-Length', value: length })
  return out
}
