// A forward proxy's options, checked and made ready: its credentials, whether and how it
// intercepts TLS inside tunnels (tcpscope's CA toward clients; the upstream's verification,
// `--upstream-ca` and `--insecure`, loaded once), and the hosts whose TLS passes through.

import type { TlsConnectOptions, ForwardOptions } from '../../../shared/tls-args'
import { UserError } from '../../net/net-errors'
import { loadTlsConnect } from '../../net/target/connect-target'
import type { CaSource } from '../../tls/ca-commands'
import { PROXY_TLS_FLAGS } from '../../tls/tls-errors'
import { ProxyAuth } from './proxy-auth'
import type { TunnelInterceptor } from './tunnel-host'
import { tunnelInterceptor } from './tunnel-tls'

/** How long a client may take to say where it goes, when nobody says. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000

/** A forward proxy's settings, checked. */
export interface ForwardSettings {
  auth: ProxyAuth | undefined
  /** TLS inside tunnels is terminated with the CA (false: passed through). */
  intercept: boolean
  /** Names (or `*.suffix`) whose TLS passes through even when intercepting, lower case. */
  passThrough: readonly string[]
  handshakeTimeoutMs: number
}

/**
 * Pass-through hosts as matchesHost takes them (lower case, no trailing dot); a one-line
 * UserError for one that is no host name, IP address or `*.suffix`. The CLI's --pass-through
 * checks its hosts with this before the proxy starts.
 */
export function passThroughHosts(hosts: readonly string[]): string[] {
  const passThrough = hosts.map((p) => p.trim().toLowerCase().replace(/\.$/, ''))
  for (const p of passThrough) {
    if (!/^(\*\.)?[a-z0-9_](?:[a-z0-9_.:-]*[a-z0-9_])?$/.test(p)) throw new UserError(`pass-through host "${p}": give a host name, an IP address or *.suffix`, 'EINVAL')
  }
  return passThrough
}

/** The command's forward options as settings; a one-line UserError for bad ones. */
export function forwardSettings(opts: ForwardOptions): ForwardSettings {
  const passThrough = passThroughHosts(opts.passThrough ?? [])
  return {
    auth: opts.proxyAuth !== undefined ? ProxyAuth.parse(opts.proxyAuth) : undefined,
    intercept: opts.intercept ?? true,
    passThrough,
    handshakeTimeoutMs: opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS
  }
}

/** Whether `name` is one of `patterns` (exact, or under a `*.suffix`). */
export function matchesHost(name: string, patterns: readonly string[]): boolean {
  const n = name.toLowerCase().replace(/\.$/, '')
  for (const p of patterns) {
    if (p.startsWith('*.') ? n.endsWith(p.slice(1)) : n === p) return true
  }
  return false
}

/** A forward proxy's settings and, when it can terminate TLS, how it intercepts (tunnel-tls.ts). */
export interface ForwardProxyOptions extends ForwardSettings {
  interceptor: TunnelInterceptor | undefined
}

/** What a forward proxy intercepts TLS with. */
export interface ForwardTlsDeps {
  ca: CaSource
}

/**
 * The options of `proxy.start` with `forward` made ready: settings checked, upstream TLS
 * files read, and the CA opened (made on first use) and readied to issue leaves when tunnels'
 * TLS is intercepted, so a problem with any of them is one line at start, not one per tunnel.
 */
export async function forwardProxyOptions(opts: ForwardOptions, upstream: TlsConnectOptions | undefined, deps: ForwardTlsDeps | undefined): Promise<ForwardProxyOptions> {
  const settings = forwardSettings(opts)
  if (upstream?.sni !== undefined) throw new UserError('--sni does not apply to a forward proxy: each tunnel sends the name its client asked for', 'EUSAGE')
  if (!settings.intercept || deps === undefined) return { ...settings, interceptor: undefined }
  // The CA readied to issue leaves too, so that the first tunnels do not wait for it.
  const [tls] = await Promise.all([loadTlsConnect({ ...upstream, alpn: undefined }, PROXY_TLS_FLAGS), deps.ca().then((ca) => ca.readyToIssue())])
  return { ...settings, interceptor: tunnelInterceptor({ ca: deps.ca, upstream: tls, timeoutMs: settings.handshakeTimeoutMs }) }
}
