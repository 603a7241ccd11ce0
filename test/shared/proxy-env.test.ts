// The proxy environment lines, run in a real shell where one is here: each variable must
// arrive exactly as meant, whatever quotes or spaces the CA's path holds.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { proxyEnv, proxyEnvVars, shellFromPath } from '../../src/shared/proxy-env'
import { hasProgram, needProgram } from '../helpers/peers'

const target = { proxy: '127.0.0.1:8080', caPath: "/home/o'brien/my data/tcpscope-ca.pem" }
const NAMES = ['HTTP_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']

describe('proxyEnv', () => {
  it('names every variable the issue lists: proxies (both cases on POSIX shells), socks5h, the CA five times', () => {
    const vars = new Map(proxyEnvVars(target, 'bash'))
    expect([...vars.keys()]).toEqual(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'])
    expect(vars.get('HTTPS_PROXY')).toBe('http://127.0.0.1:8080')
    expect(vars.get('ALL_PROXY')).toBe('socks5h://127.0.0.1:8080')
    expect(vars.get('GIT_SSL_CAINFO')).toBe(target.caPath)
    // Windows' names ignore case: no lower-case twins there.
    expect(proxyEnvVars(target, 'cmd').map(([n]) => n)).not.toContain('http_proxy')
  })

  it('points the variables that replace a program\'s roots at the bundle, NODE_EXTRA_CA_CERTS (which adds) at the CA alone, and sets NO_PROXY only when given', () => {
    const withBundle = { ...target, bundlePath: '/data/ca/tcpscope-trust-bundle.pem' }
    const vars = new Map(proxyEnvVars(withBundle, 'bash'))
    for (const name of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) expect(vars.get(name), name).toBe(withBundle.bundlePath)
    expect(vars.get('NODE_EXTRA_CA_CERTS')).toBe(target.caPath)
    expect(vars.has('NO_PROXY')).toBe(false)
    const loopback = new Map(proxyEnvVars({ ...withBundle, noProxy: 'localhost,127.0.0.1,::1' }, 'zsh'))
    expect([loopback.get('NO_PROXY'), loopback.get('no_proxy')]).toEqual(['localhost,127.0.0.1,::1', 'localhost,127.0.0.1,::1'])
    // An empty list clears what the shell had; Windows' names ignore case, so one is set there.
    expect(proxyEnvVars({ ...target, noProxy: '' }, 'powershell').filter(([n]) => /^no_proxy$/i.test(n))).toEqual([['NO_PROXY', '']])
  })

  it('writes each shell its own syntax', () => {
    const t = { proxy: '[::1]:9000', caPath: 'C:\\Users\\o\'b\\ca.pem' }
    expect(proxyEnv('fish', t)[1]).toBe("set -gx HTTP_PROXY 'http://[::1]:9000'")
    expect(proxyEnv('fish', t).at(-1)).toBe("set -gx GIT_SSL_CAINFO 'C:\\\\Users\\\\o\\'b\\\\ca.pem'")
    expect(proxyEnv('powershell', t).at(-1)).toBe("$env:GIT_SSL_CAINFO = 'C:\\Users\\o''b\\ca.pem'")
    expect(proxyEnv('cmd', t).at(-1)).toBe('set "GIT_SSL_CAINFO=C:\\Users\\o\'b\\ca.pem"')
    expect(proxyEnv('cmd', t)[0]).toMatch(/^rem tcpscope: /)
    expect(proxyEnv('zsh', t)[0]).toMatch(/^# tcpscope: /)
  })

  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    it(`${shell} sets every variable to exactly its value`, (ctx) => {
      needProgram(ctx, shell, hasProgram(shell))
      const script = [...proxyEnv(shell, target), ...NAMES.map((n) => `printenv ${n}`)].join('\n')
      const out = execFileSync(shell, ['-c', script], { encoding: 'utf8', env: { PATH: process.env.PATH } }).split('\n')
      const want = new Map(proxyEnvVars(target, shell))
      expect(out.slice(0, NAMES.length)).toEqual(NAMES.map((n) => want.get(n)))
    })
  }

  it('knows a shell from $SHELL or ComSpec', () => {
    expect(shellFromPath('/usr/bin/zsh')).toBe('zsh')
    expect(shellFromPath('/opt/homebrew/bin/fish')).toBe('fish')
    expect(shellFromPath('C:\\Windows\\system32\\cmd.exe')).toBe('cmd')
    expect(shellFromPath('C:\\Program Files\\PowerShell\\7\\pwsh.exe')).toBe('powershell')
    expect(shellFromPath('/bin/tcsh')).toBeUndefined()
    expect(shellFromPath(undefined)).toBeUndefined()
  })
})
