// The text form of an HTTP/2 request: pseudo-headers first, round-tripping exactly, and what
// HTTP/2 cannot carry refused in one line.
import { describe, expect, it } from 'vitest'
import { h2RequestText, parseH2Request } from '../../src/shared/h2-request-edit'

const text = (s: string): Uint8Array => Buffer.from(s, 'latin1')
const headers = [
  { name: ':method', value: 'POST' },
  { name: ':scheme', value: 'https' },
  { name: ':authority', value: 'api.test:8443' },
  { name: ':path', value: '/v1/items?a=1' },
  { name: 'content-type', value: 'application/json' },
  { name: 'x-empty', value: '' },
  { name: 'cookie', value: 'a=1' },
  { name: 'cookie', value: 'b=2' }
]

describe('HTTP/2 request text', () => {
  it('writes the pseudo-headers as the first lines and reads back the same headers and body', () => {
    const body = Uint8Array.from([0, 1, 10, 10, 255])
    const bytes = h2RequestText(headers, body)
    expect(Buffer.from(bytes.subarray(0, 60)).toString('latin1')).toBe(':method: POST\n:scheme: https\n:authority: api.test:8443\n:path')
    const parsed = parseH2Request(bytes)
    expect(parsed).toEqual({ request: { headers, body } })
    if ('request' in parsed) expect(h2RequestText(parsed.request.headers, parsed.request.body)).toEqual(bytes)
  })

  it('reads CRLF lines and values with any byte of Latin-1', () => {
    expect(parseH2Request(text(':method: GET\r\n:scheme: http\r\n:path: /\r\nx-v:\tcaf\xe9\r\n\r\n'))).toEqual({
      request: { headers: [{ name: ':method', value: 'GET' }, { name: ':scheme', value: 'http' }, { name: ':path', value: '/' }, { name: 'x-v', value: 'caf\xe9' }], body: new Uint8Array(0) }
    })
  })

  it('refuses what HTTP/2 cannot carry, saying where', () => {
    const refused = (s: string): string => {
      const r = parseH2Request(text(s))
      return 'error' in r ? r.error : 'accepted'
    }
    expect(refused(':method: GET\n:path: /\nx: 1\n:scheme: http\n\n')).toBe('line 4 (:scheme): a pseudo-header must come before every regular header')
    expect(refused(':method: GET\n:scheme: http\n:path: /\nX-Up: 1\n\n')).toBe('line 4 (X-Up): HTTP/2 header names are lower case')
    expect(refused(':method: GET\n:scheme: http\n:path: /\nconnection: close\n\n')).toBe('line 4 (connection): HTTP/2 does not carry connection-specific headers')
    expect(refused(':method: GET\n:scheme: http\n:status: 200\n\n')).toMatch(/^line 3 \(:status\): not a request pseudo-header/)
    expect(refused(':method: GET\n:scheme: http\n\n')).toBe('the request needs :scheme and :path lines (only CONNECT goes without them)')
    expect(refused('GET / HTTP/1.1\nhost: x\n\n')).toBe('line 1 is not NAME: VALUE')
    expect(refused(':method: GET\n:scheme: http\n:path: /')).toBe('the head has no blank line after its headers')
    expect(refused(':method: CONNECT\n:authority: h:443\n\n')).toBe('accepted')
  })
})
