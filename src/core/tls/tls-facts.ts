// What a finished handshake was, read from its TLSSocket: version, cipher, SNI, ALPN,
// resumption and (on the leg toward a target) the chain the target presented, as the
// `tls` capture record and ConnectionSummary.tls carry them (shared/tls-types.ts).

import { X509Certificate } from 'node:crypto'
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls'
import type { Direction } from '../../shared/direction'
import type { CertFacts, TlsLegFacts } from '../../shared/tls-types'

/** A chain longer than this is cut: real ones have 2 to 4 certificates, and each is recorded. */
const MAX_CHAIN = 10

/** One leg's facts, once its socket is secure. `sni`: the name asked for (sent on the `server` leg, received on the `client` leg). */
export function legFacts(socket: TLSSocket, side: Direction, sni: string | undefined, withChain: boolean): TlsLegFacts {
  const facts: TlsLegFacts = { side, version: socket.getProtocol() ?? 'unknown', cipher: cipherName(socket) }
  if (sni !== undefined && sni !== '') facts.sni = sni
  if (typeof socket.alpnProtocol === 'string' && socket.alpnProtocol !== '') facts.alpn = socket.alpnProtocol
  if (socket.isSessionReused()) facts.resumed = true
  if (withChain) {
    const chain = chainFacts(socket.getPeerCertificate(true))
    if (chain.length > 0) facts.chain = chain
  }
  return facts
}

function cipherName(socket: TLSSocket): string {
  const c = socket.getCipher() as { standardName?: string; name?: string } | undefined
  return c?.standardName ?? c?.name ?? 'unknown'
}

/** The peer's chain, leaf first, as Node links it (the root links to itself). */
export function chainFacts(leaf: DetailedPeerCertificate | PeerCertificate | undefined): CertFacts[] {
  const out: CertFacts[] = []
  const seen = new Set<object>()
  let cert = leaf as DetailedPeerCertificate | undefined
  while (cert !== undefined && cert !== null && Buffer.isBuffer(cert.raw) && !seen.has(cert) && out.length < MAX_CHAIN) {
    seen.add(cert)
    const facts = certFacts(cert.raw)
    if (facts !== undefined) out.push(facts)
    cert = cert.issuerCertificate
  }
  return out
}

/** A certificate's facts from its DER; undefined for one Node cannot parse (never from a handshake that completed). */
export function certFacts(der: Buffer): CertFacts | undefined {
  let x: X509Certificate
  try {
    x = new X509Certificate(der)
  } catch {
    return undefined
  }
  const facts: CertFacts = {
    subject: oneLineName(x.subject),
    issuer: oneLineName(x.issuer),
    validFrom: isoDate(x.validFrom),
    validTo: isoDate(x.validTo),
    sha256: x.fingerprint256
  }
  if (x.subjectAltName !== undefined && x.subjectAltName !== '') facts.san = x.subjectAltName.split(', ')
  return facts
}

/** Node prints a name one attribute a line (`CN=a\nO=b`); people and openssl read `CN=a, O=b`. */
function oneLineName(name: string): string {
  return name.split('\n').filter(Boolean).join(', ')
}

function isoDate(openssl: string): string {
  const d = new Date(openssl)
  return Number.isNaN(d.getTime()) ? openssl : d.toISOString()
}

/** The common name in a one-line name, or the whole name when it has none. */
export function commonName(name: string): string {
  const m = /(?:^|, )CN=([^,]*)/.exec(name)
  return m ? m[1] : name
}
