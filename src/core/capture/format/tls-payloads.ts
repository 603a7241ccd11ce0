// The `tls` record's payload (TlsEventInfo) and the TlsSummary a connection's `tls` records
// fold into. Both come back from files, where they are hostile input: everything is
// checked and bounded here, once, so the index in memory (capture-index.ts) and the one
// stored in a closed file (stored-index.ts) keep exactly the same facts of a record.

import { STARTTLS_PROTOCOLS, type CertFacts, type StartTlsProtocol, type TlsEventInfo, type TlsFailure, type TlsHello, type TlsLegFacts, type TlsSummary } from '../../../shared/tls-types'
import type { Direction } from '../../../shared/capture-types'

/** Longest string kept of any field: a name, a DN, a message. */
const MAX_TEXT = 1024
/** Longest file path kept; a longer one is dropped, not cut (a cut path names another file). */
const MAX_PATH = 4096
/** Certificates kept of a chain: real chains have 2 to 4. */
const MAX_CHAIN = 8
const MAX_SAN = 64
const MAX_ALPN = 16

type Loose = Record<string, unknown>

const isObject = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v)
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined)
const sideOf = (v: unknown): Direction | undefined => (v === 'client' || v === 'server' ? v : undefined)
/**
 * A CA file's path as a file gives it back: absolute (POSIX, or a Windows drive's; never a
 * UNC share), whole and printable, or nothing. A curl export hands it to `--cacert`, so a
 * relative path (resolved wherever the command is run) or one with control characters in it
 * is not a path tcpscope wrote.
 */
const caFileOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length <= MAX_PATH && /^(\/|[A-Za-z]:[\\/])/.test(v) && !/[\u0000-\u001f\u007f-\u009f]/.test(v) ? v : undefined
const starttlsOf = (v: unknown): StartTlsProtocol | undefined => ((STARTTLS_PROTOCOLS as readonly unknown[]).includes(v) ? (v as StartTlsProtocol) : undefined)

function texts(v: unknown, max: number): string[] | undefined {
  if (!Array.isArray(v)) return undefined
  const out: string[] = []
  for (const s of v.slice(0, max)) if (typeof s === 'string') out.push(s.slice(0, MAX_TEXT))
  return out
}

function certOf(v: unknown): CertFacts | undefined {
  if (!isObject(v)) return undefined
  const subject = text(v.subject)
  const issuer = text(v.issuer)
  const sha256 = text(v.sha256)
  if (subject === undefined || issuer === undefined || sha256 === undefined) return undefined
  const cert: CertFacts = { subject, issuer, validFrom: text(v.validFrom) ?? '', validTo: text(v.validTo) ?? '', sha256 }
  const san = texts(v.san, MAX_SAN)
  if (san !== undefined) cert.san = san
  return cert
}

function legOf(v: Loose, side: Direction): TlsLegFacts | undefined {
  const version = text(v.version)
  const cipher = text(v.cipher)
  if (version === undefined || cipher === undefined) return undefined
  const leg: TlsLegFacts = { side, version, cipher }
  const sni = text(v.sni)
  if (sni !== undefined) leg.sni = sni
  const alpn = text(v.alpn)
  if (alpn !== undefined) leg.alpn = alpn
  if (v.resumed === true) leg.resumed = true
  if (Array.isArray(v.chain)) {
    const chain: CertFacts[] = []
    for (const c of v.chain.slice(0, MAX_CHAIN)) {
      const cert = certOf(c)
      if (cert !== undefined) chain.push(cert)
    }
    leg.chain = chain
  }
  const unverified = text(v.unverified)
  if (unverified !== undefined) leg.unverified = unverified
  const caFile = caFileOf(v.caFile)
  if (caFile !== undefined) leg.caFile = caFile
  // Only a resumed leg's chain can come from its session.
  if (v.chainFromSession === true && leg.resumed === true) leg.chainFromSession = true
  const starttls = starttlsOf(v.starttls)
  if (starttls !== undefined) leg.starttls = starttls
  return leg
}

function failureOf(v: Loose, side: Direction): TlsFailure | undefined {
  const code = text(v.code)
  const message = text(v.message)
  if (code === undefined || message === undefined) return undefined
  const failure: TlsFailure = { side, code, message }
  const alert = text(v.alert)
  if (alert !== undefined) failure.alert = alert
  return failure
}

function helloOf(v: Loose): TlsHello {
  const hello: TlsHello = {}
  const sni = text(v.sni)
  if (sni !== undefined) hello.sni = sni
  const alpn = texts(v.alpn, MAX_ALPN)
  if (alpn !== undefined) hello.alpn = alpn
  return hello
}

/**
 * A `tls` record's payload as a file gives it: undefined unless it is one of the three
 * shapes, with only the known fields, each bounded. `side` is the record's direction,
 * which the payload's own `side` must agree with when it has one.
 */
export function tlsEventOf(v: unknown, side?: Direction): TlsEventInfo | undefined {
  if (!isObject(v)) return undefined
  const own = sideOf(v.side) ?? side
  if (own === undefined || (side !== undefined && own !== side)) return undefined
  if (v.ok === false) {
    const failure = failureOf(v, own)
    return failure && { ok: false, ...failure }
  }
  if (v.ok !== true) return undefined
  if (v.passthrough === true) {
    if (own !== 'client') return undefined
    const starttls = starttlsOf(v.starttls)
    return { ok: true, passthrough: true, side: 'client', ...helloOf(v), ...(starttls !== undefined ? { starttls } : {}) }
  }
  const leg = legOf(v, own)
  return leg && { ok: true, ...leg }
}

/**
 * The summary with one more `tls` record folded in: a new object (the one given is never
 * changed; indexes share summaries between connections). The first failure is kept;
 * a leg's later record replaces its earlier one.
 */
export function foldTls(summary: TlsSummary | undefined, e: TlsEventInfo): TlsSummary {
  const s: TlsSummary = { ...summary }
  if (!e.ok) {
    if (s.failure === undefined) {
      const { ok: _, ...failure } = e
      s.failure = failure
    }
  } else if ('passthrough' in e) {
    s.passthrough = helloOf(e as unknown as Loose)
    if (e.starttls !== undefined) s.starttls = e.starttls
  } else {
    const { ok: _, ...leg } = e
    s[leg.side] = leg
    if (leg.starttls !== undefined) s.starttls = leg.starttls
  }
  // The name the connection was for: what the client asked, else what was sent upstream.
  const sni = s.client?.sni ?? s.passthrough?.sni ?? s.server?.sni
  if (sni !== undefined) s.sni = sni
  else delete s.sni
  const alpn = s.client?.alpn ?? s.server?.alpn
  if (alpn !== undefined) s.alpn = alpn
  else delete s.alpn
  return s
}

/** A stored TlsSummary (a closed file's index) as a file gives it: rebuilt from its checked parts, or undefined. */
export function tlsSummaryOf(v: unknown): TlsSummary | undefined {
  if (!isObject(v)) return undefined
  let s: TlsSummary | undefined
  const fold = (e: TlsEventInfo | undefined): void => {
    if (e !== undefined) s = foldTls(s, e)
  }
  if (isObject(v.client)) fold(tlsEventOf({ ...v.client, ok: true, passthrough: undefined }, 'client'))
  if (isObject(v.server)) fold(tlsEventOf({ ...v.server, ok: true, passthrough: undefined }, 'server'))
  if (isObject(v.passthrough)) fold(tlsEventOf({ ...v.passthrough, ok: true, passthrough: true, side: 'client', starttls: v.starttls }, 'client'))
  if (isObject(v.failure)) fold(tlsEventOf({ ...v.failure, ok: false }))
  return s
}
