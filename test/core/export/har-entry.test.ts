// A decoded exchange's HAR fields, from hand-built messages: the absolute URL in each
// request-target form, the query string, cookies both ways, and timings from the times.
import { describe, expect, it } from 'vitest'
import type { HttpExchange, HttpMessage } from '../../../src/shared/protocol-types'
import { harTimings, requestCookies, requestQuery, requestUrl, responseCookies, totalTime, wireBodySize } from '../../../src/core/export/har-entry'

function message(over: Omit<Partial<HttpMessage>, 'headers'> & { headers?: Array<[string, string]> }): HttpMessage {
  const { headers = [], ...rest } = over
  return {
    dir: 'client',
    startLine: '',
    startRange: { dir: 'client', offset: 0, length: 0 },
    version: 'HTTP/1.1',
    headers: headers.map(([name, value]) => ({ name, value, range: { dir: 'client', offset: 0, length: 0 } })),
    headRange: { dir: 'client', offset: 0, length: 0 },
    body: { framing: 'none', range: { dir: 'client', offset: 0, length: 0 }, size: 0, complete: true },
    startedAt: 1000,
    ...rest
  }
}

describe('HAR entry fields', () => {
  it('makes the URL absolute from Host (or the connection), and keeps absolute and authority forms', () => {
    const conn = { target: 'upstream:8080' }
    expect(requestUrl(message({ method: 'GET', target: '/a?b=c', headers: [['HOST', 'example.test']] }), conn)).toBe('http://example.test/a?b=c')
    expect(requestUrl(message({ method: 'GET', target: '/a' }), conn)).toBe('http://upstream:8080/a')
    expect(requestUrl(message({ method: 'GET', target: 'http://other/x' }), conn)).toBe('http://other/x')
    expect(requestUrl(message({ method: 'CONNECT', target: 'host:443' }), conn)).toBe('http://host:443')
    expect(requestUrl(message({ method: 'OPTIONS', target: '*', headers: [['Host', 'h']] }), conn)).toBe('http://h')
  })

  it('splits the query string and the cookies, tolerating what does not decode', () => {
    expect(requestQuery(message({ target: '/p?a=1&b=two+words&c=%E2%9C%93&bad=%E2&flag#frag' }))).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two words' },
      { name: 'c', value: '✓' },
      { name: 'bad', value: '%E2' },
      { name: 'flag', value: '' }
    ])
    expect(requestCookies(message({ headers: [['Cookie', 'a=1; b=x=y'], ['cookie', 'c']] }))).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'x=y' },
      { name: 'c', value: '' }
    ])
    expect(responseCookies(message({ headers: [['Set-Cookie', 'id=7; Path=/; Domain=example.test; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; HttpOnly']] }))).toEqual([
      { name: 'id', value: '7', path: '/', domain: 'example.test', expires: '2015-10-21T07:28:00.000Z', secure: true, httpOnly: true }
    ])
  })

  it('takes timings from when each message began and ended', () => {
    const ex: HttpExchange = {
      index: 0,
      informational: [],
      state: 'complete',
      request: message({ startedAt: 1000, endedAt: 1002 }),
      response: message({ dir: 'server', startedAt: 1010, endedAt: 1015.5 })
    }
    const t = harTimings(ex)
    expect(t).toEqual({ blocked: -1, dns: -1, connect: -1, send: 2, wait: 8, receive: 5.5, ssl: -1 })
    expect(totalTime(t)).toBe(15.5)
    expect(harTimings({ ...ex, response: undefined, state: 'pending' })).toMatchObject({ send: 2, wait: 0, receive: 0 })
    expect(wireBodySize(message({ body: { framing: 'chunked', range: { dir: 'client', offset: 10, length: 42 }, size: 30, complete: true } }))).toBe(42)
  })
})
