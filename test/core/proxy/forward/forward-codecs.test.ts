// The forward proxy's pure pieces: SOCKS5 messages, the proxy's HTTP request head, the
// credentials check, and the absolute-form rewriting stage fed in every possible split.
import { describe, expect, it } from 'vitest'
import { AbsoluteFormStage } from '../../../../src/core/proxy/forward/absolute-form-stage'
import { absoluteTarget, parseAuthority, readProxyRequest } from '../../../../src/core/proxy/forward/http-proxy-request'
import { ProxyAuth } from '../../../../src/core/proxy/forward/proxy-auth'
import { chooseMethod, readGreeting, readRequest, readUserPass, replyFor, socksReply } from '../../../../src/core/proxy/forward/socks5'
import type { StagePort } from '../../../../src/core/proxy/forward-stage'

describe('SOCKS5 messages', () => {
  it('reads each address type, and waits for a request that has not come whole', () => {
    const port = [0x1f, 0x90]
    expect(readRequest(Buffer.from([5, 1, 0, 1, 10, 0, 0, 1, ...port]))).toEqual({ state: 'ok', host: '10.0.0.1', port: 8080, length: 10 })
    const v6 = Buffer.from([5, 1, 0, 4, ...Array<number>(15).fill(0), 1, ...port])
    expect(readRequest(v6)).toEqual({ state: 'ok', host: '::1', port: 8080, length: 22 })
    const name = Buffer.from('example.com')
    expect(readRequest(Buffer.from([5, 1, 0, 3, name.length, ...name, ...port]))).toMatchObject({ host: 'example.com', port: 8080 })
    for (let n = 0; n < v6.length; n++) expect(readRequest(v6.subarray(0, n)).state).toBe('need-more')
  })

  it('refuses with the RFC reply code: command, address type, host name, port 0', () => {
    expect(readRequest(Buffer.from([5, 2, 0, 1, 1, 2, 3, 4, 0, 80]))).toMatchObject({ state: 'bad', reply: 7 })
    expect(readRequest(Buffer.from([5, 1, 0, 7, 1, 2, 3, 4, 0, 80]))).toMatchObject({ state: 'bad', reply: 8 })
    expect(readRequest(Buffer.from([5, 1, 0, 3, 3, 0x61, 0x00, 0x62, 0, 80]))).toMatchObject({ state: 'bad', reply: 4 })
    expect(readRequest(Buffer.from([5, 1, 0, 1, 1, 2, 3, 4, 0, 0]))).toMatchObject({ state: 'bad', reply: 2 })
    expect(replyFor('ECONNREFUSED')).toBe(5)
    expect(replyFor('ENETUNREACH')).toBe(3)
    expect(replyFor('ETIMEDOUT')).toBe(4)
    expect(replyFor('ENOTFOUND')).toBe(4)
    expect(replyFor('EMFILE')).toBe(1)
  })

  it('chooses a method, reads credentials, and writes replies with the bound address', () => {
    expect(readGreeting(Buffer.from([5, 2, 0, 2]))).toMatchObject({ state: 'ok', length: 4 })
    expect(readGreeting(Buffer.from([5, 0]))).toMatchObject({ state: 'bad' })
    expect(chooseMethod(Buffer.from([0, 2]), false)).toBe(0)
    expect(chooseMethod(Buffer.from([0, 2]), true)).toBe(2)
    expect(chooseMethod(Buffer.from([0]), true)).toBe(0xff)
    expect(readUserPass(Buffer.from([1, 1, 0x61, 2, 0x62, 0x63]))).toMatchObject({ state: 'ok', length: 6 })
    expect(readUserPass(Buffer.from([1, 1, 0x61, 2, 0x62])).state).toBe('need-more')
    expect([...socksReply(0, { address: '127.0.0.1', port: 258, family: 'IPv4' })]).toEqual([5, 0, 0, 1, 127, 0, 0, 1, 1, 2])
    const v6 = socksReply(0, { address: '::ffff:10.0.0.1', port: 1, family: 'IPv6' })
    expect([...v6.subarray(3, 4)]).toEqual([4])
    expect([...v6.subarray(14, 20)]).toEqual([0xff, 0xff, 10, 0, 0, 1])
    expect([...socksReply(5)]).toEqual([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
  })
})

describe('the proxy request head', () => {
  it('reads CONNECT and absolute-form, with the port HTTP implies', () => {
    const c = readProxyRequest(Buffer.from('CONNECT [::1]:443 HTTP/1.1\r\nHost: x\r\n\r\nrest'))
    expect(c).toMatchObject({ state: 'ok', request: { via: 'CONNECT', host: '::1', port: 443, headLength: 39 } })
    expect(absoluteTarget('http://Example.com?q=1')).toEqual({ host: 'Example.com', port: 80, path: '/?q=1' })
    expect(absoluteTarget('HTTP://h:8080/a/../b')).toEqual({ host: 'h', port: 8080, path: '/a/../b' })
    expect(absoluteTarget('http://u:p@h/')).toMatch(/user information/)
    expect(parseAuthority('h:0', undefined)).toMatch(/bad port 0/)
    expect(parseAuthority('h:99999', undefined)).toMatch(/bad port/)
    expect(parseAuthority('[zz]:1', undefined)).toMatch(/not an IPv6 address/)
    expect(parseAuthority('a b:1', undefined)).toMatch(/not a host name/)
  })

  it('waits for a head in pieces, and bounds the line and the head', () => {
    const head = Buffer.from('CONNECT h:1 HTTP/1.1\r\nA: b\r\n\r\n')
    for (let n = 1; n < head.length; n++) expect(readProxyRequest(head.subarray(0, n)).state).toBe('need-more')
    expect(readProxyRequest(Buffer.from(`GET /${'x'.repeat(8200)}`))).toMatchObject({ state: 'bad', status: 414 })
    expect(readProxyRequest(Buffer.from(`CONNECT h:1 HTTP/1.1\r\n${'A: b\r\n'.repeat(3000)}`))).toMatchObject({ state: 'bad', status: 431 })
    expect(readProxyRequest(Buffer.from('CONNECT h:1 HTTP/2.0\r\n\r\n'))).toMatchObject({ state: 'bad', status: 505 })
  })
})

describe('proxy credentials', () => {
  it('checks Basic and SOCKS5 credentials; the password may hold colons', () => {
    const auth = ProxyAuth.parse('alice:a:b')
    const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`
    expect(auth.checkHeader([basic('alice:a:b')])).toBe(true)
    expect(auth.checkHeader(['basic   ' + Buffer.from('alice:a:b').toString('base64')])).toBe(true)
    expect(auth.checkHeader([basic('alice:a')])).toBe(false)
    expect(auth.checkHeader([basic('alic:ea:b')])).toBe(false)
    expect(auth.checkHeader(['Bearer x', basic('alice:a:b')])).toBe(true)
    expect(auth.checkHeader([])).toBe(false)
    expect(auth.check(Buffer.from('alice'), Buffer.from('a:b'))).toBe(true)
    expect(auth.check(Buffer.from('alice'), Buffer.from('a:c'))).toBe(false)
    expect(() => ProxyAuth.parse('nocolon')).toThrow(/give USER:PASS/)
    expect(() => ProxyAuth.parse(`u:${'p'.repeat(256)}`)).toThrow(/255 bytes/)
  })
})

describe('the absolute-form stage', () => {
  const run = (input: Buffer, cut: number[]): { out: string; ended: boolean } => {
    const stage = new AbsoluteFormStage({ host: 'h.test', port: 8080 })
    let out = ''
    let ended = false
    const port: StagePort = { send: (b) => ((out += b.toString('latin1')), true), end: () => (ended = true), hold: () => {}, event: () => {}, reset: () => {}, close: () => {}, refuse: () => {}, fail: () => {} }
    let at = 0
    for (const c of [...cut, input.length]) {
      if (c > at) stage.data(input.subarray(at, c), port)
      at = Math.max(at, c)
    }
    if (!ended) stage.fin(port)
    return { out, ended }
  }

  it('rewrites heads and passes bodies the same however the bytes were split', () => {
    const input = Buffer.from(
      'POST http://h.test:8080/up HTTP/1.1\r\nHost: h.test:8080\r\nProxy-Authorization: Basic eDp5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' +
        'GET http://H.TEST:8080/two HTTP/1.1\r\nHost: elsewhere\r\nProxy-Connection: keep-alive\r\n\r\n'
    )
    const expected =
      'POST /up HTTP/1.1\r\nHost: h.test:8080\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' + 'GET /two HTTP/1.1\r\nHost: h.test:8080\r\n\r\n'
    expect(run(input, []).out).toBe(expected)
    for (let i = 1; i < input.length; i++) expect(run(input, [i]).out).toBe(expected)
    expect(run(input, Array.from({ length: input.length }, (_, i) => i)).out).toBe(expected)
  })

  it('stops before a request for another origin and ends the origin\'s side', () => {
    const input = Buffer.from('GET http://h.test:8080/ HTTP/1.1\r\nHost: h.test:8080\r\n\r\nGET http://other.test/ HTTP/1.1\r\nHost: other.test\r\n\r\n')
    for (const cut of [[], [10], [60], [70]]) {
      const r = run(input, cut)
      expect(r.out).toBe('GET / HTTP/1.1\r\nHost: h.test:8080\r\n\r\n')
      expect(r.ended).toBe(true)
    }
  })

  it('passes what follows an Upgrade request untouched, and throws on bytes that are not HTTP', () => {
    const up = Buffer.from('GET http://h.test:8080/ws HTTP/1.1\r\nHost: h.test:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello', 'latin1')
    expect(run(up, [80]).out).toBe('GET /ws HTTP/1.1\r\nHost: h.test:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello')
    expect(() => run(Buffer.from('\x00\x01garbage\r\n\r\n'), [])).toThrow(/cannot read the client's HTTP/)
  })
})
