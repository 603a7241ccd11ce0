// What a connection's first bytes say it carries (detect.ts), against the plain reading of
// it: every byte looked at (up to 8 KiB) turned into text, then the preface, the request
// line, a method known. The detector tells raw bytes apart from their first byte and reads
// only the first line as text; whatever the bytes, it must answer as that reading does.
import { describe, expect, it } from 'vitest'
import { detectProtocol, MAX_DETECT_BYTES } from '../../../src/core/protocols/detect'
import { parseStartLine } from '../../../src/core/protocols/http1/head-parser'
import type { Protocol } from '../../../src/shared/protocol-types'

const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
const KNOWN = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'PURGE'])

/** The plain reading: all the bytes (up to 8 KiB) as text, read with one pattern. */
function reference(first: Uint8Array, final: boolean): Protocol {
  const [b0, b1, b2] = first
  if (b0 === 0x16) {
    if (b1 === undefined) return final ? 'raw' : 'unknown'
    if (b2 === undefined) return final || b1 !== 0x03 ? 'raw' : 'unknown'
    return b1 === 0x03 && b2 <= 0x04 ? 'tls' : 'raw'
  }
  const all = Buffer.from(first.subarray(0, MAX_DETECT_BYTES)).toString('latin1')
  const more = final ? 'raw' : 'unknown'
  if (all === '') return more
  // All of the preface, or the start of it with more to come.
  if (all.startsWith(H2_PREFACE)) return 'http2'
  if (H2_PREFACE.startsWith(all) && !final) return 'unknown'
  // Empty lines, then a method and a space (or the end), then the rest of the line and its end if it came.
  const [lead, method, space, rest, lf] = /^(?:\r?\n)*(?:([A-Z][A-Z0-9_-]{0,23})( |$)([^\n]*)(\n)?)?/.exec(all) as RegExpExecArray
  if (method === undefined) return lead === all ? more : 'raw'
  if (lf !== undefined) {
    const start = parseStartLine('request', (method + space + rest).replace(/\r$/, ''))
    return start?.version === 'HTTP/1.1' || start?.version === 'HTTP/1.0' ? 'http1' : 'raw'
  }
  if (!final && first.length < MAX_DETECT_BYTES) return 'unknown'
  return KNOWN.has(method) && space === ' ' && /^[/*A-Za-z]/.test(rest) ? 'http1' : 'raw'
}

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'))

describe('what the first bytes carry', () => {
  it('answers as reading every byte as text would, for requests, prefaces, TLS and raw bytes, whole or cut', () => {
    const samples = [
      'GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\n',
      'POST /a/much/longer/path/than/the/preface HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /a/much/longer/path/than/the/preface HTTP/3.0\nX',
      '\r\n\nPOST / HTTP/1.0\r\n\r\nbody',
      'PROPFIND /dav HTTP/1.1\n',
      'GET /x HTTP/2.0\r\n',
      'BREW /pot HTCPCP/1.0\r\n',
      'get / HTTP/1.1\r\n',
      H2_PREFACE + '\x00\x00\x12\x04',
      'tcpscope bench payload '.repeat(40),
      'SET k v\r\n',
      '*1\r\n$4\r\nPING\r\n',
      '\r\r\nGET / HTTP/1.1\r\n',
      '\n',
      '\r\n',
      '\r',
      'GET ' + '/a'.repeat(5000),
      'OPTIONS * HTTP/1.1',
      '\x16\x03\x01\x02\x00',
      '\x16\x02',
      '\x00\x01\x02GET / HTTP/1.1\r\n',
      'POST /é HTTP/1.1\r\n',
      'PRI * HTTP/2.0\r\n\r\nSX'
    ]
    for (const s of samples) {
      const b = bytes(s)
      for (let cut = 0; cut <= Math.min(b.length, 80); cut++) {
        for (const final of [false, true]) {
          const part = b.subarray(0, cut)
          expect(detectProtocol(part, final), `${JSON.stringify(s.slice(0, cut))} final=${final}`).toBe(reference(part, final))
        }
      }
      for (const final of [false, true]) expect(detectProtocol(b, final), JSON.stringify(s.slice(0, 40))).toBe(reference(b, final))
    }
  })

  it('answers as that reading for random bytes made of a request line\'s pieces', () => {
    const pieces = ['GET', 'POST', 'PRI', ' ', '/', '*', 'HTTP/1.1', 'HTTP/2.0', '\r', '\n', 'a', 'Z', '\x16', '\x03', '\x00', 'é', 'SM', '-', '_']
    let seed = 46
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    for (let k = 0; k < 3000; k++) {
      const n = 1 + random(12)
      const s = Array.from({ length: n }, () => pieces[random(pieces.length)]).join('')
      const b = bytes(s)
      for (const final of [false, true]) expect(detectProtocol(b, final), JSON.stringify(s)).toBe(reference(b, final))
    }
  })
})
