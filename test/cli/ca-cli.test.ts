// `tcpscope ca` and `tcpscope env` as a person and a script run them: the real CLI, a fresh
// data folder (TCPSCOPE_DATA_DIR) per test, openssl and curl as the judges of what it exports.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TLSSocket } from 'node:tls'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CertificateAuthority } from '../../src/core/tls/certificate-authority'
import { CLI, runCli } from '../helpers/cli'
import { hasProgram, needProgram } from '../helpers/peers'

let dir: string
let env: NodeJS.ProcessEnv
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tcpscope-ca-cli-'))
  env = { TCPSCOPE_DATA_DIR: join(dir, 'data') }
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const ca = (args: string[], input?: Buffer) => runCli(['ca', ...args], input, env)
const certPath = (): string => join(dir, 'data', 'ca', 'tcpscope-ca.pem')
const keyPath = (): string => join(dir, 'data', 'ca', 'tcpscope-ca-key.pem')
const fingerprint = async (): Promise<string> => new X509Certificate(await readFile(certPath())).fingerprint256

/** Runs `tcpscope ca ARGS` on a pseudo-terminal (util-linux script), typing `answer`. */
async function caOnTerminal(args: string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, 'ca', ...args].map((a) => `'${a}'`).join(' ')
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env } })
  let output = ''
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString()
    if (output.includes('[y/N]')) child.stdin.end(answer)
  })
  const [code] = (await once(child, 'close')) as [number | null]
  return { code, output }
}

describe('tcpscope ca', () => {
  it('makes the CA on first use and shows it; later runs show the same one', async () => {
    const first = await ca([])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^tcpscope CA: CN=tcpscope CA \(.+\), O=tcpscope \(made just now\)\n/)
    expect(first.stdout).toContain(`  certificate:  ${certPath()}\n`)
    expect(first.stdout).toContain(`  SHA-256:      ${await fingerprint()}\n`)
    expect((await stat(keyPath())).mode & 0o777).toBe(0o600)
    const again = await ca([])
    expect(again.stdout).not.toContain('made just now')
    expect(again.stdout).toContain(await fingerprint())
  })

  it('--path prints the certificate, then the key; --json the facts', async () => {
    expect((await ca(['--path'])).stdout).toBe(`${certPath()}\n${keyPath()}\n`)
    const info = JSON.parse((await ca(['--json'])).stdout) as { sha256: string; certPath: string; spki: string }
    expect(info.sha256).toBe(await fingerprint())
    expect(info.certPath).toBe(certPath())
    expect(JSON.parse((await ca(['--path', '--json'])).stdout)).toEqual({ cert: certPath(), key: keyPath() })
  })

  it('--export writes the certificate only, refuses an existing file without --force, and - goes to stdout', async () => {
    const out = join(dir, 'exported.pem')
    const r = await ca(['--export', out])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`tcpscope: wrote the CA certificate (PEM) to ${out}\n`)
    const text = await readFile(out, 'utf8')
    expect(text).toBe(await readFile(certPath(), 'utf8'))
    expect(text).not.toContain('PRIVATE')
    await writeFile(out, 'keep me')
    const refused = await ca(['--export', out])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`tcpscope: cannot export the CA certificate to ${out}: it already exists; replace it (--force) or pick another name\n`)
    expect(await readFile(out, 'utf8')).toBe('keep me')
    expect((await ca(['--export', out, '--force'])).code).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(text)
    const piped = await ca(['--export', '-'])
    expect(piped.stdout).toBe(text)
    expect(piped.stderr).toBe('')
  })

  it('--export to a relative name lands where the command runs; FILE.der is DER, as openssl reads it', async (ctx) => {
    needProgram(ctx, 'openssl', hasProgram('openssl'))
    const child = spawn(process.execPath, [CLI, 'ca', '--export', 'ca.der'], { cwd: dir, env: { ...process.env, ...env } })
    const [code] = (await once(child, 'close')) as [number]
    expect(code).toBe(0)
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'ca.der'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' })
    expect(text.trim()).toBe(`sha256 Fingerprint=${await fingerprint()}`)
    expect((await ca(['--export', join(dir, 'x.crt'), '--format', 'der'])).code).toBe(0)
    expect(new X509Certificate(await readFile(join(dir, 'x.crt'))).fingerprint256).toBe(await fingerprint())
  })

  it('curl trusts a leaf once given the exported certificate', async (ctx) => {
    needProgram(ctx, 'curl', hasProgram('curl'))
    const exported = join(dir, 'ca.pem')
    expect((await ca(['--export', exported])).code).toBe(0)
    const authority = await CertificateAuthority.open(join(dir, 'data'))
    const context = await authority.leafContext('localhost')
    const server = createServer((socket) => {
      const tls = new TLSSocket(socket, { isServer: true, secureContext: context })
      tls.on('error', () => socket.destroy())
      tls.once('data', () => tls.end('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\ntrusted'))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const port = (server.address() as AddressInfo).port
      const curl = spawn('curl', ['-sS', '--cacert', exported, '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`])
      let body = ''
      curl.stdout.on('data', (c: Buffer) => (body += c.toString()))
      const [code] = (await once(curl, 'close')) as [number]
      expect(code).toBe(0)
      expect(body).toBe('trusted')
    } finally {
      server.close()
    }
  })

  it('--regenerate with no terminal and no --force refuses in one line, changing nothing', async () => {
    await ca([])
    const before = await fingerprint()
    const r = await ca(['--regenerate'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('tcpscope: ca: --regenerate replaces the CA that clients trust; there is no terminal to ask, so pass --force to do it anyway\n')
    expect(await fingerprint()).toBe(before)
  })

  it('--regenerate --force makes a new CA, key 0600', async () => {
    await ca([])
    const before = await fingerprint()
    const r = await ca(['--regenerate', '--force'])
    expect(r.code).toBe(0)
    const after = await fingerprint()
    expect(after).not.toBe(before)
    expect(r.stdout).toContain(`tcpscope: made a new CA (SHA-256 ${after}); trust it again wherever the old one was trusted\n`)
    expect((await stat(keyPath())).mode & 0o777).toBe(0o600)
  })

  it('--regenerate on a terminal asks: no keeps the CA, yes replaces it', async (ctx) => {
    needProgram(ctx, 'script (util-linux)', hasProgram('script'))
    await ca([])
    const before = await fingerprint()
    const no = await caOnTerminal(['--regenerate'], 'n\n')
    expect(no.output).toContain('Make a new tcpscope CA?')
    expect(no.output).toContain('tcpscope: ca: kept the current CA')
    expect(no.code).toBe(1)
    expect(await fingerprint()).toBe(before)
    const yes = await caOnTerminal(['--regenerate'], 'y\n')
    expect(yes.code).toBe(0)
    expect(await fingerprint()).not.toBe(before)
  })

  it('mistakes are one line with exit 2', async () => {
    for (const [args, message] of [
      [['--format', 'der'], 'tcpscope: ca: --format goes with --export FILE\n'],
      [['--export', 'x', '--format', 'cer'], 'tcpscope: ca: --format must be one of pem, der, got "cer"\n'],
      [['extra'], `tcpscope: ca: unexpected argument "extra"; usage: tcpscope ca [--export FILE|- [--format pem|der]] [--path] [--regenerate] [--force] [--json]\n`]
    ] as const) {
      const r = await ca([...args])
      expect(r.stderr).toBe(message)
      expect(r.code).toBe(2)
    }
    expect(existsSync(join(dir, 'data'))).toBe(false)
  })

  it('a damaged CA is one line naming the fix', async () => {
    await ca([])
    await writeFile(keyPath(), 'garbage')
    const r = await ca([])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^tcpscope: tcpscope's CA in .* cannot be used \(.* is not an ECDSA P-256 private key\): make a new one with `tcpscope ca --regenerate`.*\n$/)
    expect((await ca(['--regenerate', '--force'])).code).toBe(0)
    expect((await ca([])).code).toBe(0)
  })
})

describe('tcpscope env', () => {
  const bundlePath = (): string => join(dir, 'data', 'ca', 'tcpscope-trust-bundle.pem')

  it('prints lines bash evaluates into the proxy and CA variables: the bundle where a program\'s roots are replaced, the CA where Node adds it', async () => {
    const r = await runCli(['env', '--shell', 'bash', '--proxy', '9000'], undefined, { ...env, NO_PROXY: '', no_proxy: '' })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^# tcpscope: /)
    const got = execFileSync('bash', ['-c', `eval "$(cat)"; printenv HTTPS_PROXY http_proxy ALL_PROXY SSL_CERT_FILE NODE_EXTRA_CA_CERTS GIT_SSL_CAINFO CURL_CA_BUNDLE REQUESTS_CA_BUNDLE`], { input: r.stdout, encoding: 'utf8' })
    expect(got.split('\n').slice(0, 8)).toEqual(['http://127.0.0.1:9000', 'http://127.0.0.1:9000', 'socks5h://127.0.0.1:9000', bundlePath(), certPath(), bundlePath(), bundlePath(), bundlePath()])
    expect(existsSync(certPath())).toBe(true)
    // Comments say where the roots came from, and that loopback goes through the proxy, with the way out.
    expect(r.stdout).toMatch(/^# tcpscope: SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO name tcpscope's CA and \d+ roots from \S+/m)
    expect(r.stdout).toContain("# tcpscope: localhost and 127.0.0.1 go through the proxy too, so local servers are captured; to keep them out, add --no-proxy localhost,127.0.0.1,::1 to tcpscope env\n")
    expect(r.stdout).not.toMatch(/NO_PROXY=/i)
  })

  it('--no-proxy sets NO_PROXY and no_proxy; without it a NO_PROXY the shell has is kept, and said', async () => {
    const loopback = await runCli(['env', '--shell', 'bash', '--no-proxy', ' localhost, 127.0.0.1,::1 '], undefined, env)
    expect(loopback.code).toBe(0)
    const got = execFileSync('bash', ['-c', `eval "$(cat)"; printenv NO_PROXY no_proxy`], { input: loopback.stdout, encoding: 'utf8' })
    expect(got).toBe('localhost,127.0.0.1,::1\nlocalhost,127.0.0.1,::1\n')
    expect(loopback.stdout).not.toContain('go through the proxy too')
    const kept = await runCli(['env', '--shell', 'bash'], undefined, { ...env, NO_PROXY: '.corp.example' })
    expect(kept.stdout).toContain("# tcpscope: this shell's NO_PROXY (.corp.example) still sends those hosts around the proxy, not captured; --no-proxy '' clears it\n")
    expect(kept.stdout).not.toMatch(/NO_PROXY=/i)
    const cleared = await runCli(['env', '--shell', 'fish', '--no-proxy', ''], undefined, { ...env, NO_PROXY: '.corp.example' })
    expect(cleared.stdout).toContain("set -gx NO_PROXY ''\n")
  })

  it('follows $SHELL, and takes an IPv6 proxy', async () => {
    const fish = await runCli(['env', '--proxy', '[::1]:8081'], undefined, { ...env, SHELL: '/usr/bin/fish' })
    expect(fish.stdout).toContain("set -gx HTTPS_PROXY 'http://[::1]:8081'\n")
    const ps = await runCli(['env', '--shell', 'powershell'], undefined, env)
    expect(ps.stdout).toContain("$env:HTTPS_PROXY = 'http://127.0.0.1:8080'\n")
    expect(ps.stdout).not.toContain('https_proxy')
  })

  it('mistakes are one line with exit 2', async () => {
    for (const [args, message] of [
      [['--shell', 'tcsh'], 'tcpscope: env: --shell must be one of bash, zsh, fish, powershell, cmd, got "tcsh"\n'],
      [['--proxy', '/tmp/sock'], 'tcpscope: env: --proxy wants [HOST:]PORT, not a socket path: programs reach a proxy over TCP\n'],
      [['--proxy', 'host:99999'], 'tcpscope: env: --proxy: bad port in "host:99999": use a number from 0 to 65535\n'],
      [['--no-proxy', 'localhost,my host'], 'tcpscope: env: --no-proxy: "my host" is no host, .domain or address; give them comma-separated, e.g. --no-proxy localhost,127.0.0.1,::1\n']
    ] as const) {
      const r = await runCli(['env', ...args], undefined, env)
      expect(r.stderr).toBe(message)
      expect(r.code).toBe(2)
    }
  })
})
