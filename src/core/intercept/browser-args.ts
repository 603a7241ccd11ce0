// The command lines that start a browser through tcpscope's forward proxy, in a profile of
// its own: Chromium's family trusts the CA by its key (an SPKI hash flag), Firefox by the
// profile's certificate database (firefox-profile.ts). Pure: what to run, not running it.

export interface ProxyAddress {
  host: string
  port: number
}

/** `host:port` as a URL authority: an IPv6 host in brackets. */
export const proxyAuthority = ({ host, port }: ProxyAddress): string => `${host.includes(':') ? `[${host}]` : host}:${port}`

/**
 * The address a browser on this machine reaches a proxy listening at `listen` (`HOST:PORT`
 * as ProxyInfo gives it): a wildcard address is not one to connect to, so its loopback.
 * Undefined for a Unix socket, which browsers cannot use as a proxy.
 */
export function browserProxyAddress(listen: string): ProxyAddress | undefined {
  const colon = listen.lastIndexOf(':')
  if (colon < 0 || listen.startsWith('/')) return undefined
  let host = listen.slice(0, colon)
  const port = Number(listen.slice(colon + 1))
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return { host, port }
}

export interface ChromiumLaunch {
  proxy: ProxyAddress
  profileDir: string
  /** CaInfo.spki: base64 SHA-256 of the CA's SubjectPublicKeyInfo; absent: trust comes from elsewhere (an NSS db). */
  spki?: string
  url?: string
  /** Running as root (Linux): Chromium refuses to start sandboxed then. */
  root?: boolean
  /** Added before the URL (tests run the browser headless). */
  extra?: string[]
}

export function chromiumArgs(l: ChromiumLaunch): string[] {
  const args = [
    `--user-data-dir=${l.profileDir}`,
    `--proxy-server=http://${proxyAuthority(l.proxy)}`,
    // Chromium sends loopback straight out unless told not to; a developer's localhost
    // server is often exactly what they want to see.
    '--proxy-bypass-list=<-loopback>',
    '--no-first-run',
    '--no-default-browser-check'
  ]
  // The leaf certificates are signed by tcpscope's CA; pinning its key trusts them in this
  // profile only, with nothing installed system-wide.
  if (l.spki !== undefined) args.push(`--ignore-certificate-errors-spki-list=${l.spki}`)
  if (l.root === true) args.push('--no-sandbox')
  args.push(...(l.extra ?? []))
  if (l.url !== undefined) args.push(l.url)
  return args
}

export interface FirefoxLaunch {
  profileDir: string
  url?: string
  extra?: string[]
}

export function firefoxArgs(l: FirefoxLaunch): string[] {
  // -no-remote: a Firefox already running would otherwise take the URL and this one exit at
  // once, in the user's own profile, not intercepted.
  return ['-profile', l.profileDir, '-no-remote', '-new-instance', ...(l.extra ?? []), ...(l.url !== undefined ? [l.url] : [])]
}

const prefValue = (v: string | number | boolean): string => (typeof v === 'string' ? JSON.stringify(v) : String(v))

/** A fresh Firefox profile's user.js: every request through the proxy, and no first-run noise. */
export function firefoxUserJs(proxy: ProxyAddress): string {
  const prefs: Array<[string, string | number | boolean]> = [
    // 1 = manual proxy configuration; one HTTP proxy for every scheme (CONNECT for https).
    ['network.proxy.type', 1],
    ['network.proxy.http', proxy.host],
    ['network.proxy.http_port', proxy.port],
    ['network.proxy.ssl', proxy.host],
    ['network.proxy.ssl_port', proxy.port],
    ['network.proxy.share_proxy_settings', true],
    ['network.proxy.no_proxies_on', ''],
    // As Chromium's <-loopback>: localhost goes through the proxy too.
    ['network.proxy.allow_hijacking_localhost', true],
    ['browser.shell.checkDefaultBrowser', false],
    ['browser.startup.homepage_override.mstone', 'ignore'],
    ['browser.aboutwelcome.enabled', false],
    ['datareporting.policy.dataSubmissionEnabled', false],
    ['toolkit.telemetry.reportingpolicy.firstRun', false],
    ['app.update.auto', false],
    ['app.normandy.enabled', false],
    // Its own connectivity probes would fill the capture before the user does anything.
    ['network.captive-portal-service.enabled', false],
    ['network.connectivity-service.enabled', false]
  ]
  return prefs.map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${prefValue(v)});`).join('\n') + '\n'
}
