// The TLS options of proxies, client and server sessions and replays (contract.ts lists the
// commands), and the CA and interception commands' arguments. Files are named by path on the
// engine's host: the engine reads them (never synchronously), and a command that takes one
// says so (`reads-path`).

import { arr, bool, int, obj, oneOf, optional, str, type Infer } from './schema'

const path = str({ nonEmpty: true, max: 4096 })
const hostName = str({ nonEmpty: true, max: 253 })
/** ALPN protocol ids (`h2`, `http/1.1`): 1-255 bytes each. */
const alpnList = arr(str({ nonEmpty: true, max: 255 }), { max: 16 })

/**
 * TLS toward a target (a proxy's upstream leg, a client session, a replay): tcpscope is the
 * TLS client. Verification is on unless `verify: false`, against the system's roots plus `ca`.
 */
export const tlsConnectOptions = obj({
  /** Default true. */
  verify: optional(bool()),
  /** PEM file(s) of extra CA certificates to trust. */
  ca: optional(path),
  /** The name to send (SNI) and to verify; default the target's host name (a proxy: the client's SNI). */
  sni: optional(hostName),
  /** ALPN protocols to offer; default: a proxy offers what its client offered, a session none. */
  alpn: optional(alpnList),
  /** A client certificate and its key (PEM), for a target that asks for one (mTLS). */
  cert: optional(path),
  key: optional(path)
})
export type TlsConnectOptions = Infer<typeof tlsConnectOptions>

/**
 * TLS toward clients (a proxy's listening side, a server session): tcpscope is the TLS
 * server. With neither `cert` nor `key`, it answers with a leaf from its CA, for the name the
 * client asked for (SNI), else for `name`, else for the target's host or the listen address.
 */
export const tlsListenOptions = obj({
  name: optional(hostName),
  cert: optional(path),
  key: optional(path),
  /** ALPN protocols to accept (a server session); a proxy settles what its upstream settled. */
  alpn: optional(alpnList)
})
export type TlsListenOptions = Infer<typeof tlsListenOptions>

/**
 * A replay's TLS toward its target, over what the replayed connection recorded: by default
 * a connection whose target spoke TLS is replayed over TLS, verified, with the SNI and ALPN
 * it recorded (its ConnectionSummary.tls).
 */
export const replayTlsOptions = obj({
  /** true: TLS even to a target recorded as plain; false: plain TCP even to one recorded as TLS. */
  enabled: optional(bool()),
  /** Default true. */
  verify: optional(bool()),
  /** PEM file(s) of extra CA certificates to trust. */
  ca: optional(path),
  /** The name to send (SNI) and verify, instead of the recorded one. */
  sni: optional(hostName),
  /** A client certificate and its key (PEM), for a target that asks for one (mTLS). */
  cert: optional(path),
  key: optional(path)
})
export type ReplayTlsOptions = Infer<typeof replayTlsOptions>

/** `ca.export`: the certificate only, ever; to a path on the engine's host, or returned. */
export const caExportArgs = obj({
  format: optional(oneOf(['pem', 'der'] as const)),
  path: optional(path),
  force: optional(bool())
})
export const caRegenerateArgs = obj({
  /** Must be true: a new CA is untrusted everywhere the old one was trusted. */
  confirm: bool()
})

export const BROWSERS = ['chromium', 'chrome', 'edge', 'firefox'] as const
export type BrowserName = (typeof BROWSERS)[number]
export const interceptBrowserArgs = obj({
  browser: oneOf(BROWSERS),
  /** A forward proxy to use; default: the running one, else one started on a free port. */
  proxyId: optional(str({ nonEmpty: true, max: 64 })),
  /** A page to open first. */
  url: optional(str({ nonEmpty: true, max: 4096 }))
})
export const interceptStopArgs = obj({ browserId: str({ nonEmpty: true, max: 64 }) })
export const forwardOptions = obj({
  /** `USER:PASS`: clients must authenticate (HTTP 407 / SOCKS5 RFC 1929). */
  proxyAuth: optional(str({ nonEmpty: true, max: 1024 })),
  /** Default true: TLS inside a tunnel is terminated with the CA; false passes it through. */
  intercept: optional(bool()),
  /** Hosts (or `*.suffix` patterns) whose TLS passes through even when intercepting. */
  passThrough: optional(arr(str({ nonEmpty: true, max: 253 }), { max: 1000 })),
  /** How long a client may take to say where it goes (ms). */
  handshakeTimeoutMs: optional(int({ min: 1, max: 600_000 }))
})
export type ForwardOptions = Infer<typeof forwardOptions>
