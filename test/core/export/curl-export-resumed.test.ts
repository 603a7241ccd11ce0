// "Copy as curl" of an exchange whose TLS toward the target tcpscope resumed: curl goes through
// a forward proxy (CONNECT, TLS intercepted) to a Node HTTPS server whose certificate a test
// CA signed, trusted with --upstream-ca. The second connection resumes the proxy's session
// with the server (checked on the server's side), and a resumed handshake shows no
// certificate: its leg still records the chain and the CA file the session was first
// verified with, so its export carries --cacert and real curl, run as exported, verifies the
// server and gets the body.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { testEngine, type TestEngine } from '../../helpers/engine'
import { closedConnections } from '../../helpers/capture-checks'
import { tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'
import { makeTestCerts, type TestCerts } from '../../helpers/tls-certs'
import { run } from './export-traffic'

const BODY = 'resumed, and still verified\n'
const tmp = tempDir()
const have = hasProgram('openssl') && hasProgram('curl') && hasProgram('bash')
const cleanups: Array<() => unknown> = []
let certs: TestCerts
let t: TestEngine

beforeAll(() => {
  if (have) certs = makeTestCerts(tmp.dir)
})
afterAll(() => tmp.cleanup())
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  await t?.dispose()
})

/** An HTTPS server with the test CA's leaf; `resumed`: whether each TLS connection resumed a session, as the server saw it. */
async function httpsServer(): Promise<{ port: number; resumed: boolean[] }> {
  const resumed: boolean[] = []
  const server: Server = createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(BODY)
  })
  server.on('secureConnection', (s: TLSSocket) => resumed.push(s.isSessionReused()))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))))
  return { port: (server.address() as AddressInfo).port, resumed }
}

/** bash runs `command`, with no CA bundle of curl's own from the environment. */
function runCommand(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  for (const v of ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy']) delete env[v]
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { env, timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
}

describe('curl export of a connection whose TLS toward the target was resumed', () => {
  it('records the first handshake’s chain and CA file on the resumed leg, and the command carries --cacert and runs', async (ctx) => {
    needProgram(ctx, 'openssl, curl and bash', have)
    t = await testEngine({ dataDir: join(tmp.dir, 'data') })
    const server = await httpsServer()
    const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', forward: {}, tlsUpstream: { ca: certs.caPath } })
    const ourCa = join(tmp.dir, 'tcpscope-ca.pem')
    writeFileSync(ourCa, (await t.engine['ca.info'](undefined)).pem)
    // Two curls, two tunnels: the proxy's second connection to the server resumes the first one's session.
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run('curl', ['-sS', '--noproxy', '', '-x', `http://${proxy.listen}`, '--cacert', ourCa, `https://localhost:${server.port}/secret`], { timeout: 20_000 })
      expect(stdout).toBe(BODY)
    }
    expect(server.resumed).toEqual([false, true])
    const [first, second] = await closedConnections(t.engine, 2)
    expect(first.tls?.server).toMatchObject({ caFile: certs.caPath })
    expect(first.tls?.server?.resumed).toBeUndefined()
    expect(first.tls?.server?.chain?.map((c) => c.subject)).toEqual(['CN=upstream.test', 'CN=tcpscope test CA'])
    // The resumed leg: the same chain and CA file, said to be the session's.
    expect(second.tls?.server).toMatchObject({ resumed: true, chainFromSession: true, caFile: certs.caPath, chain: first.tls?.server?.chain })

    const exported = await t.engine['capture.export']({ capture: 'live', format: 'curl', connIds: [second.id], exchange: 0 })
    const command = exported.text!
    expect(command).toContain(`\n  --cacert '${certs.caPath}' \\\n`)
    expect(await runCommand(command)).toMatchObject({ code: 0, stdout: BODY })
  })
})
