// `tcpscope proxy --tls-listen / --tls-upstream` as the real CLI with real peers: curl with
// the exported CA through TLS->TLS to nginx over h2 and HTTP/1.1 (recorded in clear, the h2
// one labelled by its ALPN), curl rejecting the leaf (alert unknown_ca, worded as the issue
// words it), openssl s_server as a self-signed target (the verify failure's line), as an mTLS
// target (-Verify 1) with and without --client-cert, and openssl s_client checking SNI and
// ALPN mirroring; --help and usage errors for the new flags.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { connectTo, startServer, tempDir, waitFor } from '../helpers/net'
import { startNginx, type Nginx } from '../helpers/nginx'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir()
let certs: TestCerts
const have = hasProgram('openssl') && hasProgram('curl') && hasProgram('nginx')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let nginx: Nginx
let caFile: string

beforeAll(async () => {
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  nginx = await startNginx(join(tmp.dir, 'nginx-tls'), {}, { tls: { cert: certs.leafCert, key: certs.leafKey }, http2: true })
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  expect((await runCli(['ca', '--export', caFile])).code).toBe(0)
})
afterAll(async () => {
  await nginx?.stop()
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function run(cmd: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
    child.stdin?.end(input)
  })
}

async function startProxy(name: string, target: string, flags: string[]): Promise<{ port: number; capture: string; cli: CliProcess }> {
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--target', target, '--capture', capture, ...flags])
  cleanups.push(() => cli.stop())
  const line = await cli.waitLine((l) => l.startsWith('tcpscope: listening on'))
  return { port: Number(/listening on 127\.0\.0\.1:(\d+) /.exec(line)![1]), capture, cli }
}

/** openssl s_server on a free port with these extra flags; its stdout is kept (it prints what it reads). */
async function sServer(args: string[]): Promise<{ port: number; out: () => string }> {
  const probe = await startServer(() => {})
  const port = probe.port
  await probe.close()
  const child: ChildProcess = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-naccept', '4', ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  cleanups.push(() => {
    child.kill()
    return once(child, 'exit').catch(() => undefined)
  })
  await waitFor(() => out.includes('ACCEPT'), 'openssl s_server to listen')
  return { port, out: () => out }
}

interface Row {
  end: string
  tls?: { sni?: string; alpn?: string; client?: { alpn?: string }; server?: { alpn?: string }; failure?: { message: string } }
  protocol?: string
}

async function rows(capture: string): Promise<Row[]> {
  const r = await runCli(['ls', capture, '--json'])
  expect(r.code).toBe(0)
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
}

describe('tcpscope proxy with TLS (curl, nginx, openssl)', () => {
  it('curl --cacert through TLS->TLS to nginx: h2 and HTTP/1.1, recorded in clear, h2 labelled by its ALPN', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { port, capture, cli } = await startProxy('tls-tls', `localhost:${nginx.port}`, ['--tls-listen', '--tls-upstream', '--upstream-ca', certs.caPath])
    const url = `https://upstream.test:${port}/hello`
    const resolveArg = ['--resolve', `upstream.test:${port}:127.0.0.1`]
    const h2 = await run('curl', ['-sS', '--http2', '--cacert', caFile, ...resolveArg, '-w', '%{http_version}', url])
    expect(h2.stderr).toBe('')
    expect(h2.stdout).toBe('hello from nginx\n2')
    const h1 = await run('curl', ['-sS', '--http1.1', '--cacert', caFile, ...resolveArg, url])
    expect(h1.stdout).toBe('hello from nginx\n')
    await cli.waitLine((l) => /TLS with the target: TLSv1\.[23], \S+, SNI upstream\.test, ALPN h2/.test(l))
    expect(await cli.stop()).toBe(0)
    const [first, second] = await rows(capture)
    expect(first.tls).toMatchObject({ sni: 'upstream.test', alpn: 'h2', client: { alpn: 'h2' }, server: { alpn: 'h2' } })
    expect(second.tls).toMatchObject({ sni: 'upstream.test', alpn: 'http/1.1' })
    const text = await runCli(['export', capture, '--format', 'har', '--output', '-'])
    expect(text.stdout).toContain(`https://upstream.test:${port}/hello`)
  })

  it("curl that does not trust tcpscope's CA: its alert is recorded and printed as the issue words it", async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { port, capture, cli } = await startProxy('reject', `127.0.0.1:${nginx.port}`, ['--tls-listen', '--tls-upstream', '--upstream-ca', certs.caPath])
    const r = await run('curl', ['-sS', `https://localhost:${port}/hello`])
    expect(r.code).toBe(60)
    const want = "the client rejected tcpscope's certificate (alert unknown_ca): trust tcpscope's CA (`tcpscope ca --export`, then install it)"
    await cli.waitLine((l) => l.endsWith(`TLS failed (client leg): ${want}`))
    await cli.stop()
    expect((await rows(capture))[0].tls?.failure?.message).toBe(want)
  })

  it("a self-signed target (openssl s_server): the verify failure's one line, and --insecure gets through", async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const server = await sServer(['-cert', certs.selfCert, '-key', certs.selfKey])
    const strict = await startProxy('self', `127.0.0.1:${server.port}`, ['--tls-upstream'])
    const c = await connectTo(strict.port)
    c.end('ping\n')
    const want = `cannot verify 127.0.0.1:${server.port}'s certificate (self-signed, CN upstream.test): pass --upstream-ca FILE to trust it, or --insecure to skip verification`
    await strict.cli.waitLine((l) => l.endsWith(`TLS failed (target leg): ${want}`))
    expect(strict.cli.lines.some((l) => l.includes('connect failed'))).toBe(false)
    const loose = await startProxy('self-insecure', `127.0.0.1:${server.port}`, ['--tls-upstream', '--insecure'])
    const c2 = await connectTo(loose.port)
    c2.write('through insecure\n')
    await waitFor(() => server.out().includes('through insecure'), 's_server to read the cleartext')
    await loose.cli.waitLine((l) => l.includes('NOT verified: self-signed, CN upstream.test'))
    c2.destroy()
  })

  it('an mTLS target (s_server -Verify 1): --client-cert gets through; without it the line names the flags', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const server = await sServer(['-cert', certs.leafCert, '-key', certs.leafKey, '-CAfile', certs.caPath, '-Verify', '1'])
    const without = await startProxy('mtls-none', `localhost:${server.port}`, ['--tls-upstream', '--upstream-ca', certs.caPath])
    const c = await connectTo(without.port)
    // TLS 1.3 refuses the missing certificate after the handshake: the client still sees a clean close, not a reset.
    const ended = new Promise<string>((resolve) => {
      c.on('end', () => resolve('fin'))
      c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    c.write('no cert\n')
    await without.cli.waitLine((l) => l.includes(`localhost:${server.port} asked for a client certificate and none is configured (alert certificate_required): pass --client-cert FILE --client-key FILE`))
    expect(await ended).toBe('fin')
    c.destroy()
    const withCert = await startProxy('mtls', `localhost:${server.port}`, ['--tls-upstream', '--upstream-ca', certs.caPath, '--client-cert', certs.clientCert, '--client-key', certs.clientKey])
    const c2 = await connectTo(withCert.port)
    c2.write('with cert\n')
    await waitFor(() => server.out().includes('with cert'), 's_server to read from the authenticated client')
    c2.destroy()
  })

  it('openssl s_client: its SNI and ALPN reach the target (s_server -alpn), and it verifies the leaf with the CA', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const server = await sServer(['-cert', certs.leafCert, '-key', certs.leafKey, '-alpn', 'h2,http/1.1'])
    const { port, cli } = await startProxy('sclient', `127.0.0.1:${server.port}`, ['--tls-listen', '--tls-upstream', '--upstream-ca', certs.caPath])
    const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'upstream.test', '-alpn', 'h2', '-CAfile', caFile, '-verify_return_error'], 'Q\n')
    expect(r.stdout).toContain('Verify return code: 0 (ok)')
    expect(r.stdout).toContain('ALPN protocol: h2')
    await cli.waitLine((l) => /TLS with the target: TLSv1\.3, \S+, SNI upstream\.test, ALPN h2/.test(l))
    await cli.waitLine((l) => /TLS with the client: TLSv1\.3, \S+, SNI upstream\.test, ALPN h2/.test(l))
  })
})

describe('tcpscope proxy TLS flags', () => {
  it('--help describes every TLS flag', async () => {
    const r = await runCli(['proxy', '--help'])
    for (const flag of ['--tls-listen', '--tls-name NAME', '--tls-cert FILE', '--tls-key FILE', '--tls-upstream', '--upstream-ca FILE', '--insecure', '--sni NAME', '--alpn LIST', '--client-cert FILE', '--client-key FILE']) {
      expect(r.stdout).toContain(flag)
    }
  })

  it('refuses a TLS flag given without the leg it belongs to, in one line', async () => {
    const r = await runCli(['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--sni', 'x.test'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim()).toBe('tcpscope: proxy: --sni goes with --tls-upstream (TLS toward the target)')
    const missing = await runCli(['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--tls-upstream', '--upstream-ca', join(tmp.dir, 'nope.pem')])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr.trim()).toBe(`tcpscope: cannot read --upstream-ca ${join(tmp.dir, 'nope.pem')}: no such file`)
  })
})
