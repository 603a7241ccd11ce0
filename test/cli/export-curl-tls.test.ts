// `tcpscope export --format curl` of an exchange the real CLI proxy carried over TLS to a
// Node HTTPS server whose certificate a test CA of its own signed: the proxy verified it with
// `--upstream-ca FILE` (given relative to its working folder), so the command carries
// `--cacert` with that file's absolute path, and real curl, run as exported (no CA of its
// own), verifies the server and gets the body. A server verified through the default roots
// (NODE_EXTRA_CA_CERTS there) gets no --cacert, even with --upstream-ca given: curl's
// --cacert replaces its default roots, and the command would fail where tcpscope did not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { get } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { runCli } from '../helpers/cli'
import { startCliProxy } from '../helpers/cli-proxy'
import { tempDir } from '../helpers/net'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const BODY = 'the body, over TLS the test CA vouches for\n'
const tmp = tempDir()
const have = hasProgram('openssl') && hasProgram('curl')
const cleanups: Array<() => unknown> = []
/** The server's CA, and another CA that signed nothing the server shows. */
let certs: TestCerts
let other: TestCerts

beforeAll(() => {
  if (!have) return
  for (const d of ['certs', 'other']) mkdirSync(join(tmp.dir, d))
  certs = makeTestCerts(join(tmp.dir, 'certs'))
  other = makeTestCerts(join(tmp.dir, 'other'))
})
afterAll(() => tmp.cleanup())
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function httpsServer(): Promise<number> {
  const server: Server = createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(BODY)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))))
  return (server.address() as AddressInfo).port
}

/** One GET through the proxy (plain toward it, TLS from it to the target); the body the client got. */
const fetchThrough = (listen: string): Promise<string> =>
  new Promise((resolve, reject) => {
    get(`http://${listen}/secret`, { agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve(body))
      res.on('error', reject)
    }).on('error', reject)
  })

/** The proxy run in `cwd` with these TLS flags, one request through it, then the curl export of that request. */
async function exportedCurl(name: string, flags: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const port = await httpsServer()
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = await startCliProxy({ target: `localhost:${port}`, capture, extra: ['--tls-upstream', ...flags] }, { cwd: join(tmp.dir, 'certs'), env })
  cleanups.push(() => cli.stop('SIGKILL'))
  expect(await fetchThrough(cli.listen)).toBe(BODY)
  expect(await cli.stop('SIGTERM')).toBe(0)
  const r = await runCli(['export', capture, '--format', 'curl', '--conn', '1', '--exchange', '1'])
  expect(r).toMatchObject({ code: 0, stderr: '' })
  return r.stdout
}

/** The command run by bash, curl with no CA bundle of its own from the environment. */
function runCommand(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env }
  for (const v of ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) delete env[v]
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { env, timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
  })
}

describe('tcpscope export --format curl of an exchange whose target was verified with --upstream-ca', () => {
  it('carries --cacert with the CA file, so the command verifies the server as tcpscope did and gets the body', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    // Relative to the proxy's working folder: the command names it absolutely, to work from anywhere.
    const command = await exportedCurl('verified', ['--upstream-ca', 'ca.pem'])
    expect(command).toContain(`\n  --cacert '${certs.caPath}' \\\n`)
    expect(command).not.toContain('--insecure')
    expect(await runCommand(command)).toMatchObject({ code: 0, stdout: BODY })
    // Without it curl cannot verify the server: what the export gave before.
    const without = await runCommand(command.replace(/\n {2}--cacert '[^']*' \\/, ''))
    expect(without.code).toBe(60)
  })

  it('leaves it out when the default roots verified the server, not the CA file', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    // The server's CA among the default roots (Node reads NODE_EXTRA_CA_CERTS into them); --upstream-ca names another.
    const command = await exportedCurl('default-roots', ['--upstream-ca', other.caPath], { ...process.env, NODE_EXTRA_CA_CERTS: certs.caPath })
    expect(command).not.toContain('--cacert')
    expect(command).toMatch(/^curl \\\n/)
  })

  it('leaves it out, and says curl does not verify either, when tcpscope did not (--insecure)', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const command = await exportedCurl('insecure', ['--upstream-ca', other.caPath, '--insecure'])
    expect(command).not.toContain('--cacert')
    expect(command).toContain('--insecure')
  })
})
