// `tcpscope proxy --forward` run as the real CLI, with curl as the client and nginx as the
// destination: HTTPS through CONNECT and SOCKS5 (--socks5-hostname) decrypted with the
// exported CA, plain http by absolute-form and by SOCKS5 (--socks5), --proxy-user,
// --no-intercept and --pass-through; `ls --json` then shows each tunnel with its destination
// and `via`. And `tcpscope env`'s lines evaluated in bash, with curl and Python's requests
// verifying through the proxy, around it and through a passed-through host with its bundle.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
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

  it("--pass-through: a listed host's TLS passes through (curl sees the server's own certificate), the others are decrypted; the capture says which", async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    // Repeated and comma-separated, matched as the app's Pass through list is: case and a trailing dot ignored.
    const { proxy, capture, cli } = await startForward('pass-list', ['--upstream-ca', certs.caPath, '--pass-through', 'nothing.test,LOCALHOST.', '--pass-through', '*.other.test'])
    const issuer = (r: CurlResult): string | undefined => /issuer: (.*)/.exec(r.stderr)?.[1]
    // localhost: the server's own certificate, verified against the server's CA, not tcpscope's.
    const through = await curl(['-v', '--cacert', certs.caPath, '-x', `http://${proxy}`, `https://localhost:${secure.port}/hello`])
    expect(through.stdout).toBe('hello from nginx\n')
    expect(issuer(through)).toBe('CN=tcpscope test CA')
    const notOurs = await curl(['--cacert', caFile, '-x', `http://${proxy}`, `https://localhost:${secure.port}/hello`])
    expect(notOurs.code).toBe(60)
    // 127.0.0.1: not listed, so decrypted, with a leaf of tcpscope's CA.
    const decrypted = await curl(['-v', '--cacert', caFile, '-x', `http://${proxy}`, `https://127.0.0.1:${secure.port}/hello`])
    expect(decrypted.stdout).toBe('hello from nginx\n')
    expect(issuer(decrypted)).toMatch(/^CN=tcpscope CA \(.*\); O=tcpscope$|^O=tcpscope; CN=tcpscope CA/)
    await cli.stop()
    const all = await rows(capture)
    const passed = all.filter((r) => r.target === `localhost:${secure.port}`)
    expect(passed.length).toBeGreaterThan(0)
    for (const r of passed) expect(r.tls).toMatchObject({ passthrough: { sni: 'localhost' } })
    const opened = all.find((r) => r.target === `127.0.0.1:${secure.port}`)
    expect(opened?.tls?.passthrough).toBeUndefined()
    expect(opened?.tls?.server).toBeDefined()
    // The request passed through is nowhere in clear; the decrypted one is.
    const har = await runCli(['export', capture, '--format', 'har', '--output', '-'])
    expect(har.stdout).toContain(`https://127.0.0.1:${secure.port}/hello`)
    expect(har.stdout).not.toContain(`https://localhost:${secure.port}/hello`)
  })

  it('refuses --pass-through without --forward, with --no-intercept, and a host that is none, in one line, exit 2, leaving no capture', async () => {
    const capture = join(tmp.dir, 'refused.tcap')
    for (const [args, message] of [
      [['--target', '127.0.0.1:1', '--pass-through', 'a.test'], 'tcpscope: proxy: --proxy-auth, --no-intercept and --pass-through go with --forward\n'],
      [['--forward', '--no-intercept', '--pass-through', 'a.test'], 'tcpscope: proxy: --pass-through names the hosts not to decrypt; with --no-intercept no host is decrypted: give one or the other\n'],
      [['--forward', '--pass-through', 'a.test,bad host'], 'tcpscope: proxy: pass-through host "bad host": give a host name, an IP address or *.suffix\n'],
      [['--forward', '--pass-through', ','], 'tcpscope: proxy: --pass-through wants a host, e.g. --pass-through api.example.com,*.apple.com\n']
    ] as const) {
      const r = await runCli(['proxy', '--listen', '127.0.0.1:0', ...args, '--capture', capture])
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: message })
      expect(existsSync(capture)).toBe(false)
    }
  })

  it('rejects --proxy-auth without --forward, and --forward with --target, in one line', async () => {
    const a = await runCli(['proxy', '--listen', '0', '--target', '127.0.0.1:1', '--proxy-auth', 'a:b'])
    expect(a.code).not.toBe(0)
    expect(a.stderr).toMatch(/--proxy-auth, --no-intercept and --pass-through go with --forward/)
    const b = await runCli(['proxy', '--listen', '0', '--forward', '--target', '127.0.0.1:1'])
    expect(b.code).not.toBe(0)
    expect(b.stderr).toMatch(/a forward proxy has no target/)
    expect(b.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('tcpscope env with the forward proxy (bash, curl, python requests, nginx)', () => {
  it("points the programs that replace their roots at a bundle: they verify through the proxy (tcpscope's CA), around it and through a passed-through host (the system's roots)", async (ctx) => {
    needProgram(ctx, 'openssl, curl and nginx', have)
    const { proxy } = await startForward('env', ['--upstream-ca', certs.caPath, '--pass-through', 'localhost'])
    // The test CA stands for the system's roots: the shell names it in SSL_CERT_FILE, which is where OpenSSL looks first.
    const r = await runCli(['env', '--shell', 'bash', '--proxy', proxy], undefined, { SSL_CERT_FILE: certs.caPath, NO_PROXY: '', no_proxy: '' })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`name tcpscope's CA and 1 root from ${certs.caPath}\n`)
    const get = (url: string, more = ''): string => `${more} curl -sS --max-time 20 -o /dev/null -w '%{http_code}' ${url}; echo " $?"`
    const script = [
      'eval "$(cat)"',
      // Through the proxy, decrypted: tcpscope's CA, in the bundle.
      get(`https://127.0.0.1:${secure.port}/hello`),
      // Through the proxy, passed through: the server's own certificate, one of the "system's" roots.
      get(`https://localhost:${secure.port}/hello`),
      // Around the proxy: the same.
      get(`https://localhost:${secure.port}/hello`, "NO_PROXY='*'"),
      // What the CA alone (what these variables named before) makes of the passed-through host.
      get(`https://localhost:${secure.port}/hello`, 'CURL_CA_BUNDLE="$NODE_EXTRA_CA_CERTS"'),
      hasProgram('python3') ? `python3 -c "import requests; print(requests.get('https://localhost:${secure.port}/hello').text.strip(), requests.get('https://127.0.0.1:${secure.port}/hello').text.strip())" 2>&1` : 'echo no python'
    ].join('\n')
    const out = await new Promise<string>((resolve) => execFile('bash', ['-c', script], { timeout: 60_000, env: { ...process.env, NO_PROXY: '', no_proxy: '' } }, (_err, stdout) => resolve(stdout)).stdin!.end(r.stdout))
    const lines = out.trim().split('\n')
    expect(lines.slice(0, 4)).toEqual(['200 0', '200 0', '200 0', '000 60'])
    if (lines[4] !== 'no python') expect(lines[4]).toBe('hello from nginx hello from nginx')
  })
})
