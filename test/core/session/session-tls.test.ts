// Client and server sessions with TLS, against Node's `tls` as the real peer on the other
// side: the handshake's facts recorded on the right leg, the cleartext recorded and answered
// as over TCP (echo, rules, a canned HTTP answer, interval sends), verification on by default
// with its one-line failure, --insecure, mTLS, and a client that rejects tcpscope's leaf.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { join } from 'node:path'
import * as tls from 'node:tls'
import type { TlsEventInfo, TlsLegFacts } from '../../../src/shared/tls-types'
import { testEngine, portOf, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { tempDir, waitFor } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { captured, closedSummary, eventsOf, summaryOf } from '../../helpers/sessions'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

let t: TestEngine
let certs: TestCerts
const tmp = tempDir()
const cleanups: Array<() => unknown> = []
const haveOpenssl = hasProgram('openssl')
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
let dataDir: { dir: string; cleanup: () => void }
beforeEach(async () => {
  // A fresh data folder per test: the CA made here is never the real one.
  dataDir = tempDir()
  process.env.TCPSCOPE_DATA_DIR = join(dataDir.dir, 'data')
  t = await testEngine()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t.dispose()
  dataDir.cleanup()
})

const tlsRecords = async (connId: number): Promise<TlsEventInfo[]> =>
  (await eventsOf(t.engine, connId)).filter((e) => e.kind === 'tls').map((e) => e.info as unknown as TlsEventInfo)

/** A Node TLS server that answers `got:` + what it read; what each client asked for is kept. */
async function tlsEchoServer(opts: tls.TlsOptions): Promise<{ port: number; seen: Array<{ sni: string | false | undefined; cert: boolean }> }> {
  const seen: Array<{ sni: string | false | undefined; cert: boolean }> = []
  const sockets = new Set<tls.TLSSocket>()
  const server = tls.createServer(opts, (s) => {
    sockets.add(s)
    seen.push({ sni: (s as unknown as { servername?: string | false }).servername, cert: s.getPeerCertificate()?.subject !== undefined })
    s.on('data', (d: Buffer) => s.write(Buffer.concat([Buffer.from('got:'), d])))
    s.on('error', () => {})
  })
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => {
    for (const s of sockets) s.destroy()
    return new Promise<void>((r) => server.close(() => r()))
  })
  return { port: (server.address() as { port: number }).port, seen }
}

/** Connects a Node TLS client to a server session; resolves once secure. */
async function tlsClient(port: number, opts: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  const s = tls.connect({ host: '127.0.0.1', port, ...opts })
  cleanups.push(() => s.destroy())
  await once(s, 'secureConnect')
  return s
}

async function reply(s: tls.TLSSocket, text: string, until: RegExp): Promise<string> {
  let got = ''
  const done = new Promise<void>((resolve) => {
    const on = (d: Buffer): void => {
      got += d.toString()
      if (until.test(got)) {
        s.off('data', on)
        resolve()
      }
    }
    s.on('data', on)
  })
  if (text !== '') s.write(text)
  await done
  return got
}

describe('client session with TLS', () => {
  it('connects verified against --ca with an SNI, sends and receives cleartext, and records the server leg', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await tlsEchoServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey), ALPNProtocols: ['x-test'] })
    const info = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, tls: { ca: certs.caPath, sni: 'upstream.test', alpn: ['x-test'] } })
    expect(info.tls).toBe(true)
    expect(info.state).toBe('open')
    const connId = info.connId!
    await t.engine['conn.send']({ connId, payload: { kind: 'text', data: 'hello' } })
    await waitFor(() => summaryOf(t.engine, connId).bytes.server >= 9, 'the answer')
    expect((await captured(t.engine, connId, 'client')).toString()).toBe('hello')
    expect((await captured(t.engine, connId, 'server')).toString()).toBe('got:hello')
    expect(server.seen[0].sni).toBe('upstream.test')
    const [rec] = await tlsRecords(connId)
    expect(rec).toMatchObject({ ok: true, side: 'server', sni: 'upstream.test', alpn: 'x-test' })
    expect((rec as TlsLegFacts).chain?.[0].subject).toContain('CN=upstream.test')
    expect(summaryOf(t.engine, connId).tls?.server?.version).toMatch(/^TLSv1\.[23]$/)
    await t.engine['conn.end']({ connId })
    expect((await closedSummary(t.engine, connId)).end).toBe('closed')
  })

  it('refuses a certificate it cannot verify in one line naming --ca and --insecure, and records it', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await tlsEchoServer({ cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const msg = await oneLineRejection(t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, tls: {} }))
    expect(msg).toBe(`cannot verify 127.0.0.1:${server.port}'s certificate (self-signed, CN upstream.test): pass --ca FILE to trust it, or --insecure to skip verification`)
    const conn = t.engine.capture.connections().at(-1)!
    expect((await closedSummary(t.engine, conn.id)).end).toBe('connect-failed')
    expect(summaryOf(t.engine, conn.id).tls?.failure).toMatchObject({ side: 'server', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })

  it('with verification off (--insecure) connects anyway and records why it would have failed', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await tlsEchoServer({ cert: certs.read(certs.selfCert), key: certs.read(certs.selfKey) })
    const info = await t.engine['client.connect']({ target: `127.0.0.1:${server.port}`, tls: { verify: false } })
    const [rec] = await tlsRecords(info.connId!)
    expect(rec).toMatchObject({ ok: true, side: 'server', unverified: 'self-signed, CN upstream.test' })
  })

  it('presents a client certificate to a server that requires one (mTLS), and says which flags when none is given', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const server = await tlsEchoServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey), ca: certs.caPem, requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' })
    const info = await t.engine['client.connect']({ target: `localhost:${server.port}`, tls: { ca: certs.caPath, cert: certs.clientCert, key: certs.clientKey } })
    await t.engine['conn.send']({ connId: info.connId!, payload: { kind: 'text', data: 'm' } })
    await waitFor(() => summaryOf(t.engine, info.connId!).bytes.server >= 5, 'the answer')
    expect(server.seen[0]).toMatchObject({ sni: 'localhost', cert: true })
    const msg = await oneLineRejection(t.engine['client.connect']({ target: `localhost:${server.port}`, tls: { ca: certs.caPath } }))
    expect(msg).toMatch(new RegExp(`^localhost:${server.port} .*--client-cert FILE --client-key FILE`))
  })

  it('refuses a missing --ca file before connecting, and leaves no session', async () => {
    const missing = join(tmp.dir, 'nope.pem')
    expect(await oneLineRejection(t.engine['client.connect']({ target: '127.0.0.1:1', tls: { ca: missing } }))).toBe(`cannot read --ca ${missing}: no such file`)
    expect(await t.engine['session.list']()).toEqual([])
  })
})

describe('server session with TLS', () => {
  const caPem = async (): Promise<string> => (await t.engine['ca.info']()).pem

  it('answers with a leaf from the CA for the listen host, echoes cleartext and records the client leg', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: {} })
    expect(s.tls).toBe(true)
    const client = await tlsClient(portOf(s.listen), { ca: await caPem() })
    // No SNI (an IP), so the leaf is for the listen host: 127.0.0.1 verifies as an IP SAN.
    expect(client.authorized).toBe(true)
    expect(await reply(client, 'ping', /ping/)).toBe('ping')
    const connId = (await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')).id
    const [rec] = await tlsRecords(connId)
    expect(rec).toMatchObject({ ok: true, side: 'client' })
    expect((await captured(t.engine, connId, 'client')).toString()).toBe('ping')
    expect((await captured(t.engine, connId, 'server')).toString()).toBe('ping')
    client.end()
    expect((await closedSummary(t.engine, connId)).end).toBe('closed')
  })

  it('answers each SNI with its own leaf, and settles ALPN from its list', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: { alpn: ['x-one', 'x-two'] } })
    const client = await tlsClient(portOf(s.listen), { ca: await caPem(), servername: 'api.example.test', ALPNProtocols: ['x-two'] })
    expect(client.authorized).toBe(true)
    expect(client.getPeerCertificate().subjectaltname).toContain('DNS:api.example.test')
    expect(client.alpnProtocol).toBe('x-two')
    const connId = (await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')).id
    await waitFor(() => summaryOf(t.engine, connId).tls?.client, 'the client leg recorded')
    expect(summaryOf(t.engine, connId).tls).toMatchObject({ client: { sni: 'api.example.test', alpn: 'x-two' }, sni: 'api.example.test' })
  })

  it('uses --tls-name for clients that send no SNI', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', tls: { name: 'named.test' } })
    const client = await tlsClient(portOf(s.listen), { ca: await caPem(), checkServerIdentity: () => undefined })
    expect(client.getPeerCertificate().subjectaltname).toBe('DNS:named.test')
  })

  it('answers rules, a canned HTTP response and interval sends over TLS', async () => {
    const s = await t.engine['server.start']({
      listen: '127.0.0.1:0',
      behaviour: { rules: [{ match: 'contains', pattern: 'PING', reply: { kind: 'text', data: 'PONG' } }], interval: { everyMs: 20, count: 2, payload: { kind: 'text', data: '.' } } },
      tls: {}
    })
    const client = await tlsClient(portOf(s.listen), { ca: await caPem() })
    expect(await reply(client, '', /\.\./)).toBe('..')
    expect(await reply(client, 'PING', /PONG/)).toBe('PONG')
    await t.engine['server.behaviour']({ serverId: s.id, behaviour: { http: { status: 201, body: { kind: 'text', data: 'made' } } } })
    const answer = await reply(client, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', /made$/)
    expect(answer).toMatch(/^HTTP\/1\.1 201 /)
  })

  it('records a Node client that rejects the CA leaf (it closes without an alert), and keeps serving', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', tls: {} })
    const client = tls.connect({ host: '127.0.0.1', port: portOf(s.listen) })
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => client.once('error', resolve))
    expect(error.code).toMatch(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/)
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')
    const closed = await closedSummary(t.engine, conn.id)
    expect(closed.end).toBe('error')
    // The alert case (openssl sends unknown_ca) is in session-tls-openssl.test.ts.
    expect(closed.tls?.failure).toMatchObject({
      side: 'client',
      message: "the client closed the connection during the TLS handshake; if it rejected tcpscope's certificate, trust tcpscope's CA (`tcpscope ca --export`, then install it)"
    })
    // And it keeps serving.
    const next = await tlsClient(portOf(s.listen), { ca: await caPem() })
    expect(next.authorized).toBe(true)
  })

  it('records a client that does not speak TLS, closes it cleanly and keeps serving', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: {} })
    const { connectTo, collect } = await import('../../helpers/net')
    const plain = await connectTo(portOf(s.listen))
    plain.write('GET / HTTP/1.1\r\n\r\n')
    expect((await collect(plain)).length).toBe(0)
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')
    expect((await closedSummary(t.engine, conn.id)).tls?.failure).toMatchObject({ side: 'client', code: 'ENOTTLS' })
  })

  it('answers with a certificate and key given instead of the CA', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: { cert: certs.leafCert, key: certs.leafKey } })
    const client = await tlsClient(portOf(s.listen), { ca: certs.caPem, servername: 'upstream.test' })
    expect(client.authorized).toBe(true)
    expect(await reply(client, 'x', /x/)).toBe('x')
    expect(await oneLineRejection(t.engine['server.start']({ listen: '127.0.0.1:0', tls: { cert: certs.leafCert } }))).toBe(
      "--cert and --key go together: give both, or neither (then clients get a leaf from tcpscope's CA)"
    )
  })

  it('stopping with its clients closes one still in its handshake', async () => {
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', tls: {} })
    const { connectTo, outcomeOf } = await import('../../helpers/net')
    const silent = await connectTo(portOf(s.listen))
    const outcome = outcomeOf(silent, { endOnFin: true })
    await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server'), 'the accepted client')
    await t.engine['server.stop']({ serverId: s.id, closeClients: true })
    await outcome
    const conn = t.engine.capture.connections().find((c) => c.kind === 'server')!
    expect((await closedSummary(t.engine, conn.id)).end).not.toBe('open')
  })
})
