// How a TLS handshake failure reads: one line that says what happened on which leg and how
// to fix it, naming the flags that fix it. Every TLS failure tcpscope records or prints is
// worded here, and the flags named are in one place (TlsFlagWords), so the proxy, sessions
// and replay say the same thing in their own flags.

import { UserError } from '../../shared/errors'
import type { CertFacts, TlsFailure } from '../../shared/tls-types'
import { commonName } from './tls-facts'

/** The flags a fix names, as the front end that started the connection spells them (bare names; messages add FILE, NAME). */
export interface TlsFlagWords {
  /** Trust an extra CA for the target. */
  ca: string
  /** Skip verifying the target. */
  insecure: string
  /** Ask the target for another name. */
  sni: string
  /** A client certificate and its key, for a target that asks for one. */
  clientCert: string
  clientKey: string
  /** TLS toward the target at all. */
  tls: string
  /** How to go without TLS, where it is not "drop" the tls flag (a replay of a TLS connection: `replay with --no-tls`). */
  plain?: string
}

/** `tcpscope proxy`'s flags (and the UI's proxy form, whose fields carry the same names). */
export const PROXY_TLS_FLAGS: TlsFlagWords = {
  ca: '--upstream-ca',
  insecure: '--insecure',
  sni: '--sni',
  clientCert: '--client-cert',
  clientKey: '--client-key',
  tls: '--tls-upstream'
}

/** `tcpscope connect`'s flags (client sessions, and replays of their connections). */
export const SESSION_TLS_FLAGS: TlsFlagWords = {
  ca: '--ca',
  insecure: '--insecure',
  sni: '--sni',
  clientCert: '--client-cert',
  clientKey: '--client-key',
  tls: '--tls'
}

const certFlags = (f: TlsFlagWords): string => `${f.clientCert} FILE ${f.clientKey} FILE`

const TRUST_CA = 'trust tcpscope\'s CA (`tcpscope ca --export`, then install it)'

/**
 * The TLS alert in a Node/OpenSSL error code, by its RFC 8446 name: OpenSSL names received
 * alerts `SSLV3_ALERT_<NAME>` / `TLSV1_ALERT_<NAME>` / `TLSV13_ALERT_<NAME>`, and a few
 * TLS 1.0 extension alerts `TLSV1_<NAME>`. OpenSSL 3.2 (Node 22) renamed the first
 * `SSL/TLS_ALERT_<NAME>`: `ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE`.
 */
export function alertOf(code: string | undefined): string | undefined {
  if (code === undefined) return undefined
  const m = /(?:SSLV3|SSL\/TLS|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec(code) ?? /TLSV1_(UNRECOGNIZED_NAME|BAD_CERTIFICATE_STATUS_RESPONSE|CERTIFICATE_UNOBTAINABLE|BAD_CERTIFICATE_HASH_VALUE)$/.exec(code)
  return m ? m[1].toLowerCase() : undefined
}

/** Alerts by which a peer says it does not accept the certificate it was shown. */
const REJECTS_CERTIFICATE = new Set(['unknown_ca', 'bad_certificate', 'certificate_unknown', 'unsupported_certificate', 'certificate_expired', 'certificate_revoked', 'access_denied', 'decrypt_error'])

/** Codes of a peer that does not speak TLS at all (a plain server, an HTTP request). */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_HTTPS_PROXY_REQUEST', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_RECORD_LAYER_FAILURE'])

function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && code !== '' ? code : 'ERR_TLS'
}

function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  // OpenSSL's messages are `<hex>:error:<lib>:<func>:<reason>:<file>:<line>:`; the reason is what reads.
  const reason = /error:[0-9A-F]+:[^:]*:[^:]*:([^:]+)/.exec(m)
  return (reason ? reason[1] : m).split('\n')[0].trim()
}

function fail(side: 'client' | 'server', code: string, message: string, alert?: string): TlsFailure {
  return alert === undefined ? { side, code, message } : { side, code, alert, message }
}

/** A certificate's name as a message gives it: `CN name`, or the whole name when it has no CN. */
function certName(dn: string): string {
  const cn = commonName(dn)
  return cn === dn ? dn : `CN ${cn}`
}

/**
 * Why a chain did not verify, in a few words, naming the certificate at fault: the leaf's
 * name (`self-signed, CN upstream.test`) or, when the CA is what is not trusted, the CA's:
 * the chain's top as sent (`signed by an untrusted CA, CN Example CA`), or the issuer the top
 * names when the server did not send it. `chain`: leaf first, as tls-facts.ts records it.
 */
export function verifyReason(code: string, chain: readonly CertFacts[] | undefined, sni: string | undefined): string {
  const leaf = chain?.[0]
  const top = chain?.at(-1)
  const cn = leaf !== undefined ? certName(leaf.subject) : undefined
  const named = (what: string): string => (cn !== undefined ? `${what}, ${cn}` : what)
  // The leaf's own issuer, or a CA further up: the one to trust is the chain's end either way.
  const by = (ca: string): string => (leaf !== undefined && leaf.issuer !== ca ? 'chained to' : 'signed by')
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return named('self-signed')
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      // The top is the self-signed CA the server sent along (OpenSSL stops there).
      return top !== undefined ? `${by(top.subject)} an untrusted CA, ${certName(top.subject)}` : 'signed by an untrusted CA'
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      // The chain ends at the last certificate the server sent; the CA that signed it is neither sent nor trusted.
      return top !== undefined ? `${by(top.issuer)} an unknown CA, ${certName(top.issuer)}, not sent by the server` : 'signed by an unknown CA'
    case 'CERT_HAS_EXPIRED':
      return named(leaf !== undefined ? `expired ${leaf.validTo.slice(0, 10)}` : 'expired')
    case 'CERT_NOT_YET_VALID':
      return named(leaf !== undefined ? `not valid before ${leaf.validFrom.slice(0, 10)}` : 'not yet valid')
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = leaf?.san?.join(', ') ?? (cn !== undefined ? cn : 'other names')
      return `issued for ${names}, not for ${sni ?? 'the name asked for'}`
    }
    default:
      return named(code)
  }
}

/**
 * The target's certificate did not verify. The issue's wording:
 * "cannot verify 127.0.0.1:8443's certificate (self-signed, CN upstream.test): pass
 * --upstream-ca FILE to trust it, or --insecure to skip verification".
 * `caNote`: what became of a CA file tcpscope meant to trust without being told (a replay's
 * recorded one, replay-tls.ts), said beside the reason when the fix is another CA: "(self-signed,
 * CN localhost; the CA file the capture recorded, /tmp/srv.crt, cannot be used: it is not there)".
 */
export function verifyFailure(code: string, where: string, chain: readonly CertFacts[] | undefined, sni: string | undefined, flags: TlsFlagWords, caNote?: string): TlsFailure {
  let why = verifyReason(code, chain, sni)
  let fix: string
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') fix = `pass ${flags.sni} NAME with a name it holds, or ${flags.insecure} to skip verification`
  else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') fix = `check the target's certificate and this machine's clock, or pass ${flags.insecure} to skip verification`
  else {
    fix = `pass ${flags.ca} FILE to trust it, or ${flags.insecure} to skip verification`
    if (caNote !== undefined) why += `; ${caNote}`
  }
  return fail('server', code, `cannot verify ${where}'s certificate (${why}): ${fix}`)
}

/** What tcpscope knew of the leg toward a target when its handshake failed. */
export interface UpstreamFailureContext {
  /** The target as people typed it. */
  where: string
  flags: TlsFlagWords
  /** A client certificate was configured. */
  clientCert: boolean
}

/** A handshake toward a target failed (anything but verification, which verifyFailure words). */
export function upstreamFailure(err: unknown, ctx: UpstreamFailureContext): TlsFailure {
  const code = codeOf(err)
  const alert = alertOf(code)
  const { where, flags } = ctx
  if (alert === 'certificate_required' || (alert === 'handshake_failure' && !ctx.clientCert && /certificate/i.test(firstLine(err)))) {
    return fail('server', code, `${where} asked for a client certificate and none is configured (alert ${alert}): pass ${certFlags(flags)}`, alert)
  }
  if (alert !== undefined && ctx.clientCert && REJECTS_CERTIFICATE.has(alert)) {
    return fail('server', code, `${where} rejected tcpscope's client certificate (alert ${alert}): pass ${certFlags(flags)} with one it trusts`, alert)
  }
  if (alert === 'handshake_failure' && !ctx.clientCert) {
    return fail('server', code, `${where} refused the TLS handshake (alert handshake_failure): if it requires a client certificate, pass ${certFlags(flags)}; else it shares no protocol version or cipher with tcpscope`, alert)
  }
  if (alert === 'unrecognized_name') return fail('server', code, `${where} does not serve the name tcpscope asked for (alert unrecognized_name): pass ${flags.sni} NAME with a name it serves`, alert)
  if (alert === 'no_application_protocol') return fail('server', code, `${where} accepts none of the ALPN protocols offered (alert no_application_protocol)`, alert)
  if (alert !== undefined) return fail('server', code, `${where} refused the TLS handshake (alert ${alert})`, alert)
  if (NOT_TLS.has(code)) return fail('server', code, `${where} did not answer in TLS (${firstLine(err)}): is it a TLS port? If it speaks plain TCP, ${flags.plain ?? `drop ${flags.tls}`}`)
  if (code === 'ECONNRESET' || code === 'EPIPE') return fail('server', code, `${where} reset the connection during the TLS handshake`)
  return fail('server', code, `TLS handshake with ${where} failed: ${firstLine(err)}`)
}

/** How tcpscope answered the client: with a leaf from its CA, or a certificate someone gave it. */
export interface ClientFailureContext {
  leafFromCa: boolean
}

/**
 * A handshake with a client failed. A client that rejects tcpscope's leaf reads as the issue
 * words it: "the client rejected tcpscope's certificate (alert unknown_ca): trust tcpscope's
 * CA (`tcpscope ca --export`, then install it)".
 */
export function clientFailure(err: unknown, ctx: ClientFailureContext): TlsFailure {
  const code = codeOf(err)
  const alert = alertOf(code)
  if (alert !== undefined && REJECTS_CERTIFICATE.has(alert)) {
    return ctx.leafFromCa
      ? fail('client', code, `the client rejected tcpscope's certificate (alert ${alert}): ${TRUST_CA}`, alert)
      : fail('client', code, `the client rejected the certificate it was shown (alert ${alert}): give a certificate the client trusts`, alert)
  }
  if (alert !== undefined) return fail('client', code, `the client ended the TLS handshake (alert ${alert})`, alert)
  if (NOT_TLS.has(code)) return fail('client', code, `the client did not speak TLS (${firstLine(err)}): connect with TLS, or listen without it`)
  if (code === 'ECONNRESET' || code === 'EPIPE') return fail('client', code, 'the client reset the connection during the TLS handshake')
  return fail('client', code, `TLS handshake with the client failed: ${firstLine(err)}`)
}

/** The client closed (FIN) before finishing its handshake: a client that did not like the certificate often does just this. */
export function clientClosedDuringHandshake(leafFromCa: boolean): TlsFailure {
  const hint = leafFromCa ? `; if it rejected tcpscope's certificate, ${TRUST_CA}` : ''
  return fail('client', 'ECONNRESET', `the client closed the connection during the TLS handshake${hint}`)
}

/** A certificate and key TLS refused together; `cert` and `key` as the user gave them (`--tls-cert FILE`). */
export function badKeyPair(cert: string, key: string, err: unknown): UserError {
  const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]
  return new UserError(`cannot use ${cert} with ${key}: ${why} (they must be PEM, and the key must match the certificate)`, 'EBADCERT')
}

/** No certificate to answer a client with for `name` (the CA could not be opened, or could not issue one). */
export function noCertificate(name: string, err: unknown): TlsFailure {
  return fail('client', 'ECERT', `cannot answer the client's TLS for ${name}: ${err instanceof Error ? err.message : String(err)}`)
}

/** A ClientHello that could not be read (client-hello.ts's reason). */
export function badHello(reason: string): TlsFailure {
  return fail('client', 'EBADHELLO', `the client's TLS hello could not be read (${reason})`)
}

/** Why a hello is unreadable when the client's FIN came in the middle of it (badHello's reason). */
export const HELLO_CUT_SHORT = "the ClientHello was cut short by the client's FIN"

/** The client sent no whole hello in time; `received`: how many bytes of one it did send. */
export function helloTimeout(ms: number, received = 0): TlsFailure {
  const what = received > 0 ? `only ${received} bytes of a TLS hello` : 'no TLS hello'
  return fail('client', 'ETIMEDOUT', `the client sent ${what} within ${ms} ms`)
}
