// TLS on a proxy's legs, with real peers (Node's tls on port 0): the four combinations
// plain/TLS x plain/TLS carry the cleartext exactly both ways and record it, FIN and RST
// pass as they did; SNI mirrored or overridden, ALPN mirrored; verification failures worded
// as the issue words them and shown to the client as a clean close; --insecure; a client
// that cannot be served leaves the proxy serving.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { type Socket } from 'node:net'
import * as tls from 'node:tls'
import type { CaptureEvent, ConnectionSummary } from '../../../src/shared/capture-types'
import type { TlsEventInfo } from '../../../src/shared/tls-types'
import { collect, connectTo, outcomeOf, randomPayload, sha256, startServer, tempDir, waitFor } from '../../helpers/net'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { allEvents } from '../../helpers/capture-checks'
import { hasProgram, needProgram } from '../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

let t: TestEngine
let certs: TestCerts
let caPem: string
const tmp = tempDir()
const cleanups: Array<() => unknown> = []
const haveOpenssl = hasProgram('openssl')
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(() => {
  process.env.TCPSCOPE_DATA_DIR = tmp.dir
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
  tmp.cleanup()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

async function engine(): Promise<TestEngine> {
  t = await testEngine()
  caPem = (await t.engine.ca()).info().pem
  return t
}

interface Seen {
  servername: string | false | undefined
  alpn: string | false
  socket: tls.TLSSocket
}

/** A TLS server (the test CA's leaf) that runs `handle` per connection and notes what each asked for. */
async function tlsUpstream(handle: (s: tls.TLSSocket) => void, opts: tls.TlsOptions = {}): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = tls.createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey), allowHalfOpen: true, ...opts } as tls.TlsOptions, (s) => {
    seen.push({ servername: (s as unknown as { servername?: string | false }).servername, alpn: s.alpnProtocol ?? false, socket: s })
    s.on('error', () => {})
    handle(s)
  })
  server.on('tlsClientError', () => {})
  // Half-open sockets whose handshake failed stay until destroyed: close() would wait for them.
  const raw = new Set<Socket>()
  server.on('connection', (s: Socket) => raw.add(s))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => {
    for (const s of raw) s.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })
  return { port: (server.address() as { port: number }).port, seen }
}

/** Reads everything, then answers with `reply` and a FIN. */
const answerThenEnd = (reply: Buffer) => (s: Socket) => {
  const parts: Buffer[] = []
  s.on('data', (d: Buffer) => parts.push(d))
  s.on('end', () => s.end(Buffer.concat([reply, Buffer.from(`|${sha256(Buffer.concat(parts))}`)])))
}

function tlsClient(port: number, opts: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  const s = tls.connect({ host: '127.0.0.1', port, ca: caPem, servername: 'upstream.test', allowHalfOpen: true, ...opts } as tls.ConnectionOptions)
  cleanups.push(() => s.destroy())
  return new Promise((resolve, reject) => {
    s.once('secureConnect', () => resolve(s))
    s.once('error', reject)
  })
}

async function closedConn(n = 1): Promise<ConnectionSummary> {
  return waitFor(() => {
    const conns = t.engine.capture.connections()
    return conns.length >= n && conns[n - 1].end !== 'open' ? conns[n - 1] : undefined
  }, 'the connection to close')
}

async function recorded(c: ConnectionSummary, dir: 'client' | 'server'): Promise<Buffer> {
  return Buffer.from(await t.engine['conn.read']({ capture: 'live', connId: c.id, dir, offset: 0, length: c.bytes[dir] }))
}

const tlsRecords = async (c: ConnectionSummary): Promise<TlsEventInfo[]> => (await allEvents(t.engine.capture, c.id)).filter((e) => e.kind === 'tls').map((e) => e.info as unknown as TlsEventInfo)
const kinds = async (c: ConnectionSummary): Promise<CaptureEvent['kind'][]> => (await allEvents(t.engine.capture, c.id)).map((e) => e.kind)

/** Sends `payload` and a FIN through `client`; resolves with what came back before the proxy's FIN. */
async function roundTrip(client: Socket, payload: Buffer): Promise<Buffer> {
  const got = collect(client)
  client.end(payload)
  return got
}

describe('proxy with TLS on its legs', () => {
  it('TLS -> TLS: mirrors SNI and ALPN, answers with the leaf of its CA, and records the cleartext exactly both ways with FINs', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const reply = randomPayload(200_000)
    const up = await tlsUpstream(answerThenEnd(reply), { ALPNProtocols: ['h2', 'http/1.1'] })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: { ca: certs.caPath } })
    expect(proxy).toMatchObject({ tlsListen: true, tlsUpstream: true })
    const client = await tlsClient(portOf(proxy.listen), { ALPNProtocols: ['h2', 'http/1.1'] })
    expect(client.alpnProtocol).toBe('h2')
    expect(client.getPeerCertificate().subject).toMatchObject({ CN: 'upstream.test' })
    const payload = randomPayload(300_000)
    const got = await roundTrip(client, payload)
    expect(got.equals(Buffer.concat([reply, Buffer.from(`|${sha256(payload)}`)]))).toBe(true)
    expect(up.seen[0]).toMatchObject({ servername: 'upstream.test', alpn: 'h2' })
    const c = await closedConn()
    expect(c.end).toBe('closed')
    expect((await recorded(c, 'client')).equals(payload)).toBe(true)
    expect((await recorded(c, 'server')).equals(got)).toBe(true)
    const events = await kinds(c)
    expect(events.filter((k) => k === 'fin')).toHaveLength(2)
    const [server, clientLeg] = await tlsRecords(c)
    expect(server).toMatchObject({ ok: true, side: 'server', sni: 'upstream.test', alpn: 'h2', version: 'TLSv1.3' })
    expect(clientLeg).toMatchObject({ ok: true, side: 'client', sni: 'upstream.test', alpn: 'h2', version: 'TLSv1.3' })
    expect(c.tls).toMatchObject({ sni: 'upstream.test', alpn: 'h2' })
  })

  it('TLS -> TLS with --sni: sends its name upstream, still answers the client for the name it asked', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream((s) => s.end('ok'))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: { ca: certs.caPath, sni: 'localhost' } })
    const client = await tlsClient(portOf(proxy.listen), { servername: 'app.example' })
    expect(client.getPeerCertificate().subject).toMatchObject({ CN: 'app.example' })
    expect((await collect(client)).toString()).toBe('ok')
    expect(up.seen[0].servername).toBe('localhost')
  })

  it('TLS -> TLS without SNI: answers with a leaf for the target IP, sends no SNI upstream', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream((s) => s.end('ok'))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: { ca: certs.caPath } })
    const client = await tlsClient(portOf(proxy.listen), { servername: undefined, checkServerIdentity: (_host, cert) => tls.checkServerIdentity('127.0.0.1', cert) })
    expect(client.getPeerCertificate().subjectaltname).toContain('IP Address:127.0.0.1')
    expect((await collect(client)).toString()).toBe('ok')
    expect(up.seen[0].servername).toBe(false)
  })

  it('plain -> TLS: the client speaks plain TCP, the target TLS (SNI: the target host name)', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream(answerThenEnd(Buffer.from('secure reply')))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `localhost:${up.port}`, tlsUpstream: { ca: certs.caPath } })
    const client = await connectTo(portOf(proxy.listen))
    const got = await roundTrip(client, Buffer.from('plain request'))
    expect(got.toString()).toBe(`secure reply|${sha256(Buffer.from('plain request'))}`)
    expect(up.seen[0].servername).toBe('localhost')
    const c = await closedConn()
    expect((await recorded(c, 'client')).toString()).toBe('plain request')
    expect(await tlsRecords(c)).toHaveLength(1)
  })

  it('TLS -> plain: the proxy terminates TLS and the target reads cleartext', async () => {
    await engine()
    const up = await startServer(answerThenEnd(Buffer.from('plain reply')))
    cleanups.push(up.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: { name: 'svc.test' } })
    const client = await tlsClient(portOf(proxy.listen), { servername: undefined, checkServerIdentity: (_h, cert) => tls.checkServerIdentity('svc.test', cert), ALPNProtocols: ['h2'] })
    // No TLS upstream settles an ALPN: the client is answered with none.
    expect(client.alpnProtocol).toBe(false)
    const got = await roundTrip(client, Buffer.from('secret'))
    expect(got.toString()).toBe(`plain reply|${sha256(Buffer.from('secret'))}`)
    const c = await closedConn()
    expect((await recorded(c, 'client')).toString()).toBe('secret')
    expect((await tlsRecords(c)).map((r) => r.side)).toEqual(['client'])
  })

  it("a target whose certificate does not verify: the issue's one line recorded, and the plain client sees a clean close", async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream((s) => s.end('never'), { cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsUpstream: {} })
    const client = await connectTo(portOf(proxy.listen))
    const outcome = await outcomeOf(client, { endOnFin: true })
    expect(outcome).toMatchObject({ ended: true })
    const c = await closedConn()
    const want = `cannot verify 127.0.0.1:${up.port}'s certificate (self-signed, CN upstream.test): pass --upstream-ca FILE to trust it, or --insecure to skip verification`
    expect(c.end).toBe('connect-failed')
    expect((await allEvents(t.engine.capture, c.id)).find((e) => e.kind === 'connect-failed')?.info).toMatchObject({ message: want })
    expect(c.tls?.failure).toMatchObject({ side: 'server', message: want })
  })

  it('a TLS client of a target that fails verification sees its handshake closed, and --insecure lets it through', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream((s) => s.end('through'), { cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const strict = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: {} })
    await expect(tlsClient(portOf(strict.listen))).rejects.toMatchObject({ code: 'ECONNRESET' })
    const c = await closedConn()
    expect(c.tls?.failure?.message).toMatch(/^cannot verify 127\.0\.0\.1:\d+'s certificate \(self-signed, CN upstream\.test\)/)
    const loose = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: { verify: false } })
    const client = await tlsClient(portOf(loose.listen))
    expect((await collect(client)).toString()).toBe('through')
    client.end()
    const second = await closedConn(2)
    expect((await tlsRecords(second))[0]).toMatchObject({ ok: true, side: 'server', unverified: 'self-signed, CN upstream.test' })
  })

  it('passes a reset on as a reset, both ways, over TLS legs (a reset that follows data too)', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const tcpOf = (s: Socket): Socket => (s as unknown as { _parent: Socket })._parent
    const echo = await tlsUpstream((s) => s.on('data', (d: Buffer) => s.write(d)))
    // Data and the RST that follows it can arrive in one read, which Node reports as an end: the capture must still say reset.
    const dataThenReset = await tlsUpstream((s) => s.on('data', () => s.write('x', () => tcpOf(s).resetAndDestroy())))
    const resetAtOnce = await tlsUpstream((s) => s.on('data', () => tcpOf(s).resetAndDestroy()))
    const start = async (port: number): Promise<number> =>
      portOf((await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${port}`, tlsListen: {}, tlsUpstream: { ca: certs.caPath } })).listen)

    const first = await tlsClient(await start(dataThenReset.port))
    first.write('go')
    await outcomeOf(first, { endOnFin: true })
    expect((await closedConn(1)).end).toBe('server-reset')

    const second = await tlsClient(await start(resetAtOnce.port))
    second.write('go')
    expect((await outcomeOf(second)).error).toBe('ECONNRESET')
    expect((await closedConn(2)).end).toBe('server-reset')

    // The client resets: the target sees a reset.
    const tcp = await connectTo(await start(echo.port))
    const third = await tlsClient(0, { socket: tcp })
    third.write('hello')
    await once(third, 'data')
    const upOutcome = outcomeOf(echo.seen[0].socket)
    tcp.resetAndDestroy()
    expect((await upOutcome).error).toBe('ECONNRESET')
    expect((await closedConn(3)).end).toBe('client-reset')
  })

  it('resumes TLS sessions toward clients (tickets) and toward the target', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    await engine()
    const up = await tlsUpstream((s) => s.on('data', (d: Buffer) => s.end(d)))
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {}, tlsUpstream: { ca: certs.caPath, sni: 'upstream.test' } })
    const first = await tlsClient(portOf(proxy.listen))
    const session = new Promise<Buffer>((r) => first.once('session', r))
    first.write('one')
    await once(first, 'data')
    const ticket = await session
    first.end()
    await closedConn(1)
    const second = await tlsClient(portOf(proxy.listen), { session: ticket })
    expect(second.isSessionReused()).toBe(true)
    second.end('two')
    const c = await closedConn(2)
    const legs = await tlsRecords(c)
    expect(legs.find((l) => l.side === 'client')).toMatchObject({ ok: true, resumed: true })
    expect(legs.find((l) => l.side === 'server')).toMatchObject({ ok: true, resumed: true })
  })

  it('refuses a client that does not speak TLS with a recorded reason, and keeps serving', async () => {
    await engine()
    const up = await startServer((s) => s.end('plain'))
    cleanups.push(up.close)
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${up.port}`, tlsListen: {} })
    const plain = await connectTo(portOf(proxy.listen))
    plain.write('GET / HTTP/1.1\r\n\r\n')
    expect(await outcomeOf(plain, { endOnFin: true })).toMatchObject({ ended: true })
    const truncated = await connectTo(portOf(proxy.listen))
    truncated.end(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00]))
    await outcomeOf(truncated, { endOnFin: true })
    const c = await closedConn()
    expect(c.tls?.failure?.message).toBe('the client did not speak TLS (its first bytes are no TLS hello): connect with TLS, or run the proxy without --tls-listen')
    // A FIN in the middle of a hello is an unreadable hello, recorded as such, not a quiet close.
    const cut = await closedConn(2)
    expect(cut.tls?.failure).toMatchObject({ side: 'client', code: 'EBADHELLO', message: "the client's TLS hello could not be read (the ClientHello was cut short by the client's FIN)" })
    expect(cut.end).toBe('error')
    const client = await tlsClient(portOf(proxy.listen), { servername: undefined, checkServerIdentity: () => undefined })
    expect((await collect(client)).toString()).toBe('plain')
  })
})
