// An HTTP/2 request as text a person edits, the Replay tab's editor and `replay --request
// FILE` alike: its pseudo-headers as the first lines, then its regular headers, a blank
// line and the body, as HTTP/1's head is written but with no request line (HTTP/2 has none):
//
//   :method: POST
//   :scheme: https
//   :authority: api.test
//   :path: /v1/items
//   content-type: application/json
//
//   {"name":"x"}
//
// h2RequestText and parseH2Request round-trip: what one writes, the other reads back to the
// same headers and body. What HTTP/2 cannot carry (a pseudo-header after a regular header,
// an unknown pseudo-header, an upper-case name, a connection-specific header; RFC 9113
// 8.2 and 8.3) is refused with one line saying where, rather than changed on the way.

import { encodeField, parseHead } from './http-request-edit'
import { isPseudoHeader, type NamedValue } from './h2-request'

export interface EditableH2Request {
  /** Pseudo-headers first, in order; duplicates kept. */
  headers: NamedValue[]
  body: Uint8Array
}

const REQUEST_PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':protocol'])
/** Headers HTTP/2 forbids (RFC 9113 8.2.2): they name the connection, which HTTP/2 frames itself. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'])

/** The text form of these headers and body: one line per header (LF), a blank line, the body as it is. */
export function h2RequestText(headers: readonly NamedValue[], body: Uint8Array): Uint8Array {
  const head = encodeField(headers.map((h) => `${h.name}: ${h.value}\n`).join('') + '\n')
  const out = new Uint8Array(head.length + body.length)
  out.set(head, 0)
  out.set(body, head.length)
  return out
}

/** Reads the text form back: the headers in their order and the body after the blank line. */
export function parseH2Request(bytes: Uint8Array): { request: EditableH2Request } | { error: string } {
  const head = parseHead(bytes, 'request')
  if ('error' in head) return head
  const headers: NamedValue[] = []
  for (const [i, line] of head.lines.entries()) {
    // A pseudo-header's name starts with the colon; the separator is the colon after it.
    const colon = line.indexOf(':', line.startsWith(':') ? 1 : 0)
    if (colon <= 0 || (line.startsWith(':') && colon === 1)) return { error: `line ${i + 1} is not NAME: VALUE` }
    const name = line.slice(0, colon)
    headers.push({ name, value: line.slice(colon + 1).replace(/^[ \t]+/, '') })
  }
  const problem = h2RequestProblem(headers)
  return problem === undefined ? { request: { headers, body: head.body } } : { error: problem }
}

/** What keeps these headers from being an HTTP/2 request; undefined when nothing. */
export function h2RequestProblem(headers: readonly NamedValue[]): string | undefined {
  let regular = false
  const seen = new Set<string>()
  for (const [i, h] of headers.entries()) {
    const where = `line ${i + 1} (${h.name})`
    if (h.name !== h.name.toLowerCase()) return `${where}: HTTP/2 header names are lower case`
    if (/[\s:]/.test(h.name.slice(1)) || h.name === '' || h.name === ':') return `${where}: not a header name`
    if (/[\r\n\0]/.test(h.value)) return `${where}: the value has a line break or NUL`
    if (isPseudoHeader(h.name)) {
      if (regular) return `${where}: a pseudo-header must come before every regular header`
      if (!REQUEST_PSEUDO.has(h.name)) return `${where}: not a request pseudo-header (:method, :scheme, :authority, :path)`
      if (seen.has(h.name)) return `${where}: ${h.name} is given twice`
      seen.add(h.name)
      continue
    }
    regular = true
    if (CONNECTION_SPECIFIC.has(h.name) || (h.name === 'te' && h.value.trim().toLowerCase() !== 'trailers')) return `${where}: HTTP/2 does not carry connection-specific headers`
  }
  if (!seen.has(':method')) return 'the request has no :method line'
  const connect = headers.find((h) => h.name === ':method')?.value === 'CONNECT' && !seen.has(':protocol')
  if (!connect && !(seen.has(':scheme') && seen.has(':path'))) return 'the request needs :scheme and :path lines (only CONNECT goes without them)'
  if (connect && !seen.has(':authority')) return 'a CONNECT request needs an :authority line'
  return undefined
}
