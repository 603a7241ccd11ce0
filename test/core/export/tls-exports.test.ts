// HTTP decoded from a connection whose TLS tcpscope terminated is HTTPS everywhere it is
// named: `https` on its exchange-list rows, `https://` URLs in HAR, a curl command that
// reaches the real HTTPS server again (run here with curl, against a Node HTTPS server with
// a test CA's certificate), and a pcapng whose comment says its packets hold decrypted
// bytes. The same from the live capture and from the file it was saved to.
import { once } from 'node:events'
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { RecordedConnection } from '../../../src/core/capture/write/recorded-connection'
import type { TlsEventInfo } from '../../../src/shared/tls-types'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { hasProgram, needProgram } from '../../helpers/peers'
import { makeTestCerts } from '../../helpers/tls-certs'

const run = promisify(execFile)
let t: TestEngine | undefined
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
  t = undefined
})

const tls = (rec: RecordedConnection, info: TlsEventInfo): void => rec.event('tls', info.side, { ...info })

/** An HTTPS server with the test CA's leaf (upstream.test, 127.0.0.1) that answers `ok` and keeps each request's target. */
async function httpsServer(dir: string): Promise<{ port: number; caPath: string; seen: string[] }> {
  const certs = makeTestCerts(dir)
  const seen: string[] = []
  const server: Server = createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.host}`)
    res.end('ok')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))))
  return { port: (server.address() as AddressInfo).port, caPath: certs.caPath, seen }
}

/**
 * Three connections as a TLS-terminating proxy records them: TLS on both legs to
 * upstream.test at `port` (one request), TLS toward the client only (TLS→plain), and a
 * plain one.
 */
function recordConnections(te: TestEngine, port: number): void {
  const cap = te.engine.capture
  const request = Buffer.from('GET /items?x=1 HTTP/1.1\r\nHost: upstream.test\r\nAccept: */*\r\n\r\n')
  const response = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok')
  const upstream = (rec: RecordedConnection, remotePort: number): void =>
    rec.connected({ address: '127.0.0.1', port: 50000 + remotePort % 1000, family: 'IPv4' }, { address: '127.0.0.1', port: remotePort, family: 'IPv4' })
  const both = cap.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 41001, family: 'IPv4' }, target: `127.0.0.1:${port}` })
  tls(both, { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1' })
  upstream(both, port)
  tls(both, { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'upstream.test', alpn: 'http/1.1' })
  both.data('client', request)
  both.data('server', response)
  both.close('closed')
  const clientOnly = cap.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 41002, family: 'IPv4' }, target: '127.0.0.1:8080' })
  tls(clientOnly, { ok: true, side: 'client', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'front.test' })
  upstream(clientOnly, 8080)
  clientOnly.data('client', Buffer.from('GET /plain-upstream HTTP/1.1\r\nHost: front.test\r\n\r\n'))
  clientOnly.data('server', response)
  clientOnly.close('closed')
  const plain = cap.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 41003, family: 'IPv4' }, target: '127.0.0.1:8081' })
  upstream(plain, 8081)
  plain.data('client', Buffer.from('GET /plain HTTP/1.1\r\nHost: plain.test\r\n\r\n'))
  plain.data('server', response)
  plain.close('closed')
}

async function exported(te: TestEngine, capture: string, format: 'har' | 'pcapng' | 'curl', extra: { connIds?: number[]; exchange?: number } = {}): Promise<Buffer> {
  const result = await te.engine['capture.export']({ capture, format, ...extra })
  if (result.text !== undefined) return Buffer.from(result.text)
  const bytes = Buffer.from(await te.engine['capture.download.read']({ download: result.download!, offset: 0, length: result.size }))
  await te.engine['capture.download.end']({ download: result.download! })
  return bytes
}

async function expectHttps(te: TestEngine, capture: string): Promise<string> {
  // Decoding runs beside recording: under load the first pages come while it still goes on (`scan`).
  let page = await te.engine['exchange.page']({ capture, offset: 0, limit: 10, sort: 'conn' })
  while (page.scan) page = await te.engine['exchange.page']({ capture, offset: 0, limit: 10, sort: 'conn' })
  expect(page.rows.map((r) => [r.connId, r.scheme, r.host, r.path])).toEqual([
    [1, 'https', 'upstream.test', '/items?x=1'],
    [2, 'https', 'front.test', '/plain-upstream'],
    [3, undefined, 'plain.test', '/plain']
  ])
  const har = JSON.parse((await exported(te, capture, 'har')).toString()) as { log: { entries: Array<{ request: { url: string } }> } }
  expect(har.log.entries.map((e) => e.request.url).sort()).toEqual(['http://plain.test/plain', 'https://front.test/plain-upstream', 'https://upstream.test/items?x=1'])
  const pcap = (await exported(te, capture, 'pcapng')).toString('utf8')
  expect(pcap).toContain('Connections #1, #2 carried TLS that tcpscope terminated: their packets hold the decrypted bytes')
  // TLS→plain: curl talks to the target, which speaks plain HTTP, and says so.
  const plainUpstream = (await exported(te, capture, 'curl', { connIds: [2], exchange: 0 })).toString()
  expect(plainUpstream).toContain("'http://127.0.0.1:8080/'")
  expect(plainUpstream).toContain('# The client reached tcpscope over TLS; the target speaks plain HTTP')
  return (await exported(te, capture, 'curl', { connIds: [1], exchange: 0 })).toString()
}

describe('HTTP over terminated TLS in exports', () => {
  it('is https in the exchange list, HAR, curl (which reaches the HTTPS server again) and the pcapng comment, live and from the saved file', async (ctx) => {
    needProgram(ctx, 'openssl and curl', hasProgram('openssl') && hasProgram('curl'))
    t = await testEngine()
    const server = await httpsServer(t.dir)
    recordConnections(t, server.port)
    const curlLive = await expectHttps(t, 'live')
    expect(curlLive).toContain(`--resolve 'upstream.test:${server.port}:127.0.0.1'`)
    expect(curlLive).toContain(`'https://upstream.test:${server.port}/'`)
    expect(curlLive).not.toContain('--insecure')
    // The command verifies the server as tcpscope did: by its name, against the CA it is told to trust.
    await run('bash', ['-c', curlLive], { env: { ...process.env, CURL_CA_BUNDLE: server.caPath } })
    expect(server.seen).toEqual([`GET /items?x=1 upstream.test`])

    const saved = join(t.dir, 'saved.tcap')
    await t.engine['capture.save']({ path: saved })
    const file = await t.engine['capture.open']({ path: saved })
    expect(await expectHttps(t, file.id)).toBe(curlLive)
  })

  it('asks curl not to verify a server tcpscope did not verify, and says why', async () => {
    t = await testEngine()
    const rec = t.engine.capture.openConnection({ kind: 'proxy', ownerId: 'p1', target: 'self.test:8443' })
    rec.connected({ address: '127.0.0.1', port: 50100, family: 'IPv4' }, { address: '127.0.0.1', port: 8443, family: 'IPv4' })
    tls(rec, { ok: true, side: 'server', version: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', sni: 'self.test', unverified: 'self-signed certificate' })
    rec.data('client', Buffer.from('GET / HTTP/1.1\r\nHost: self.test\r\n\r\n'))
    rec.close('closed')
    const curl = (await exported(t, 'live', 'curl', { connIds: [1], exchange: 0 })).toString()
    expect(curl).toContain("# tcpscope did not verify this server's certificate (self-signed certificate); neither does this command.")
    expect(curl).toContain('--insecure')
    expect(curl).toContain("--resolve 'self.test:8443:127.0.0.1'")
  })
})
