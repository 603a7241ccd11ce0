// `tcpscope connect`, `serve` and `replay` with TLS, run as the real CLI: connect to a Node
// TLS server (verified with --ca and --sni, refused in one line, --insecure), serve a canned
// HTTP answer over TLS that curl fetches trusting the exported CA, and replay an HTTPS
// exchange recorded to an https nginx over TLS with its recorded SNI, trusting the CA file the
// recording verified it with unless given another.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { once } from 'node:events'
import { join } from 'node:path'
import * as tls from 'node:tls'
import { CliProcess, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { startNginx } from '../helpers/nginx'
import { hasProgram, needPeer, needProgram } from '../helpers/peers'
import { curl } from '../core/decode/decode-peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir()
let certs: TestCerts
const haveOpenssl = hasProgram('openssl')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR

beforeAll(() => {
  // The CLIs this file starts make and share their CA here, never in the real home folder.
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (haveOpenssl) certs = makeTestCerts(tmp.dir)
})
afterAll(() => {
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function tlsEcho(cert: string, key: string): Promise<number> {
  const sockets = new Set<tls.TLSSocket>()
  const server = tls.createServer({ cert: certs.read(cert), key: certs.read(key) }, (s) => {
    sockets.add(s)
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
  return (server.address() as { port: number }).port
}

describe('tcpscope connect --tls', () => {
  it('verifies with --ca and --sni, sends and prints the cleartext', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const port = await tlsEcho(certs.leafCert, certs.leafKey)
    const r = await runCli(['connect', `127.0.0.1:${port}`, '--tls', '--ca', certs.caPath, '--sni', 'upstream.test', '--send', 'hi', '--expect', 'got:hi', '--timeout', '5000'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('got:hi')
  })

  it('refuses a certificate it cannot verify in one line (exit 3), and --insecure connects', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    const port = await tlsEcho(certs.selfCert, certs.selfKey)
    const r = await runCli(['connect', `127.0.0.1:${port}`, '--tls', '--send', 'hi', '--expect', 'got', '--timeout', '5000'])
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(`tcpscope: cannot verify 127.0.0.1:${port}'s certificate (self-signed, CN upstream.test): pass --ca FILE to trust it, or --insecure to skip verification\n`)
    const ok = await runCli(['connect', `127.0.0.1:${port}`, '--tls', '--insecure', '--send', 'hi', '--expect', 'got:hi', '--timeout', '5000'])
    expect(ok.code).toBe(0)
  })

  it('refuses a TLS flag without --tls, and a bad --alpn, as usage errors', async () => {
    const r = await runCli(['connect', '127.0.0.1:1', '--ca', 'x.pem'])
    expect(r).toMatchObject({ code: 2, stderr: 'tcpscope: connect: --ca goes with --tls\n' })
    const alpn = await runCli(['connect', '127.0.0.1:1', '--tls', '--alpn', 'h2,,x'])
    expect(alpn.code).toBe(2)
    expect(alpn.stderr).toMatch(/^tcpscope: connect: --alpn takes a comma-separated list/)
  })
})

describe('tcpscope serve --tls', () => {
  it('serves a canned HTTP answer over TLS that curl --cacert (the exported CA) fetches', async () => {
    if (!needPeer('curl')) return
    const cli = new CliProcess(['serve', '--listen', '127.0.0.1:0', '--json', '--tls', '--http-status', '200', '--http-body', 'over tls'])
    cleanups.push(() => cli.stop('SIGTERM'))
    const first = JSON.parse(await cli.waitLine(() => true)) as { listen: string; tls?: boolean }
    expect(first.tls).toBe(true)
    const port = Number(first.listen.split(':')[1])
    const caFile = join(tmp.dir, 'exported-ca.pem')
    const exported = await runCli(['ca', '--export', caFile, '--force'])
    expect(exported.code).toBe(0)
    expect(await curl(['--cacert', caFile, `https://localhost:${port}/`])).toBe('over tls')
    // 127.0.0.1: no SNI, so the leaf is for the listen host, an IP SAN curl verifies.
    expect(await curl(['--cacert', caFile, `https://127.0.0.1:${port}/x`])).toBe('over tls')
  })

  it('refuses --cert without --key, and --tls-name without --tls', async () => {
    const r = await runCli(['serve', '--listen', '127.0.0.1:0', '--tls', '--cert', 'c.pem'])
    expect(r).toMatchObject({ code: 1, stderr: "tcpscope: --cert and --key go together: give both, or neither (then clients get a leaf from tcpscope's CA)\n" })
    const name = await runCli(['serve', '--listen', '127.0.0.1:0', '--tls-name', 'x.test'])
    expect(name).toMatchObject({ code: 2, stderr: 'tcpscope: serve: --tls-name goes with --tls\n' })
  })
})

describe('tcpscope replay of a TLS connection', () => {
  it('replays an HTTPS exchange recorded to nginx over TLS with its recorded SNI, verified by --upstream-ca', async (ctx) => {
    needProgram(ctx, 'openssl', haveOpenssl)
    if (!needPeer('nginx')) return ctx.skip()
    const nginx = await startNginx(join(tmp.dir, 'nginx'), {}, { tls: { cert: certs.leafCert, key: certs.leafKey } })
    cleanups.push(() => nginx.stop())
    const capture = join(tmp.dir, 'https.tcap')
    const rec = await runCli(
      ['connect', `127.0.0.1:${nginx.port}`, '--tls', '--ca', certs.caPath, '--sni', 'upstream.test', '--send', 'GET /hello HTTP/1.1\\r\\nHost: upstream.test\\r\\nConnection: close\\r\\n\\r\\n', '--capture', capture, '--force']
    )
    expect(rec.stdout).toContain('hello from nginx')
    const ls = JSON.parse((await runCli(['ls', capture, '--json'])).stdout.trim().split('\n')[0]) as { id: number; tls?: { server?: { sni?: string } } }
    expect(ls.tls?.server?.sni).toBe('upstream.test')

    // Unasked, the CA file the session verified nginx with (its --ca, recorded) is trusted again, and stderr says so.
    const unasked = await runCli(['replay', capture, '--conn', String(ls.id), '--exchange', '1', '--json'])
    expect(unasked.stderr).toBe(`replay: trusted ${certs.caPath} besides the system's CAs: the CA file the capture recorded for the connection (--upstream-ca FILE trusts another)\n`)
    expect(unasked.code).toBe(0)
    expect(JSON.parse(unasked.stdout)).toMatchObject({ first: { matched: true, caFile: { path: certs.caPath, recorded: true } } })

    const refused = await runCli(['replay', capture, '--conn', String(ls.id), '--exchange', '1', '--upstream-ca', certs.selfCert])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/^tcpscope: cannot verify 127\.0\.0\.1:\d+'s certificate \(signed by an unknown CA, CN tcpscope test CA, not sent by the server\): pass --upstream-ca FILE to trust it, or --insecure to skip verification\n$/)

    const replayed = await runCli(['replay', capture, '--conn', String(ls.id), '--exchange', '1', '--upstream-ca', certs.caPath, '--json'])
    expect(replayed.stderr).toBe('')
    expect(replayed.code).toBe(0)
    expect(JSON.parse(replayed.stdout)).toMatchObject({ first: { matched: true, response: { status: 200 } } })

    // The whole capture, and a raw replay with another name: nginx serves any name, so only verification can tell.
    expect((await runCli(['replay', capture, '--all', '--upstream-ca', certs.caPath])).code).toBe(0)
    const wrongName = await runCli(['replay', capture, '--conn', String(ls.id), '--upstream-ca', certs.caPath, '--sni', 'elsewhere.test'])
    expect(wrongName.code).toBe(3)
    expect(wrongName.stderr).toMatch(/issued for DNS:upstream\.test, DNS:localhost, IP Address:127\.0\.0\.1, not for elsewhere\.test\): pass --sni NAME/)
  })
})
