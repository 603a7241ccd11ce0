// What a connection's TLS was, as recorded and as front ends see it. A leg is one of the
// connection's two TCP connections, named by the side tcpscope talks to on it, as the
// capture names directions: `client` is the leg toward the client (tcpscope answers as a
// TLS server with a leaf from its CA), `server` the leg toward the target (tcpscope is the
// TLS client). The bytes in the capture are always what the applications exchanged:
// cleartext on a leg tcpscope terminated.

import type { Direction } from './direction'

/**
 * The openings after which a connection switches to TLS midway (STARTTLS): PostgreSQL's
 * SSLRequest, SMTP's STARTTLS, IMAP's STARTTLS, POP3's STLS, MySQL's SSL request.
 */
export const STARTTLS_PROTOCOLS = ['postgres', 'smtp', 'imap', 'pop3', 'mysql'] as const
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number]

/** How a terminal names a connection's TLS: `TLS`, or `TLS after STARTTLS (smtp)` when it began midway. */
export const tlsWord = (starttls: StartTlsProtocol | undefined): string => (starttls === undefined ? 'TLS' : `TLS after STARTTLS (${starttls})`)

/** A certificate as people compare them: names, dates and its SHA-256 fingerprint. */
export interface CertFacts {
  /** Distinguished names in OpenSSL's one-line form, e.g. `CN=upstream.test, O=Example`. */
  subject: string
  issuer: string
  /** ISO 8601. */
  validFrom: string
  validTo: string
  /** Upper-case hex pairs joined by colons, as openssl and browsers print it. */
  sha256: string
  /** Subject alternative names, as `DNS:name` / `IP Address:1.2.3.4`. */
  san?: string[]
}

/** One leg's finished handshake. */
export interface TlsLegFacts {
  side: Direction
  /** `TLSv1.3`, `TLSv1.2`, ... as Node names it. */
  version: string
  /** The cipher's standard (IANA) name. */
  cipher: string
  /** The name the client asked for (SNI): sent by tcpscope on the `server` leg, received on the `client` leg. */
  sni?: string
  /** The protocol ALPN settled on (`h2`, `http/1.1`), if any. */
  alpn?: string
  /** The session was resumed (no full handshake). */
  resumed?: boolean
  /** The `server` leg: the chain the target presented, leaf first. */
  chain?: CertFacts[]
  /** The `server` leg without verification (`--insecure`): why the chain would have failed, if it would have. */
  unverified?: string
  /** The `server` leg, verified through a CA file tcpscope was told to trust (`--upstream-ca`): its absolute path. */
  caFile?: string
  /**
   * A resumed `server` leg: the target shows no certificate when a session is resumed, so
   * `chain`, `caFile` and `unverified` are those of the full handshake that made the session.
   */
  chainFromSession?: boolean
  /** TLS began midway, after this protocol's opening (the cleartext before it is in the capture too). */
  starttls?: StartTlsProtocol
}

/** A handshake that failed, on one leg. */
export interface TlsFailure {
  side: Direction
  /** An OpenSSL or Node code: `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`, ... */
  code: string
  /** The TLS alert, by its RFC 8446 name (`unknown_ca`, `handshake_failure`), when one was sent or received. */
  alert?: string
  /** The one line a person reads: what happened, and how to fix it. */
  message: string
}

/**
 * A TLS ClientHello tcpscope read but did not terminate (passed through): what it asked for.
 * Recorded by a proxy that passes TLS through (`--no-intercept`), and read from the client's
 * first bytes by the decoders for any connection that carries TLS.
 */
export interface TlsHello {
  sni?: string
  /** The ALPN protocols offered, in the client's order. */
  alpn?: string[]
}

/**
 * The `tls` record's payload: one per leg as its handshake ends (`ok`), or fails, or a
 * hello passed through untouched.
 */
export type TlsEventInfo =
  | ({ ok: true } & TlsLegFacts)
  | ({ ok: false } & TlsFailure)
  | ({ ok: true; passthrough: true; side: 'client'; starttls?: StartTlsProtocol } & TlsHello)

/** What a connection's list row and detail show of its TLS (ConnectionSummary.tls). */
export interface TlsSummary {
  client?: TlsLegFacts
  server?: TlsLegFacts
  /** The first handshake failure, if any. */
  failure?: TlsFailure
  /** TLS passed through untouched (not terminated): what its hello asked for. */
  passthrough?: TlsHello
  /** The name the connection was for: the client's SNI, else the one sent upstream. */
  sni?: string
  /** The protocol the applications spoke over TLS (ALPN), when one was settled. */
  alpn?: string
  /** TLS began midway, after this protocol's opening (STARTTLS). */
  starttls?: StartTlsProtocol
}

/** How a forward proxy's client asked for its destination. */
export const VIAS = ['CONNECT', 'SOCKS5', 'HTTP'] as const
export type Via = (typeof VIAS)[number]

/** tcpscope's certificate authority, as the CA panel and `tcpscope ca` show it. */
export interface CaInfo {
  /** `CN=tcpscope CA (host), O=tcpscope`. */
  subject: string
  /** Upper-case hex pairs joined by colons. */
  sha256: string
  /** base64 SHA-256 of the SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list takes it. */
  spki: string
  validFrom: string
  validTo: string
  /** The certificate (public) and key (0600, never exported) files. */
  certPath: string
  keyPath: string
  /** The data folder both live in. */
  dataDir: string
  /** The certificate, PEM: what Export saves. */
  pem: string
  /** Just made (first use or a regenerate). */
  created?: boolean
}

/**
 * `ca.bundle`: tcpscope's CA and the system's roots in one PEM file, for the variables that
 * replace a program's roots (SSL_CERT_FILE, CURL_CA_BUNDLE, ...): pointed at it, a program
 * still verifies the hosts it reaches around the proxy.
 */
export interface TrustBundle {
  /** The file (certificates only, 0644), beside the CA's. */
  path: string
  /** The roots in it beside tcpscope's CA. */
  roots: number
  /** Where they came from: a file's path, the system's certificate store, or Node's bundled roots. */
  from: string
}
