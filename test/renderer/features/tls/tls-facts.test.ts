// A connection's TLS as the list and the TLS view put it: the lock (decrypted, passed
// through, failed), the name it was for, shown beside the target only when it says more
// than the target's host, and which alerts the messages explain.
import { describe, expect, it } from 'vitest'
import type { ConnectionSummary } from '../../../../src/shared/capture-types'
import type { TlsSummary } from '../../../../src/shared/tls-types'
import { alertKey, alpnName, lockOf, lockOfConn, sniBesideTarget, sniOf } from '../../../../src/renderer/src/features/tls/tls-facts'

const leg = { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' }
const conn = (target: string, tls?: TlsSummary, protocol?: object): ConnectionSummary =>
  ({ id: 1, kind: 'proxy', ownerId: 'p1', target, openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open', tls, protocol }) as ConnectionSummary

describe('TLS facts of a connection', () => {
  it('gives a closed lock to a decrypted leg, an open one to TLS passed through, a broken one to a failure', () => {
    expect(lockOf(undefined)).toBeUndefined()
    expect(lockOf({ client: { side: 'client', ...leg } })).toBe('closed')
    expect(lockOf({ server: { side: 'server', ...leg } })).toBe('closed')
    expect(lockOf({ passthrough: { sni: 'a.test' } })).toBe('open')
    expect(lockOf({ client: { side: 'client', ...leg }, failure: { side: 'server', code: 'X', message: 'm' } })).toBe('broken')
    // A plain proxy that passed a ClientHello untouched: the decoders read the hello.
    expect(lockOfConn(conn('127.0.0.1:443', undefined, { protocol: 'unknown', hello: { sni: 'example.com' } }))).toBe('open')
  })

  it('names the SNI the client asked for first, and shows it beside the target only when it adds something', () => {
    expect(sniOf(conn('x:1', { sni: 'a.test', server: { side: 'server', ...leg, sni: 'b.test' } }))).toBe('a.test')
    expect(sniOf(conn('x:1', { server: { side: 'server', ...leg, sni: 'b.test' } }))).toBe('b.test')
    expect(sniOf(conn('x:1', { passthrough: { sni: 'c.test' } }))).toBe('c.test')
    expect(sniBesideTarget(conn('localhost:8443', { sni: 'localhost' }))).toBeUndefined()
    expect(sniBesideTarget(conn('LOCALHOST:8443', { sni: 'localhost' }))).toBeUndefined()
    expect(sniBesideTarget(conn('127.0.0.1:8443', { sni: 'upstream.test' }))).toBe('upstream.test')
    expect(sniBesideTarget(conn('127.0.0.1:8443', {}))).toBeUndefined()
  })

  it('explains the alerts people meet, and names ALPN ids as people say them', () => {
    expect(alertKey('unknown_ca')).toBe('tls.alert.unknown_ca')
    expect(alertKey('made_up')).toBeUndefined()
    expect(alertKey(undefined)).toBeUndefined()
    expect(alpnName('h2')).toBe('HTTP/2')
    expect(alpnName('imap')).toBe('imap')
  })
})
