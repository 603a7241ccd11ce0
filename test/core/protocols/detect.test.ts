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

/** The plain reading: all the bytes as text. */
function reference(first: Uint8Array, final: boolean): Protocol {
  if (first.length === 0) return final ? 'raw' : 'unknown'
  if (first[0] === 0x16) {
    if (first.length < 3) return final || (first.length === 2 && first[1] !== 0x03) ? 'raw' : 'unknown'
    return first[1] === 0x03 && first[2] <= 0x04 ? 'tls' : 'raw'
  }
  const head = Buffer.from(first.subarray(0, MAX_DETECT_BYTES)).toString('latin1')
  const preface = head.slice(0, H2_PREFACE.length)
  if (H2_PREFACE.startsWith(preface)) {
    if (preface.length === H2_PREFACE.length) return 'http2'
    if (!final) return 'unknown'
  }
  const text = head.replace(/^(\r?\n)+/, '')
  if (text === '') return final ? 'raw' : 'unknown'
  const method = /^[A-Z][A-Z0-9_-]{0,23}( |$)/.exec(text)
  if (!method) return 'raw'
  const eol = text.indexOf('\n')
  if (eol >= 0) {
    const start = parseStartLine('request', text.slice(0, eol).replace(/\r$/, ''))
    return start && /^HTTP\/1\.[01]$/.test(start.version) ? 'http1' : 'raw'
  }
  const sure = KNOWN.has(method[0].trim()) && /^\S+ [/*A-Za-z]/.test(text)
  if (final || first.length >= MAX_DETECT_BYTES) return sure ? 'http1' : 'raw'
  return 'unknown'
}

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'))

describe('what the first bytes carry', () => {
  it('answers as reading every byte as text would, for requests, prefaces, TLS and raw bytes, whole or cut', () => {
    const samples = [
      'GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\n',
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
