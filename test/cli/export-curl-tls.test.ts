// `tcpscope export --format curl` of an exchange the real CLI proxy carried over TLS to a
// Node HTTPS server whose certificate a test CA of its own signed: the proxy verified it with
// `--upstream-ca FILE` (given relative to its working folder), so the command carries
// `--cacert` with that file's absolute path, and real curl, run as exported (no CA of its
// own), verifies the server and gets the body. A server verified through the default roots
// (NODE_EXTRA_CA_CERTS there) gets no --cacert, even with --upstream-ca given: curl's
// --cacert replaces its default roots, and the command would fail where tcpscope did not.
// A capture is someone else's file: the CA path it records goes to --cacert only when it is
// absolute and names a regular file where the export is made (not /dev/stdin, a FIFO, a file
// that is not there), and a comment above the command says where it came from, or why it was
// left out. A connection whose TLS toward the server resumed the proxy's session (no
// certificate shown) still gets --cacert: its leg records the session's first verification.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync } from 'node:fs'
import { get } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { join } from 'node:path'
import { LiveCapture } from '../../src/core/capture/write/live-capture'
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

/** `resumed`: whether each TLS connection resumed a session, as the server saw it. */
async function httpsServer(resumed: boolean[] = []): Promise<number> {
  const server: Server = createServer({ cert: certs.read(certs.leafCert), key: certs.read(certs.leafKey) }, (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(BODY)
  })
  server.on('secureConnection', (s: TLSSocket) => resumed.push(s.isSessionReused()))
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

/** The proxy run in `cwd` with these TLS flags, `requests` requests through it (one connection each), then the curl export of the last. */
async function exportedCurl(name: string, flags: string[], env: NodeJS.ProcessEnv = process.env, requests = 1, resumed: boolean[] = []): Promise<string> {
  const port = await httpsServer(resumed)
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = await startCliProxy({ target: `localhost:${port}`, capture, extra: ['--tls-upstream', ...flags] }, { cwd: join(tmp.dir, 'certs'), env })
  cleanups.push(() => cli.stop('SIGKILL'))
  for (let i = 0; i < requests; i++) expect(await fetchThrough(cli.listen)).toBe(BODY)
  expect(await cli.stop('SIGTERM')).toBe(0)
  const r = await runCli(['export', capture, '--format', 'curl', '--conn', String(requests), '--exchange', '1'])
  expect(r).toMatchObject({ code: 0, stderr: '' })
  return r.stdout
}

/**
 * What a comment line above the command must not hold outside its quoted path: zsh, unless
 * told interactive_comments, runs a pasted `# ...` line as a command, and a `;` would start
 * another (a quote, a paren or a redirection would take the lines after it along).
 */
const SHELL_SYNTAX = /[;&|()<>`$"'\\{}*?[\]!]/

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
    // Where the CA came from, in a comment line above the command: bash runs the whole text as it is.
    expect(command).toMatch(/^# --cacert: the CA file the proxy verified this server with, given as --upstream-ca and recorded in the capture\.\ncurl \\\n/)
    expect(command.split('\n')[0]).not.toMatch(SHELL_SYNTAX)
    expect(command).not.toContain('--insecure')
    expect(await runCommand(command)).toMatchObject({ code: 0, stdout: BODY })
    // Without it curl cannot verify the server: what the export gave before.
    const without = await runCommand(command.replace(/\n {2}--cacert '[^']*' \\/, ''))
    expect(without.code).toBe(60)
  })

  it('carries it for a connection that resumed the TLS session, which shows no certificate', async (ctx) => {
    needProgram(ctx, 'openssl and curl', have)
    const resumed: boolean[] = []
    const command = await exportedCurl('resumed', ['--upstream-ca', 'ca.pem'], process.env, 2, resumed)
    expect(resumed).toEqual([false, true])
    expect(command).toContain(`\n  --cacert '${certs.caPath}' \\\n`)
    expect(await runCommand(command)).toMatchObject({ code: 0, stdout: BODY })
    // The capture file keeps the resumed leg's chain, CA file, and where they came from.
    const ls = (await runCli(['ls', join(tmp.dir, 'resumed.tcap'), '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { tls?: { server?: Record<string, unknown> } })
    expect(ls[1].tls?.server).toMatchObject({ resumed: true, chainFromSession: true, caFile: certs.caPath, chain: ls[0].tls?.server?.chain })
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

/** A capture of one HTTP request over TLS whose server leg records `caFile`, as a file made elsewhere could; its curl export. */
async function curlOfRecorded(name: string, caFile: string): Promise<string> {
  const path = join(tmp.dir, `${name}.tcap`)
  const capture = await LiveCapture.create(path)
  const c = capture.openConnection({ kind: 'proxy', ownerId: 'p1', client: { address: '127.0.0.1', port: 40001, family: 'IPv4' }, target: 'localhost:8443' })
  c.connected({ address: '127.0.0.1', port: 50001, family: 'IPv4' }, { address: '127.0.0.1', port: 8443, family: 'IPv4' })
  c.event('tls', 'server', { ok: true, side: 'server', version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'localhost', caFile })
  c.data('client', Buffer.from('GET /secret HTTP/1.1\r\nHost: localhost:8443\r\n\r\n'))
  c.close('closed')
  await capture.close()
  const r = await runCli(['export', path, '--format', 'curl', '--conn', '1', '--exchange', '1'])
  expect(r).toMatchObject({ code: 0, stderr: '' })
  expect(r.stdout).toMatch(/(^|\n)curl \\\n {2}--http1\.1 /)
  return r.stdout
}

describe('tcpscope export --format curl of a capture whose recorded CA file is not one to hand to curl', () => {
  const leftOut = (path: string): string =>
    `# --cacert left out: the capture says the proxy verified this server with the CA file '${path}', given as --upstream-ca, and that is not a regular file here, so curl checks the server against its own CAs.\n`

  it('drops a relative path: tcpscope records it absolute, and curl would read it from wherever it is run', async () => {
    const command = await curlOfRecorded('relative', 'ca.pem')
    expect(command).not.toContain('--cacert')
    expect(command).toMatch(/^curl \\\n/)
  })

  it.each([
    ['/dev/stdin', () => '/dev/stdin'],
    ['a FIFO', () => {
      const fifo = join(tmp.dir, 'ca.fifo')
      execFileSync('mkfifo', [fifo])
      return fifo
    }],
    ['a file that is not there', () => join(tmp.dir, 'gone', 'ca.pem')],
    ['a folder', () => tmp.dir]
  ])('leaves out %s (curl would hang reading it, or fail), and says why', async (_, make) => {
    const path = make()
    const command = await curlOfRecorded(`hostile-${path.replace(/\W/g, '-')}`, path)
    expect(command).not.toContain('\n  --cacert ')
    expect(command.startsWith(leftOut(path))).toBe(true)
    expect(command.split('\n')[0].replace(`'${path}'`, '')).not.toMatch(SHELL_SYNTAX)
  })

  it('quotes a path that is not plain ASCII in the comment, so it cannot end the comment line', async () => {
    // A newline is dropped as the file is read; a path in another script is kept and quoted.
    expect(await curlOfRecorded('newline', '/tmp/x\ntouch /tmp/pwned')).not.toContain('touch')
    const command = await curlOfRecorded('unicode', '/tmp/\u00e9t\u00e9/ca.pem')
    expect(command.split('\n')[0]).toContain(`CA file $'/tmp/\\xc3\\xa9t\\xc3\\xa9/ca.pem'`)
  })
})
