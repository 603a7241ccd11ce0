// `tcpscope proxy --forward` run as the real CLI, with curl as the client and nginx as the
// destination: HTTPS through CONNECT and SOCKS5 (--socks5-hostname) decrypted with the
// exported CA, plain http by absolute-form and by SOCKS5 (--socks5), --proxy-user, and
// --no-intercept; `ls --json` then shows each tunnel with its destination and `via`.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { CliProcess, runCli } from '../helpers/cli'
import { tempDir } from '../helpers/net'
import { startNginx, type Nginx } from '../helpers/nginx'
import { hasProgram, needProgram } from '../helpers/peers'
import { makeTestCerts, type TestCerts } from '../helpers/tls-certs'

const tmp = tempDir()
let certs: TestCerts
const have = hasProgram('openssl') && hasProgram('curl') && hasProgram('nginx')
const cleanups: Array<() => unknown> = []
const savedDataDir = process.env.TCPSCOPE_DATA_DIR
let plain: Nginx
let secure: Nginx
let caFile: string

beforeAll(async () => {
  // The CLIs this file starts make and share their CA here, never in the real home folder.
  process.env.TCPSCOPE_DATA_DIR = join(tmp.dir, 'data')
  if (!have) return
  certs = makeTestCerts(tmp.dir)
  plain = await startNginx(join(tmp.dir, 'nginx-plain'))
  secure = await startNginx(join(tmp.dir, 'nginx-tls'), {}, { tls: { cert: certs.leafCert, key: certs.leafKey } })
  caFile = join(tmp.dir, 'tcpscope-ca.pem')
  const exported = await runCli(['ca', '--export', caFile])
  expect(exported.code).toBe(0)
})
afterAll(async () => {
  await plain?.stop()
  await secure?.stop()
  tmp.cleanup()
  if (savedDataDir === undefined) delete process.env.TCPSCOPE_DATA_DIR
  else process.env.TCPSCOPE_DATA_DIR = savedDataDir
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface CurlResult {
  code: number
  stdout: string
  stderr: string
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

async function startForward(name: string, extra: string[] = []): Promise<{ proxy: string; capture: string; cli: CliProcess }> {
  const capture = join(tmp.dir, `${name}.tcap`)
  const cli = new CliProcess(['proxy', '--listen', '127.0.0.1:0', '--forward', '--capture', capture, ...extra])
  cleanups.push(() => cli.stop())
  const line = await cli.waitLine((l) => l.startsWith('tcpscope: listening on'))
  expect(line).toMatch(/ as a forward proxy \(HTTP CONNECT, http:\/\/ URLs, SOCKS5\)/)
  return { proxy: /listening on (\S+) /.exec(line)![1], capture, cli }
}

interface Row {
  target: string
  via?: string
  end: string
  tls?: { client?: { sni?: string }; server?: { sni?: string }; passthrough?: { sni?: string } }
}

async function rows(capture: string): Promise<Row[]> {
  const r = await runCli(['ls', capture, '--json'])
  expect(r.code).toBe(0)
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row)
}

describe('tcpscope proxy --forward (curl, nginx)', () => {
  it('serves HTTPS through CONNECT and SOCKS5 decrypted with the exported CA, and plain http by absolute-form and SOCKS5', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { proxy, capture, cli } = await startForward('all', ['--upstream-ca', certs.caPath])
    const https = `https://localhost:${secure.port}/hello`
    const viaConnect = await curl(['--cacert', caFile, '-x', `http://${proxy}`, https])
    expect(viaConnect.stderr).toBe('')
    expect(viaConnect.stdout).toBe('hello from nginx\n')
    const viaSocksName = await curl(['--cacert', caFile, '--socks5-hostname', proxy, https])
    expect(viaSocksName.stdout).toBe('hello from nginx\n')
    const absolute = await curl(['-x', `http://${proxy}`, `http://127.0.0.1:${plain.port}/hello`])
    expect(absolute.stdout).toBe('hello from nginx\n')
    const viaSocksIp = await curl(['--socks5', proxy, `http://127.0.0.1:${plain.port}/hello`])
    expect(viaSocksIp.stdout).toBe('hello from nginx\n')
    await cli.stop()
    const all = await rows(capture)
    const by = (via: string, target: string): Row | undefined => all.find((r) => r.via === via && r.target === target)
    expect(by('CONNECT', `localhost:${secure.port}`)?.tls?.client?.sni).toBe('localhost')
    expect(by('SOCKS5', `localhost:${secure.port}`)?.tls?.server?.sni).toBe('localhost')
    expect(by('HTTP', `127.0.0.1:${plain.port}`)).toBeDefined()
    expect(by('SOCKS5', `127.0.0.1:${plain.port}`)).toBeDefined()
    // The request is in the capture in clear.
    const exported = await runCli(['export', capture, '--format', 'har', '--output', '-'])
    expect(exported.stdout).toContain(`https://localhost:${secure.port}/hello`)
  })

  it('--proxy-auth: curl is refused (407) without --proxy-user and let through with it, over HTTP and SOCKS5', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { proxy } = await startForward('auth', ['--proxy-auth', 'alice:s3cret'])
    const url = `http://127.0.0.1:${plain.port}/hello`
    const none = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', `http://${proxy}`, url])
    expect(none.stdout).toBe('407')
    const wrong = await curl(['-o', '/dev/null', '-w', '%{http_code}', '--proxy-user', 'alice:nope', '-x', `http://${proxy}`, url])
    expect(wrong.stdout).toBe('407')
    const right = await curl(['--proxy-user', 'alice:s3cret', '-x', `http://${proxy}`, url])
    expect(right.stdout).toBe('hello from nginx\n')
    const tunnel = await curl(['--proxy-user', 'alice:s3cret', '-p', '-x', `http://${proxy}`, url])
    expect(tunnel.stdout).toBe('hello from nginx\n')
    const socksWrong = await curl(['-x', `socks5h://alice:nope@${proxy}`, url])
    expect(socksWrong.code).not.toBe(0)
    const socksRight = await curl(['-x', `socks5h://alice:s3cret@${proxy}`, url])
    expect(socksRight.stdout).toBe('hello from nginx\n')
  })

  it('--no-intercept passes HTTPS through (the destination\'s own certificate), recorded as TLS with its SNI; a closed port is a 502', async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { proxy, capture, cli } = await startForward('pass', ['--no-intercept'])
    const through = await curl(['--cacert', certs.caPath, '-x', `http://${proxy}`, `https://localhost:${secure.port}/hello`])
    expect(through.stdout).toBe('hello from nginx\n')
    // Each tunnel's open line names its real destination and how it came.
    await cli.waitLine((l) => l.includes(`-> localhost:${secure.port} via CONNECT`))
    const refused = await curl(['-o', '/dev/null', '-w', '%{http_code}', '-x', `http://${proxy}`, 'http://127.0.0.1:1/'])
    expect(refused.stdout).toBe('502')
    await cli.stop()
    const all = await rows(capture)
    expect(all.find((r) => r.via === 'CONNECT')?.tls?.passthrough?.sni).toBe('localhost')
    expect(all.find((r) => r.target === '127.0.0.1:1')?.end).toBe('connect-failed')
  })

  it('rejects --proxy-auth without --forward, and --forward with --target, in one line', async () => {
    const a = await runCli(['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--proxy-auth', 'a:b'])
    expect(a.code).not.toBe(0)
    expect(a.stderr).toMatch(/--proxy-auth and --no-intercept go with --forward/)
    const b = await runCli(['proxy', '--listen', '0', '--forward', '--target', '127.0.0.1:1'])
    expect(b.code).not.toBe(0)
    expect(b.stderr).toMatch(/a forward proxy has no target/)
    expect(b.stderr.trim().split('\n')).toHaveLength(1)
  })
})
