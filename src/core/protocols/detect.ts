// Recognises what a connection carries from the first bytes its client sent: an HTTP/1
// request line, a TLS record header, the HTTP/2 prior-knowledge preface, or anything else
// (raw). 'unknown' while too few bytes have come to tell.

import type { Protocol } from '../../shared/protocol-types'
import { latin1 } from './http1/bytes'
import { parseStartLine } from './http1/head-parser'

const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
/** A request line longer than this without its end is not worth waiting for: a method we know decides it, anything else is raw. */
export const MAX_DETECT_BYTES = 8 * 1024
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'PURGE'])
const METHOD_PREFIX = /^[A-Z][A-Z0-9_-]{0,23}( |$)/

/**
 * What `first` (the client's first bytes) says the connection carries. `final`: no more
 * bytes will come to decide with (the client ended, or the server spoke first).
 */
export function detectProtocol(first: Uint8Array, final = false): Protocol {
  if (first.length === 0) return final ? 'raw' : 'unknown'
  // TLS: a handshake record (22) of version 3.x (SSL 3.0 to TLS 1.3's 3.1 legacy value).
  if (first[0] === 0x16) {
    if (first.length < 3) return final || (first.length === 2 && first[1] !== 0x03) ? 'raw' : 'unknown'
    return first[1] === 0x03 && first[2] <= 0x04 ? 'tls' : 'raw'
  }
  // Past leading empty lines, a request line and the HTTP/2 preface start with a capital:
  // anything else is raw, told without making a string of up to 8 KiB (every raw connection
  // of a file comes here).
  let i = 0
  while (i < first.length && (first[i] === 0x0a || (first[i] === 0x0d && first[i + 1] === 0x0a))) i += first[i] === 0x0d ? 2 : 1
  if (i < first.length && !(first[i] >= 0x41 && first[i] <= 0x5a)) return 'raw'
  // What the first line needs, and the preface's length at least.
  const lf = first.indexOf(0x0a, i)
  const head = latin1(first, 0, Math.min(first.length, MAX_DETECT_BYTES, lf < 0 ? Infinity : Math.max(lf + 1, H2_PREFACE.length)))
  const preface = head.slice(0, H2_PREFACE.length)
  if (H2_PREFACE.startsWith(preface)) {
    if (preface.length === H2_PREFACE.length) return 'http2'
    if (!final) return 'unknown'
  }
  // HTTP/1: a method token, a space, a target, a space and HTTP/1.x (leading empty lines allowed).
  const text = head.replace(/^(\r?\n)+/, '')
  if (text === '') return final ? 'raw' : 'unknown'
  const method = METHOD_PREFIX.exec(text)
  if (!method) return 'raw'
  const eol = text.indexOf('\n')
  if (eol >= 0) {
    const line = text.slice(0, eol).replace(/\r$/, '')
    const start = parseStartLine('request', line)
    return start && /^HTTP\/1\.[01]$/.test(start.version) ? 'http1' : 'raw'
  }
  // No line end yet: a known method and a plausible target can decide it when the line is
  // long, or when nothing more will come.
  const sure = KNOWN_METHODS.has(method[0].trim()) && /^\S+ [/*A-Za-z]/.test(text)
  if (final || first.length >= MAX_DETECT_BYTES) return sure ? 'http1' : 'raw'
  return 'unknown'
}
