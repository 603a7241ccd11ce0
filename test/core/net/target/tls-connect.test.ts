// TLS toward a target, through connect-target.ts: loading the user's files (one-line errors),
// the handshake recorded as a `tls` record with the leg's facts, verification failures worded
// as the issue words them, --insecure, SNI and ALPN per connect, resumption, mTLS, and a
// target that does not speak TLS. Real peers: Node's tls servers on port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as tls from 'node:tls'
import type { RecordedConnection } from '../../../../src/core/capture/write/recorded-connection'
import { ConnectError, Target, loadTlsConnect, type ConnectFailure } from '../../../../src/core/net/target/connect-target'
import { SESSION_TLS_FLAGS } from '../../../../src/core/tls/tls-errors'
import type { TlsEventInfo } from '../../../../src/shared/tls-types'
import { allEvents } from '../../../helpers/capture-checks'
import { testEngine, type TestEngine } from '../../../helpers/engine'
import { expectOneLine, oneLineRejection } from '../../../helpers/errors'
import { startServer, tempDir, waitFor } from '../../../helpers/net'
import { hasProgram, needProgram } from '../../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../../helpers/tls-certs'

let t: TestEngine
let certs: TestCerts
const tmp = tempDir()
const cleanups: Array<() => unknown> = []
const haveOpenssl = hasProgram('openssl')

beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

const tcp = (port: number, host = '127.0.0.1') => ({ kind: 'tcp' as const, host, port })
const record = (where: string): RecordedConnection => t.engine.capture.openConnection({ kind: 'client', ownerId: 'test', target: where })
const tlsEvents = async (rec: RecordedConnection): Promise<TlsEventInfo[]> =>
  (await allEvents(t.engine.capture, rec.id)).filter((e) => e.kind === 'tls').map((e) => e.info as unknown as TlsEventInfo)

/** A TLS echo server (answers `got:` + what it read), with these options. */
async function tlsServer(opts: tls.TlsOptions): Promise<{ port: number; seen: { servername?: string | false; alpn?: string | false }[] }> {
  const server = tls.createServer({ ...opts }, (s) => {
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, alpn: s.alpnProtocol ?? false })
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('got:'), d])))
    s.on('error', () => {})
  })
  const seen: { servername?: string | false; alpn?: string | false }[] = []
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  return { port: (server.address() as { port: number }).port, seen }
}

const leafServer = (extra: tls.TlsOptions = {}) => tlsServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey), ...extra })

async function echo(socket: tls.TLSSocket | import('node:net').Socket, text: string): Promise<string> {
  socket.write(text)
  const [d] = (await once(socket, 'data')) as [Buffer]
  return d.toString()
}

describe('loadTlsConnect', () => {
  it('refuses a missing, unreadable or wrong file in one line naming the flag', async () => {
    const missing = join(tmp.dir, 'nope.pem')
    expect(await oneLineRejection(loadTlsConnect({ ca: missing }))).toBe(`cannot read --upstream-ca ${missing}: no such file`)
    expect(await oneLineRejection(loadTlsConnect({ ca: tmp.dir }))).toBe(`cannot read --upstream-ca ${tmp.dir}: that is a folder; give a file path`)
    const junk = join(tmp.dir, 'junk.pem')
    writeFileSync(junk, 'not a certificate')
    expect(await oneLineRejection(loadTlsConnect({ ca: junk }))).toBe(`--upstream-ca ${junk} holds no certificate (PEM "-----BEGIN CERTIFICATE-----" or DER)`)
    expect(await oneLineRejection(loadTlsConnect({ cert: junk }))).toBe('--client-cert and --client-key go together: give both, or neither')
    expect(await oneLineRejection(loadTlsConnect({ ca: missing }, SESSION_TLS_FLAGS))).toBe(`cannot read --ca ${missing}: no such file`)
  })

  it('refuses a key that does not match its certificate', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const msg = await oneLineRejection(loadTlsConnect({ cert: certs.clientCert, key: certs.selfKey }))
    expect(msg).toMatch(new RegExp(`^cannot use --client-cert ${certs.clientCert} with --client-key ${certs.selfKey}: .+ \\(they must be PEM, and the key must match the certificate\\)$`))
  })
})

describe('connect-target over TLS', () => {
  it('verifies against --upstream-ca, records connected then the leg facts with the chain, and carries cleartext', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer({ ALPNProtocols: ['h2', 'http/1.1'] })
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, sni: 'upstream.test', alpn: ['h2'] }) })
    const rec = record(target.where)
    const socket = (await target.connect({ record: rec })) as tls.TLSSocket
    cleanups.push(() => socket.destroy())
    expect(await echo(socket, 'hello')).toBe('got:hello')
    expect((await allEvents(t.engine.capture, rec.id)).map((e) => e.kind)).toEqual(['open', 'connecting', 'connected', 'tls'])
    const [facts] = await tlsEvents(rec)
    expect(facts).toMatchObject({ ok: true, side: 'server', version: 'TLSv1.3', sni: 'upstream.test', alpn: 'h2' })
    expect(facts).not.toHaveProperty('unverified')
    if (!facts.ok || !('chain' in facts)) throw new Error('no chain')
    expect(facts.chain?.[0]).toMatchObject({ subject: 'CN=upstream.test', issuer: 'CN=tcpscope test CA', san: ['DNS:upstream.test', 'DNS:localhost', 'IP Address:127.0.0.1'] })
    expect(facts.chain?.[0].sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(peer.seen[0]).toEqual({ servername: 'upstream.test', alpn: 'h2' })
  })

  it('sends no SNI for an IP target and verifies the IP', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer()
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath }) })
    const socket = await target.connect({ record: record(target.where) })
    cleanups.push(() => socket.destroy())
    await waitFor(() => peer.seen.length > 0, 'the server to accept')
    expect(peer.seen[0].servername).toBe(false)
  })

  it("words a self-signed target's failure as the issue does, records it, and rejects with a ConnectError", async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await tlsServer({ cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({}) })
    const rec = record(target.where)
    const failed = target.connect({ record: rec })
    await expect(failed).rejects.toBeInstanceOf(ConnectError)
    const want = `cannot verify 127.0.0.1:${peer.port}'s certificate (self-signed, CN upstream.test): pass --upstream-ca FILE to trust it, or --insecure to skip verification`
    expect(await oneLineRejection(failed)).toBe(want)
    const events = await allEvents(t.engine.capture, rec.id)
    expect(events.map((e) => e.kind)).toEqual(['open', 'connecting', 'connected', 'tls', 'connect-failed', 'close'])
    expect(events[3].info).toEqual({ ok: false, side: 'server', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: want })
    expect(events[4].info).toEqual({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: want })
  })

  it('names the host the certificate does not cover', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer()
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, sni: 'other.test' }) })
    const msg = await oneLineRejection(target.connect({ record: record(target.where) }))
    expect(msg).toBe(`cannot verify 127.0.0.1:${peer.port}'s certificate (issued for DNS:upstream.test, DNS:localhost, IP Address:127.0.0.1, not for other.test): pass --sni NAME with a name it holds, or --insecure to skip verification`)
  })

  it('with verify off (--insecure) connects and records why it would have failed', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await tlsServer({ cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ verify: false }) })
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    cleanups.push(() => socket.destroy())
    expect(await echo(socket, 'x')).toBe('got:x')
    expect((await tlsEvents(rec))[0]).toMatchObject({ ok: true, unverified: 'self-signed, CN upstream.test' })
  })

  it('dial(): takes each connect its own SNI and ALPN, and sends what was written before the handshake', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer({ ALPNProtocols: ['x-two', 'x-one'] })
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, alpn: ['x-one'] }) })
    const rec = record(target.where)
    let connected = false
    const socket = target.dial(rec, { targetConnected: () => (connected = true), targetFailed: () => {} }, { servername: 'localhost', alpn: ['x-two'] })
    cleanups.push(() => socket.destroy())
    expect(await echo(socket, 'early')).toBe('got:early')
    expect(connected).toBe(true)
    expect(peer.seen[0]).toEqual({ servername: 'localhost', alpn: 'x-two' })
    expect((await allEvents(t.engine.capture, rec.id)).map((e) => e.kind)).toEqual(['open', 'connected', 'tls'])
  })

  it('resumes the session on the next connect to the same name', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer()
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, sni: 'upstream.test' }) })
    const first = await target.connect({ record: record(target.where) })
    // TLS 1.3 tickets come after the handshake: one exchange makes sure it is in.
    await echo(first, 'a')
    first.destroy()
    const rec = record(target.where)
    const second = await target.connect({ record: rec })
    cleanups.push(() => second.destroy())
    expect((await tlsEvents(rec))[0]).toMatchObject({ ok: true, resumed: true })
  })

  it('says a plain target does not speak TLS, naming the flag to drop', async () => {
    t = await testEngine()
    const plain = await startServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    cleanups.push(plain.close)
    const target = new Target({ target: tcp(plain.port), tls: await loadTlsConnect({}) })
    const rec = record(target.where)
    const failure = await new Promise<ConnectFailure>((resolve) => target.dial(rec, { targetConnected: () => {}, targetFailed: resolve }))
    expect(failure.message).toMatch(new RegExp(`^127\\.0\\.0\\.1:${plain.port} did not answer in TLS \\(wrong version number\\): is it a TLS port\\? If it speaks plain TCP, drop --tls-upstream$`))
    expect(failure.tls).toMatchObject({ side: 'server', code: 'ERR_SSL_WRONG_VERSION_NUMBER' })
    expectOneLine(failure.message)
  })

  it('mTLS: a target that asks for a client certificate gets one, and without one the error names the flags', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer({ requestCert: true, rejectUnauthorized: true, ca: certs.caPem })
    const withCert = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, cert: certs.clientCert, key: certs.clientKey }) })
    const ok = await withCert.connect({ record: record(withCert.where) })
    cleanups.push(() => ok.destroy())
    expect(await echo(ok, 'm')).toBe('got:m')

    const without = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath }) })
    const rec = record(without.where)
    // TLS 1.3: the client's handshake is done before the server checks its certificate; the refusal comes as the next read's error.
    const errors: string[] = []
    const socket = without.dial(rec, { targetConnected: () => {}, targetFailed: (f) => errors.push(f.message), targetError: (e) => errors.push(e.message) })
    cleanups.push(() => socket.destroy())
    await waitFor(() => errors.length > 0, 'the refusal')
    const want = `127.0.0.1:${peer.port} asked for a client certificate and none is configured (alert certificate_required): pass --client-cert FILE --client-key FILE`
    expect(errors).toEqual([want])
    expect((await tlsEvents(rec)).at(-1)).toEqual({ ok: false, side: 'server', code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', alert: 'certificate_required', message: want })
  })
})
