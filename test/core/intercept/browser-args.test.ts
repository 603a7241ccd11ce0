// The command lines and Firefox prefs that put a browser behind tcpscope's forward proxy.
import { describe, expect, it } from 'vitest'
import { browserProxyAddress, chromiumArgs, firefoxArgs, firefoxUserJs } from '../../../src/core/intercept/browser-args'

describe('browser command lines', () => {
  const proxy = { host: '127.0.0.1', port: 8080 }

  it('starts Chromium in its profile, through the proxy, loopback included, trusting the CA by its key', () => {
    const args = chromiumArgs({ proxy, profileDir: '/tmp/p', spki: 'abc=', url: 'https://example.test/' })
    expect(args).toEqual([
      '--user-data-dir=/tmp/p',
      '--proxy-server=http://127.0.0.1:8080',
      '--proxy-bypass-list=<-loopback>',
      '--no-first-run',
      '--no-default-browser-check',
      '--ignore-certificate-errors-spki-list=abc=',
      'https://example.test/'
    ])
  })

  it('leaves the SPKI flag out when trust comes from elsewhere, adds --no-sandbox for root, extra flags before the URL', () => {
    const args = chromiumArgs({ proxy: { host: '::1', port: 9 }, profileDir: '/p', root: true, extra: ['--headless'], url: 'http://x/' })
    expect(args.some((a) => a.startsWith('--ignore-certificate-errors-spki-list'))).toBe(false)
    expect(args).toContain('--proxy-server=http://[::1]:9')
    expect(args.slice(-3)).toEqual(['--no-sandbox', '--headless', 'http://x/'])
  })

  it('starts Firefox in its own profile, never handing over to a running one', () => {
    expect(firefoxArgs({ profileDir: '/p', url: 'https://x/', extra: ['-headless'] })).toEqual(['-profile', '/p', '-no-remote', '-new-instance', '-headless', 'https://x/'])
  })

  it("writes Firefox's proxy prefs for http and https, localhost included", () => {
    const js = firefoxUserJs({ host: '127.0.0.1', port: 8080 })
    for (const line of [
      'user_pref("network.proxy.type", 1);',
      'user_pref("network.proxy.http", "127.0.0.1");',
      'user_pref("network.proxy.http_port", 8080);',
      'user_pref("network.proxy.ssl", "127.0.0.1");',
      'user_pref("network.proxy.ssl_port", 8080);',
      'user_pref("network.proxy.allow_hijacking_localhost", true);',
      'user_pref("network.proxy.no_proxies_on", "");'
    ])
      expect(js.split('\n')).toContain(line)
  })

  it('reaches a proxy on a wildcard address through loopback, and refuses a socket path', () => {
    expect(browserProxyAddress('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(browserProxyAddress('0.0.0.0:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(browserProxyAddress('[::]:8080')).toEqual({ host: '::1', port: 8080 })
    expect(browserProxyAddress('[::1]:81')).toEqual({ host: '::1', port: 81 })
    expect(browserProxyAddress('/tmp/proxy.sock')).toBeUndefined()
  })
})
