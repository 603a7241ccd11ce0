// Endpoints as people type them: the CLI and the UI accept exactly these forms, and
// reject everything else with a message that says what to write instead.
import { describe, expect, it } from 'vitest'
import { EndpointError, formatEndpoint, parseEndpoint, type Endpoint } from '../../src/shared/endpoint'

describe('parseEndpoint', () => {
  it.each<[string, string | undefined, Endpoint]>([
    ['8080', '127.0.0.1', { kind: 'tcp', host: '127.0.0.1', port: 8080 }],
    ['0', '127.0.0.1', { kind: 'tcp', host: '127.0.0.1', port: 0 }],
    ['65535', '0.0.0.0', { kind: 'tcp', host: '0.0.0.0', port: 65535 }],
    ['127.0.0.1:6379', undefined, { kind: 'tcp', host: '127.0.0.1', port: 6379 }],
    ['localhost:80', undefined, { kind: 'tcp', host: 'localhost', port: 80 }],
    ['db.example.com:5432', undefined, { kind: 'tcp', host: 'db.example.com', port: 5432 }],
    ['[::1]:0', undefined, { kind: 'tcp', host: '::1', port: 0 }],
    ['[fe80::1%eth0]:22', undefined, { kind: 'tcp', host: 'fe80::1%eth0', port: 22 }],
    ['  127.0.0.1:80  ', undefined, { kind: 'tcp', host: '127.0.0.1', port: 80 }],
    ['/tmp/app.sock', undefined, { kind: 'unix', path: '/tmp/app.sock' }],
    ['./run/app.sock', undefined, { kind: 'unix', path: './run/app.sock' }],
    ['../app.sock', undefined, { kind: 'unix', path: '../app.sock' }],
    ['/tmp/with:colon.sock', undefined, { kind: 'unix', path: '/tmp/with:colon.sock' }]
  ])('reads %j (default host %j)', (input, defaultHost, expected) => {
    expect(parseEndpoint(input, defaultHost)).toEqual(expected)
  })

  it.each<[string, string | undefined, string]>([
    ['', undefined, 'empty address: give HOST:PORT or a socket path'],
    ['   ', '127.0.0.1', 'empty address: give HOST:PORT or a socket path'],
    ['70000', '127.0.0.1', 'bad port in "70000": use a number from 0 to 65535'],
    ['65536', '127.0.0.1', 'bad port in "65536": use a number from 0 to 65535'],
    ['abc', '127.0.0.1', 'bad port in "abc": use a number from 0 to 65535'],
    ['127.0.0.1:abc', undefined, 'bad port in "127.0.0.1:abc": use a number from 0 to 65535'],
    ['127.0.0.1:', undefined, 'bad port in "127.0.0.1:": use a number from 0 to 65535'],
    ['127.0.0.1:-1', undefined, 'bad port in "127.0.0.1:-1": use a number from 0 to 65535'],
    ['127.0.0.1:8080.5', undefined, 'bad port in "127.0.0.1:8080.5": use a number from 0 to 65535'],
    ['127.0.0.1:123456', undefined, 'bad port in "127.0.0.1:123456": use a number from 0 to 65535'],
    ['localhost', undefined, 'bad address "localhost": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path'],
    ['8080', undefined, 'bad address "8080": give HOST:PORT (e.g. 127.0.0.1:6379) or a socket path'],
    [':80', undefined, 'bad address ":80": the host is missing before ":"'],
    ['::1:80', undefined, 'bad address "::1:80": write IPv6 as [ADDR]:PORT'],
    ['[::1]', undefined, 'bad address "[::1]": write IPv6 as [ADDR]:PORT'],
    ['[::1', undefined, 'bad address "[::1": write IPv6 as [ADDR]:PORT'],
    ['[::1]80', undefined, 'bad address "[::1]80": write IPv6 as [ADDR]:PORT'],
    ['[::1]:x', undefined, 'bad port in "[::1]:x": use a number from 0 to 65535']
  ])('rejects %j (default host %j) in one line', (input, defaultHost, message) => {
    let err: unknown
    try {
      parseEndpoint(input, defaultHost)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(EndpointError)
    expect((err as Error).message).toBe(message)
    expect((err as Error).message).not.toMatch(/\n/)
  })
})

describe('formatEndpoint', () => {
  it.each(['127.0.0.1:80', '[::1]:8080', 'example.com:443', '/tmp/x.sock', '[fe80::1%eth0]:22'])('round-trips %j', (text) => {
    expect(formatEndpoint(parseEndpoint(text))).toBe(text)
  })

  it('brackets IPv6 hosts so the port stays readable', () => {
    expect(formatEndpoint({ kind: 'tcp', host: '::', port: 0 })).toBe('[::]:0')
    expect(formatEndpoint({ kind: 'tcp', host: '0.0.0.0', port: 0 })).toBe('0.0.0.0:0')
  })
})
