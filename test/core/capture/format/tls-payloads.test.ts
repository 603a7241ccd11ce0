// The `tls` record's payload as a file gives it back (hostile input): the three shapes are
// kept with only their known fields, bounded; anything else is dropped. And how a
// connection's records fold into its TlsSummary.
import { describe, expect, it } from 'vitest'
import { foldTls, tlsEventOf, tlsSummaryOf } from '../../../../src/core/capture/format/tls-payloads'
import type { TlsEventInfo } from '../../../../src/shared/tls-types'

const cert = { subject: 'CN=upstream.test', issuer: 'CN=tcpscope test CA', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2026-01-01T00:00:00.000Z', sha256: 'AB:CD', san: ['DNS:upstream.test'] }
const serverLeg: TlsEventInfo = { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1', chain: [cert] }
const clientLeg: TlsEventInfo = { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', sni: 'api.test', alpn: 'h2', resumed: true }

describe('tls record payloads', () => {
  it('keeps each shape as written', () => {
    expect(tlsEventOf(JSON.parse(JSON.stringify(serverLeg)), 'server')).toEqual(serverLeg)
    expect(tlsEventOf(clientLeg, 'client')).toEqual(clientLeg)
    const failure = { ok: false, side: 'client', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', alert: 'unknown_ca', message: "the client rejected tcpscope's certificate (alert unknown_ca)" }
    expect(tlsEventOf(failure, 'client')).toEqual(failure)
    const hello = { ok: true, passthrough: true, side: 'client', sni: 'pass.test', alpn: ['h2', 'http/1.1'] }
    expect(tlsEventOf(hello, 'client')).toEqual(hello)
  })

  it.each<[string, unknown, 'client' | 'server' | undefined]>([
    ['not an object', 'TLSv1.3', 'client'],
    ['null', null, 'client'],
    ['an array', [serverLeg], 'server'],
    ['no ok', { side: 'server', version: 'TLSv1.3', cipher: 'x' }, 'server'],
    ['a leg without its version', { ok: true, side: 'server', cipher: 'x' }, 'server'],
    ['a numeric cipher', { ok: true, side: 'server', version: 'TLSv1.3', cipher: 7 }, 'server'],
    ['a side that is not its direction', { ...serverLeg, side: 'client' }, 'server'],
    ['an unknown side', { ...serverLeg, side: 'upstream' }, undefined],
    ['a failure without its message', { ok: false, side: 'server', code: 'X' }, 'server'],
    ['a pass-through hello on the server leg', { ok: true, passthrough: true, side: 'server', sni: 'x' }, 'server']
  ])('drops %s', (_, payload, side) => {
    expect(tlsEventOf(payload, side)).toBeUndefined()
  })

  it('keeps only known fields, and bounds strings, chains and lists', () => {
    const long = 'x'.repeat(100_000)
    const e = tlsEventOf(
      {
        ...serverLeg,
        extra: { huge: long },
        sni: long,
        resumed: 'yes',
        chain: [...Array.from({ length: 50 }, () => ({ ...cert, evil: 1 })), { subject: 1 }, null, 'x'],
        unverified: 42
      },
      'server'
    )
    expect(e).toBeDefined()
    const leg = e as Extract<TlsEventInfo, { version: string }>
    expect(Object.keys(leg).sort()).toEqual(['alpn', 'chain', 'cipher', 'ok', 'side', 'sni', 'version'])
    expect(leg.sni).toHaveLength(1024)
    expect(leg.chain).toHaveLength(8)
    expect(leg.chain![0]).toEqual(cert)
    // A CA file's path is kept whole or not at all: a cut path would name another file.
    expect(tlsEventOf({ ...serverLeg, caFile: '/etc/ca.pem' }, 'server')).toMatchObject({ caFile: '/etc/ca.pem' })
    for (const caFile of ['/' + 'x'.repeat(5000), 7, '']) expect(tlsEventOf({ ...serverLeg, caFile }, 'server')).not.toHaveProperty('caFile')
    // Absolute as tcpscope writes it (POSIX, or a Windows drive's), printable; else not a path tcpscope wrote.
    for (const caFile of ['C:\\certs\\ca.pem', 'd:/certs/ca.pem', '/home/\u00e9/ca.pem']) expect(tlsEventOf({ ...serverLeg, caFile }, 'server')).toMatchObject({ caFile })
    for (const caFile of ['ca.pem', './ca.pem', '../ca.pem', '~/ca.pem', '\\\\evil.example\\share\\ca.pem', 'C:ca.pem', '/tmp/x\ny', '/tmp/\u0000', '/tmp/\u001b[2J', '/tmp/\u009b']) {
      expect(tlsEventOf({ ...serverLeg, caFile }, 'server')).not.toHaveProperty('caFile')
    }
    // A chain from the session only on a resumed leg, and only as `true`.
    const fromSession = { ...serverLeg, resumed: true, chainFromSession: true, caFile: '/etc/ca.pem' }
    expect(tlsEventOf(JSON.parse(JSON.stringify(fromSession)), 'server')).toEqual(fromSession)
    expect(tlsSummaryOf({ server: fromSession })?.server).toMatchObject({ resumed: true, chainFromSession: true, caFile: '/etc/ca.pem', chain: [cert] })
    expect(tlsEventOf({ ...serverLeg, chainFromSession: true }, 'server')).not.toHaveProperty('chainFromSession')
    expect(tlsEventOf({ ...serverLeg, resumed: true, chainFromSession: 'yes' }, 'server')).not.toHaveProperty('chainFromSession')
    const hello = tlsEventOf({ ok: true, passthrough: true, side: 'client', alpn: [...Array.from({ length: 100 }, () => 'h2'), 5] }, 'client')
    expect(hello).toMatchObject({ alpn: expect.any(Array) as unknown })
    expect((hello as { alpn: string[] }).alpn).toHaveLength(16)
  })

  it('folds legs, the first failure and a hello into one summary, without changing the one it was given', () => {
    const first = foldTls(undefined, serverLeg)
    expect(first).toEqual({ server: { side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1', chain: [cert] }, sni: 'upstream.test', alpn: 'http/1.1' })
    const both = foldTls(first, clientLeg)
    // The client's name and the protocol it settled on win: that is what the connection was for.
    expect(both).toMatchObject({ sni: 'api.test', alpn: 'h2', client: { resumed: true } })
    expect(first.client).toBeUndefined()
    const failed = foldTls(foldTls(both, { ok: false, side: 'server', code: 'A', message: 'first' }), { ok: false, side: 'client', code: 'B', message: 'second' })
    expect(failed.failure).toEqual({ side: 'server', code: 'A', message: 'first' })
    const passed = foldTls(undefined, { ok: true, passthrough: true, side: 'client', sni: 'pass.test', alpn: ['h2'] })
    expect(passed).toEqual({ passthrough: { sni: 'pass.test', alpn: ['h2'] }, sni: 'pass.test' })
  })

  it('reads a stored summary back through the same checks', () => {
    const s = foldTls(foldTls(foldTls(undefined, serverLeg), clientLeg), { ok: false, side: 'server', code: 'X', alert: 'bad_certificate', message: 'm' })
    expect(tlsSummaryOf(JSON.parse(JSON.stringify(s)))).toEqual(s)
    expect(tlsSummaryOf({ client: { version: 1 }, failure: 'no', sni: 'made-up' })).toBeUndefined()
    expect(tlsSummaryOf([s])).toBeUndefined()
    // A stored summary's own `sni` is not trusted: it is derived from the legs again.
    expect(tlsSummaryOf({ ...s, sni: 'made-up' })?.sni).toBe('api.test')
  })
})
