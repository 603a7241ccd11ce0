// Replay of a connection recorded over TLS: a client session's HTTPS request to a real https
// nginx, replayed (raw, HTTP, a keep-alive sequence, the whole capture) over TLS with the SNI
// it recorded, verified (--upstream-ca) or refused in one line; each replay's own connection
// records its handshake. And the overrides: another SNI, and plain TCP. A proxy that verified
// a Node https server through a private CA's file (--upstream-ca) has its requests replayed
// trusting that same file unasked, resumed legs too, the result naming it; a recorded file
// that is gone, a FIFO or another CA now is said in the one line that refuses the target.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { join } from 'node:path'
import * as tls from 'node:tls'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import { portOf, testEngine, type TestEngine } from '../../helpers/engine'
import { oneLineRejection } from '../../helpers/errors'
import { listen, tempDir, waitFor } from '../../helpers/net'
import { startNginx, type Nginx } from '../../helpers/nginx'
import { hasProgram, needPeer, needProgram } from '../../helpers/peers'
import { captured, closedSummary, summaryOf } from '../../helpers/sessions'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'

let t: TestEngine
let certs: TestCerts
let nginx: Nginx | undefined
const tmp = tempDir()
const haveOpenssl = hasProgram('openssl')

beforeAll(() => {
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())
afterEach(async () => {
  await nginx?.stop()
  nginx = undefined
  await t?.dispose()
})

const REQUEST = 'GET /hello HTTP/1.1\r\nHost: upstream.test\r\n\r\n'

/** An https nginx, and one request a TLS client session sent it (SNI upstream.test, though it connected to 127.0.0.1), answered and recorded. */
async function recorded(ctx: { skip: (note: string) => never }): Promise<ConnectionSummary> {
  needProgram(ctx, 'openssl', haveOpenssl)
  if (!needPeer('nginx')) ctx.skip('needs nginx')
  t = await testEngine()
  nginx = await startNginx(join(tmp.dir, `nginx-${Date.now()}`), {}, { tls: { cert: certs.leafCert, key: certs.leafKey } })
  const c = await t.engine['client.connect']({ target: `127.0.0.1:${nginx.port}`, tls: { ca: certs.caPath, sni: 'upstream.test' } })
  await t.engine['conn.send']({ connId: c.connId!, payload: { kind: 'text', data: REQUEST, escapes: false } })
  for (let i = 0; !(await captured(t.engine, c.connId!, 'server')).toString().includes('hello from nginx'); i++) {
    if (i > 1000) throw new Error('nginx never answered')
    await new Promise((r) => setTimeout(r, 10))
  }
  await t.engine['client.close']({ clientId: c.id })
  const conn = await closedSummary(t.engine, c.connId!)
  expect(conn.tls?.server?.sni).toBe('upstream.test')
  return conn
}

const replayConn = (id: number | undefined): ConnectionSummary => summaryOf(t.engine, id!)

describe('replay of a TLS connection', () => {
  it('raw: replays over TLS with the recorded SNI, verified against --upstream-ca, and records its handshake', async (ctx) => {
    const conn = await recorded(ctx)
    const r = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { ca: certs.caPath } })
    expect(Buffer.from(r.turns[0].bytes).toString()).toContain('hello from nginx')
    const replayed = await closedSummary(t.engine, r.connId!)
    expect(replayed.tls?.server).toMatchObject({ side: 'server', sni: 'upstream.test' })
    expect(replayed.tls?.server?.chain?.[0].subject).toContain('CN=upstream.test')
    expect(replayed.tls?.server?.unverified).toBeUndefined()
  })

  it('refuses a target it cannot verify in one line naming replay\'s flags, and --insecure replays anyway', async (ctx) => {
    const conn = await recorded(ctx)
    // Given another CA file than the one the session recorded (which it would trust unasked: below).
    const msg = await oneLineRejection(t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { ca: certs.selfCert } }))
    expect(msg).toBe(`cannot verify 127.0.0.1:${nginx!.port}'s certificate (signed by an unknown CA, CN tcpscope test CA, not sent by the server): pass --upstream-ca FILE to trust it, or --insecure to skip verification`)
    const r = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { verify: false } })
    expect(Buffer.from(r.turns[0].bytes).toString()).toContain('hello from nginx')
    expect(replayConn(r.connId).tls?.server?.unverified).toMatch(/unknown CA/)
  })

  it('HTTP, a keep-alive sequence and the whole capture replay over TLS with the recorded SNI', async (ctx) => {
    const conn = await recorded(ctx)
    const { first } = await t.engine['replay.http']({ capture: 'live', connId: conn.id, exchange: 0, tls: { ca: certs.caPath } })
    expect(first).toMatchObject({ response: { status: 200 }, matched: true })
    expect(replayConn(first!.connId).tls?.server?.sni).toBe('upstream.test')

    const seq = await t.engine['replay.sequence']({ capture: 'live', requests: [{ connId: conn.id, exchange: 0 }, { connId: conn.id, exchange: 0 }], tls: { ca: certs.caPath } })
    expect(seq.results.map((r) => r.response?.status)).toEqual([200, 200])
    expect(replayConn(seq.results[0].connId).tls?.server?.sni).toBe('upstream.test')

    const all = await t.engine['replay.capture']({ capture: 'live', filter: `id:${conn.id}`, speed: 0, tls: { ca: certs.caPath } })
    expect(all).toMatchObject({ connections: 1, matched: 1 })
  })

  it('sends another SNI when told, and goes plain when told (nginx then says so)', async (ctx) => {
    const conn = await recorded(ctx)
    const r = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { ca: certs.caPath, sni: 'localhost' } })
    expect(replayConn(r.connId).tls?.server?.sni).toBe('localhost')
    const plain = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { enabled: false } })
    expect(Buffer.from(plain.turns[0].bytes).toString()).toContain('The plain HTTP request was sent to HTTPS port')
    expect(replayConn(plain.connId).tls).toBeUndefined()
  })
})

describe('replay of a TLS server session\'s connection', () => {
  it('replays to the session over TLS, as the name its client asked for', async () => {
    t = await testEngine()
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { echo: true }, tls: {} })
    const ca = (await t.engine['ca.info']()).pem
    const port = Number(s.listen.split(':')[1])
    const client = tls.connect({ host: '127.0.0.1', port, ca, servername: 'svc.test' })
    await once(client, 'secureConnect')
    client.write('echo me')
    await once(client, 'data')
    client.end()
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server' && c.end !== 'open'), 'the session connection to close')
    const caPath = join(t.dir, 'ca.pem')
    writeFileSync(caPath, ca)
    const r = await t.engine['replay.raw']({ capture: 'live', connId: conn.id, strategy: 'turns', tls: { ca: caPath } })
    expect(r.turns[0]).toMatchObject({ matched: true })
    expect(replayConn(r.connId).tls?.server?.sni).toBe('svc.test')
  })
})

describe('a recorded server of a connection whose client spoke TLS', () => {
  it('answers its clients in TLS with a leaf from the CA for the recorded name, and plays the cleartext', async () => {
    t = await testEngine()
    const s = await t.engine['server.start']({ listen: '127.0.0.1:0', behaviour: { rules: [{ match: 'contains', pattern: 'hi', reply: { kind: 'text', data: 'hello back' } }] }, tls: {} })
    const ca = (await t.engine['ca.info']()).pem
    const first = tls.connect({ host: '127.0.0.1', port: Number(s.listen.split(':')[1]), ca, servername: 'played.test' })
    await once(first, 'secureConnect')
    first.write('hi')
    await once(first, 'data')
    first.end()
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'server' && c.end !== 'open'), 'the session connection to close')
    await t.engine['server.stop']({ serverId: s.id, closeClients: true })

    const served = await t.engine['replay.serve']({ capture: 'live', connId: conn.id, listen: '127.0.0.1:0' })
    // No SNI from this client: the leaf is for the name the recorded client asked for.
    const client = tls.connect({ host: '127.0.0.1', port: Number(served.listen.split(':')[1]), ca, checkServerIdentity: () => undefined })
    await once(client, 'secureConnect')
    expect(client.authorized).toBe(true)
    expect(client.getPeerCertificate().subjectaltname).toBe('DNS:played.test')
    client.write('hi')
    const [answer] = (await once(client, 'data')) as [Buffer]
    expect(answer.toString()).toBe('hello back')
    client.destroy()
    const reports = await t.engine['replay.stop']({ id: served.id })
    expect(reports[0]).toMatchObject({ played: 1, matched: true })
  })
})

describe('replay of a connection a proxy verified through a CA file', () => {
  const servers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of servers.splice(0)) await close()
  })

  /** An https server whose certificate the test CA signed (127.0.0.1 among its names), answering every request with its path. */
  async function privateCaServer(): Promise<number> {
    const server = createHttpsServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (req, res) => {
      req.resume()
      res.end(`hello over TLS from ${req.url}`)
    })
    const port = await listen(server)
    servers.push(() => new Promise((r) => server.close(() => r())))
    return port
  }

  /** A plain-HTTP proxy to that server over TLS, verified through a copy of the test CA in its own folder (as --upstream-ca); the copy's path. */
  async function proxyTrusting(ctx: { skip: (note: string) => never }, name: string): Promise<{ proxyPort: number; targetPort: number; ca: string }> {
    needProgram(ctx, 'openssl', haveOpenssl)
    t = await testEngine()
    const targetPort = await privateCaServer()
    const dir = join(tmp.dir, name)
    mkdirSync(dir, { recursive: true })
    const ca = join(dir, 'private-ca.pem')
    copyFileSync(certs.caPath, ca)
    seen.clear()
    const p = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${targetPort}`, tlsUpstream: { ca } })
    return { proxyPort: portOf(p.listen), targetPort, ca }
  }

  /** Connections of this test's engine already taken by oneRequest. */
  const seen = new Set<number>()

  /** One request through the proxy on a connection of its own; that connection's id once it closed. */
  async function oneRequest(proxyPort: number, path: string): Promise<number> {
    const req = request({ host: '127.0.0.1', port: proxyPort, path, agent: false, headers: { Connection: 'close' } })
    req.end()
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    let body = ''
    for await (const chunk of res) body += String(chunk)
    expect(body).toBe(`hello over TLS from ${path}`)
    const conn = await waitFor(() => t.engine.capture.connections().find((c) => c.kind === 'proxy' && c.end !== 'open' && c.bytes.client > 0 && !seen.has(c.id)), 'the proxied connection to close')
    seen.add(conn.id)
    return conn.id
  }

  it('replays a request over TLS trusting the CA file the proxy verified it with, a resumed leg\'s too, and says which file', async (ctx) => {
    const { proxyPort, ca } = await proxyTrusting(ctx, 'trusted')
    const first = await oneRequest(proxyPort, '/first')
    const second = await oneRequest(proxyPort, '/second')
    expect(summaryOf(t.engine, first).tls?.server?.caFile).toBe(ca)
    // The second connection resumed the first's session toward the server: no certificate shown, the first's check recorded.
    expect(summaryOf(t.engine, second).tls?.server).toMatchObject({ resumed: true, chainFromSession: true, caFile: ca })

    for (const [connId, path] of [[first, '/first'], [second, '/second']] as const) {
      const { first: r } = await t.engine['replay.http']({ capture: 'live', connId, exchange: 0 })
      expect(r).toMatchObject({ response: { status: 200 }, matched: true, caFile: { path: ca, recorded: true } })
      expect(Buffer.from(r!.response!.body).toString()).toBe(`hello over TLS from ${path}`)
      // The replay's own leg was verified through that file, as the proxy's was.
      expect(replayConn(r!.connId).tls?.server?.caFile).toBe(ca)
    }
    const raw = await t.engine['replay.raw']({ capture: 'live', connId: first, strategy: 'turns', timeoutMs: 5000 })
    expect(raw.caFile).toEqual({ path: ca, recorded: true })
    expect(Buffer.from(raw.turns[0].bytes).toString()).toContain('hello over TLS from /first')
    const seq = await t.engine['replay.sequence']({ capture: 'live', requests: [{ connId: first, exchange: 0 }] })
    expect(seq).toMatchObject({ matched: 1, caFile: { path: ca, recorded: true } })
    const all = await t.engine['replay.capture']({ capture: 'live', filter: `id:${first}`, speed: 0 })
    expect(all).toMatchObject({ connections: 1, matched: 1 })

    // Another CA file given with the replay is trusted instead; not verifying trusts none.
    const given = await t.engine['replay.http']({ capture: 'live', connId: first, exchange: 0, tls: { ca: certs.caPath } })
    expect(given.first).toMatchObject({ matched: true, caFile: { path: certs.caPath, recorded: false } })
    const insecure = await t.engine['replay.http']({ capture: 'live', connId: first, exchange: 0, tls: { verify: false } })
    expect(insecure.first?.matched).toBe(true)
    expect(insecure.first?.caFile).toBeUndefined()
  })

  it('says in one line why the recorded CA file was not trusted: gone, a FIFO now, or another CA; and a given file that is not there', async (ctx) => {
    const { proxyPort, targetPort, ca } = await proxyTrusting(ctx, 'untrusted')
    const connId = await oneRequest(proxyPort, '/x')
    const fix = 'pass --upstream-ca FILE to trust it, or --insecure to skip verification'
    const unknownCa = 'signed by an unknown CA, CN tcpscope test CA, not sent by the server'
    const replayed = (): Promise<unknown> => t.engine['replay.http']({ capture: 'live', connId, exchange: 0 })

    rmSync(ca)
    expect(await oneLineRejection(replayed())).toBe(`cannot verify 127.0.0.1:${targetPort}'s certificate (${unknownCa}; the CA file the capture recorded, ${ca}, cannot be used: it is not there): ${fix}`)
    // The replay's own connection: TCP came up, TLS failed toward the target (what the list's state tells apart from a refused connect).
    const failed = await waitFor(() => t.engine.capture.connections().find((c) => c.ownerId === 'replay' && c.end !== 'open'), 'the replay to close')
    expect(failed).toMatchObject({ end: 'connect-failed', tls: { failure: { side: 'server', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' } } })
    expect(failed.tls?.server).toBeUndefined()

    // A FIFO where the file was: never opened (an open would wait for a writer), so the replay does not hang.
    execFileSync('mkfifo', [ca])
    expect(await oneLineRejection(replayed())).toBe(`cannot verify 127.0.0.1:${targetPort}'s certificate (${unknownCa}; the CA file the capture recorded, ${ca}, cannot be used: it is a FIFO (named pipe), not a file): ${fix}`)
    rmSync(ca)

    // Another CA's certificate in its place: trusted, and it does not verify the server.
    copyFileSync(certs.selfCert, ca)
    expect(await oneLineRejection(replayed())).toBe(`cannot verify 127.0.0.1:${targetPort}'s certificate (${unknownCa}; the CA file the capture recorded, ${ca}, does not verify it either): ${fix}`)

    expect(await oneLineRejection(t.engine['replay.http']({ capture: 'live', connId, exchange: 0, tls: { ca: join(tmp.dir, 'no-such-ca.pem') } }))).toBe(`cannot read --upstream-ca ${join(tmp.dir, 'no-such-ca.pem')}: no such file`)
  })
})
