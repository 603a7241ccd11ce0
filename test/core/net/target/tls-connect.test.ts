// TLS toward a target, through connect-target.ts: loading the user's files (one-line errors),
// the handshake recorded as a `tls` record with the leg's facts, verification failures worded
// as the issue words them (naming the CA that signed the chain, not the leaf), --insecure, SNI
// and ALPN per connect, resumption (a resumed leg records the chain and CA file the session
// was first verified with, and a session whose first handshake was refused is never
// resumed, nor kept in place of a good one), the bound on sessions kept across every leg, mTLS,
// and a target that does not speak TLS. Real peers: Node's tls servers on port 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import * as tls from 'node:tls'
import type { RecordedConnection } from '../../../../src/core/capture/write/recorded-connection'
import { ConnectError, Target, loadTlsConnect, type ConnectFailure } from '../../../../src/core/net/target/connect-target'
import { secureOver, SessionStore, TlsLeg, type KeptSession, type LegSessions } from '../../../../src/core/net/target/tls-connect'
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

/** A TLS echo server (answers `got:` + what it read), with these options; `resumed`: whether each handshake resumed a session, as the server saw it. */
async function tlsServer(opts: tls.TlsOptions): Promise<{ port: number; seen: { servername?: string | false; alpn?: string | false }[]; resumed: boolean[] }> {
  const resumed: boolean[] = []
  const server = tls.createServer({ ...opts }, (s) => {
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, alpn: s.alpnProtocol ?? false })
    resumed.push(s.isSessionReused())
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('got:'), d])))
    s.on('error', () => {})
  })
  const seen: { servername?: string | false; alpn?: string | false }[] = []
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  return { port: (server.address() as { port: number }).port, seen, resumed }
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

/** A leaf (CN chained.test) signed by an intermediate CA (CN tcpscope test intermediate) that a root (CN tcpscope test root) signed. */
function chainedCerts(): { leaf: Buffer; key: Buffer; intermediate: Buffer; root: Buffer } {
  const dir = join(tmp.dir, 'chained')
  mkdirSync(dir, { recursive: true })
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl(['req', '-x509', ...ec, '-keyout', 'root-key.pem', '-out', 'root.pem', '-days', '30', '-subj', '/CN=tcpscope test root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  const sign = (name: string, subj: string, by: string, ext: string): void => {
    openssl(['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subj])
    writeFileSync(join(dir, `${name}.ext`), ext)
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${by}.pem`, '-CAkey', `${by}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '30', '-extfile', `${name}.ext`])
  }
  sign('intermediate', '/CN=tcpscope test intermediate', 'root', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n')
  sign('leaf', '/CN=chained.test', 'intermediate', 'subjectAltName=DNS:chained.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  const read = (f: string): Buffer => readFileSync(join(dir, f))
  return { leaf: read('leaf.pem'), key: read('leaf-key.pem'), intermediate: read('intermediate.pem'), root: read('root.pem') }
}

describe('a certificate that does not verify names the CA that signed it', () => {
  const fix = 'pass --upstream-ca FILE to trust it, or --insecure to skip verification'
  /** The failure connecting (no CA file: nothing but the default roots) to a TLS server that shows `cert`. */
  async function refusal(cert: Buffer, key: Buffer): Promise<{ message: string; port: number }> {
    const peer = await tlsServer({ cert, key })
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({}) })
    return { message: await oneLineRejection(target.connect({ record: record(target.where) })), port: peer.port }
  }

  it('a self-signed leaf is its own CA: named by its own name', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const { message, port } = await refusal(certs.read(certs.selfCert), certs.read(certs.selfKey))
    expect(message).toBe(`cannot verify 127.0.0.1:${port}'s certificate (self-signed, CN upstream.test): ${fix}`)
  })

  it('a leaf signed by an untrusted CA the server sent: the CA, not the leaf', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const { message, port } = await refusal(Buffer.concat([certs.read(certs.leafCert), Buffer.from(certs.caPem)]), certs.read(certs.leafKey))
    expect(message).toBe(`cannot verify 127.0.0.1:${port}'s certificate (signed by an untrusted CA, CN tcpscope test CA): ${fix}`)
  })

  it('a leaf whose CA the server did not send: the CA by the name the leaf gives it', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const { message, port } = await refusal(certs.read(certs.leafCert), certs.read(certs.leafKey))
    expect(message).toBe(`cannot verify 127.0.0.1:${port}'s certificate (signed by an unknown CA, CN tcpscope test CA, not sent by the server): ${fix}`)
  })

  it('a chain through an intermediate: the root it ends at, sent or not', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const c = chainedCerts()
    const sent = await refusal(Buffer.concat([c.leaf, c.intermediate, c.root]), c.key)
    expect(sent.message).toBe(`cannot verify 127.0.0.1:${sent.port}'s certificate (chained to an untrusted CA, CN tcpscope test root): ${fix}`)
    const notSent = await refusal(Buffer.concat([c.leaf, c.intermediate]), c.key)
    expect(notSent.message).toBe(`cannot verify 127.0.0.1:${notSent.port}'s certificate (chained to an unknown CA, CN tcpscope test root, not sent by the server): ${fix}`)
  })
})

describe('a resumed session toward a target', () => {
  /** Connects, exchanges once (TLS 1.3 tickets come after the handshake), closes; the connection's `tls` records. */
  async function connectOnce(target: Target): Promise<TlsEventInfo[]> {
    const rec = record(target.where)
    const socket = await target.connect({ record: rec })
    expect(await echo(socket, 'a')).toBe('got:a')
    socket.destroy()
    return tlsEvents(rec)
  }

  it('records the chain and the CA file the session was first verified with, marked as the session’s (the handshake shows none)', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const peer = await leafServer({ maxVersion })
      const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, sni: 'upstream.test' }) })
      const [first] = await connectOnce(target)
      const [second] = await connectOnce(target)
      expect(peer.resumed).toEqual([false, true])
      expect(first).toMatchObject({ ok: true, version: maxVersion, caFile: certs.caPath })
      expect(first).not.toHaveProperty('resumed')
      expect(first).not.toHaveProperty('chainFromSession')
      if (!first.ok || !('chain' in first)) throw new Error('no chain on the first leg')
      expect(first.chain?.map((c) => c.subject)).toEqual(['CN=upstream.test', 'CN=tcpscope test CA'])
      expect(second).toEqual({ ...first, resumed: true, chainFromSession: true })
      // A third connect resumes too (a ticket a resumed handshake got carries the first verification on).
      const [third] = await connectOnce(target)
      expect(peer.resumed).toEqual([false, true, true])
      expect(third).toEqual(second)
    }
  })

  it('with --insecure, records why the first handshake would have failed (a resumed one checks no name)', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer()
    // The chain verifies; the name does not, and Node checks it only on a full handshake.
    const target = new Target({ target: tcp(peer.port), tls: await loadTlsConnect({ ca: certs.caPath, verify: false, sni: 'other.test' }) })
    const [first] = await connectOnce(target)
    const [second] = await connectOnce(target)
    expect(peer.resumed).toEqual([false, true])
    expect(first).toMatchObject({ ok: true, unverified: 'issued for DNS:upstream.test, DNS:localhost, IP Address:127.0.0.1, not for other.test' })
    expect(first).not.toHaveProperty('caFile')
    expect(second).toEqual({ ...first, resumed: true, chainFromSession: true })
  })

  it('is never one whose first handshake failed verification: a TLS 1.2 session comes before the verdict', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer({ maxVersion: 'TLSv1.2' })
    // secureOver (a forward proxy's tunnel, STARTTLS): the socket of a refused handshake closes a turn later.
    const leg = new TlsLeg(await loadTlsConnect({ ca: certs.caPath }), '127.0.0.1')
    const attempt = async (): Promise<TlsEventInfo[]> => {
      const raw = connect(peer.port, '127.0.0.1')
      await once(raw, 'connect')
      const where = `127.0.0.1:${peer.port}`
      const rec = record(where)
      const secured = await secureOver(leg, raw, { rec, where, servername: 'other.test', timeoutMs: 5000 })
      secured?.destroy()
      expect(secured).toBeUndefined()
      await waitFor(() => raw.destroyed, 'the refused connection to close')
      return tlsEvents(rec)
    }
    const want = `cannot verify 127.0.0.1:${peer.port}'s certificate (issued for DNS:upstream.test, DNS:localhost, IP Address:127.0.0.1, not for other.test): pass --sni NAME with a name it holds, or --insecure to skip verification`
    expect(await attempt()).toEqual([{ ok: false, side: 'server', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: want }])
    // Resumed, the name would not be checked again, and the refused server would pass.
    expect(await attempt()).toEqual([{ ok: false, side: 'server', code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: want }])
    expect(peer.resumed).toEqual([false, false])
  })
})

describe('the sessions kept for resumption', () => {
  /** Through secureOver (a forward proxy's tunnel), as `servername`: whether it was let through and resumed a session, as the server saw it. */
  async function over(leg: TlsLeg, peer: { port: number; resumed: boolean[] }, servername: string): Promise<{ ok: boolean; resumed: boolean }> {
    const raw = connect(peer.port, '127.0.0.1')
    await once(raw, 'connect')
    const where = `127.0.0.1:${peer.port}`
    const secured = await secureOver(leg, raw, { rec: record(where), where, servername, timeoutMs: 5000 })
    // TLS 1.3 sessions come after the handshake: one exchange makes sure they are in.
    if (secured !== undefined) expect(await echo(secured, 'a')).toBe('got:a')
    secured?.destroy()
    await waitFor(() => raw.destroyed, 'the connection to close')
    await waitFor(() => peer.resumed.length > 0, 'the server to see the handshake')
    return { ok: secured !== undefined, resumed: peer.resumed.splice(0).at(-1)! }
  }

  it('are bounded across every leg, oldest out, and each leg has its own bound', () => {
    const store = new SessionStore(5, 3)
    const legs: LegSessions[] = Array.from({ length: 4 }, () => new Map())
    const session = (name: string): KeptSession => ({ session: Buffer.from(name), check: {} })
    // A forward proxy's many destinations, each with many names.
    for (let i = 0; i < 100; i++) for (const leg of legs) store.keep(leg, `name${i}.test`, session(`name${i}`))
    expect(store.size).toBe(5)
    expect(legs.map((l) => l.size).reduce((a, b) => a + b)).toBe(5)
    // The five kept last.
    expect(legs.map((l) => [...l.keys()])).toEqual([['name99.test'], ['name99.test'], ['name99.test'], ['name98.test', 'name99.test']])
    // One leg alone: its own bound, the names it used last.
    const one: LegSessions = new Map()
    const alone = new SessionStore(100, 3)
    for (let i = 0; i < 10; i++) alone.keep(one, `n${i}`, session(`n${i}`))
    expect([...one.keys()]).toEqual(['n7', 'n8', 'n9'])
    // Kept again under its name: in place of the one before, and now the newest.
    alone.keep(one, 'n7', session('again'))
    expect([...one.keys()]).toEqual(['n8', 'n9', 'n7'])
    expect(one.get('n7')?.session.toString()).toBe('again')
    expect(alone.size).toBe(3)
  })

  it('a leg whose session the bound across legs pushed out makes a full handshake', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const peer = await leafServer()
    const store = new SessionStore(1)
    const tls = await loadTlsConnect({ ca: certs.caPath })
    const [a, b] = [new TlsLeg(tls, '127.0.0.1', store), new TlsLeg(tls, '127.0.0.1', store)]
    expect(await over(a, peer, 'upstream.test')).toEqual({ ok: true, resumed: false })
    expect(await over(a, peer, 'upstream.test')).toEqual({ ok: true, resumed: true })
    expect(await over(b, peer, 'upstream.test')).toEqual({ ok: true, resumed: false })
    // b's session took the one place: a's is gone.
    expect(await over(a, peer, 'upstream.test')).toEqual({ ok: true, resumed: false })
    expect(store.size).toBe(1)
  })

  it("never replaces a good session with a refused handshake's", async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      const good = await leafServer({ maxVersion })
      // Self-signed, for the same name: refused.
      const bad = await tlsServer({ cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey), maxVersion })
      const store = new SessionStore()
      const leg = new TlsLeg(await loadTlsConnect({ ca: certs.caPath }), '127.0.0.1', store)
      expect(await over(leg, good, 'upstream.test')).toEqual({ ok: true, resumed: false })
      expect(await over(leg, bad, 'upstream.test')).toEqual({ ok: false, resumed: false })
      // Given a moment: a TLS 1.3 session the refused server sent after the handshake would be in by now.
      await new Promise((r) => setTimeout(r, 50))
      expect(store.size).toBe(1)
      expect(await over(leg, good, 'upstream.test')).toEqual({ ok: true, resumed: true })
    }
  })
})
