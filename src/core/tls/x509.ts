// Certificates as tcpscope makes them: the one module that imports @peculiar/x509 (its DI
// container needs reflect-metadata loaded first), over Node's WebCrypto. It knows the
// profile of tcpscope's CA certificate and of the leaves it issues; keys, files and caching
// are the certificate authority's (certificate-authority.ts).

import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto'
import type * as X509 from '@peculiar/x509'

let library: Promise<typeof X509> | undefined

/**
 * @peculiar/x509, loaded when a certificate is first made or read, not with the engine:
 * evaluating it (its DI container, its ASN.1 schemas) was part of every start of the CLI
 * and the app, most of which never make a certificate.
 */
function x509Library(): Promise<typeof X509> {
  library ??= import('reflect-metadata')
    .then(() => import('@peculiar/x509'))
    .then((lib) => {
      lib.cryptoProvider.set(webcrypto as unknown as Crypto)
      return lib
    })
  return library
}

/**
 * ECDSA P-256 only. An RSA-only client could not check the CA's ECDSA signature on any leaf,
 * so RSA leaves would need a second, RSA CA; that waits for a client that needs it.
 */
const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const

export type KeyPair = CryptoKeyPair

export const generateKeyPair = (): Promise<KeyPair> => webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']) as Promise<KeyPair>

/** The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), as files and Node's tls take it. */
export async function privateKeyPem(keys: KeyPair): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey))
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString()
}

/** A key pair from a PKCS#8 (or SEC1) PEM private key; throws when it is not a P-256 key. */
export async function keyPairFromPem(pem: string): Promise<KeyPair> {
  const priv = createPrivateKey(pem)
  if (priv.asymmetricKeyType !== 'ec' || priv.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not an ECDSA P-256 key')
  const pkcs8 = priv.export({ format: 'der', type: 'pkcs8' })
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' })
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pkcs8, EC_KEY, false, ['sign']),
    webcrypto.subtle.importKey('spki', spki, EC_KEY, true, ['verify'])
  ])
  return { privateKey, publicKey } as KeyPair
}

/** A positive 128-bit serial (RFC 5280: at most 20 octets, positive; browsers want 64+ random bits). */
function randomSerial(): string {
  const bytes = randomBytes(16)
  bytes[0] = (bytes[0]! & 0x7f) | 0x10
  return bytes.toString('hex')
}

/** PEM ending in a newline, so certificates can be joined into a chain as they are. */
const pemText = (cert: X509.X509Certificate): string => `${cert.toString('pem').trimEnd()}\n`

export interface CaProfile {
  commonName: string
  organization: string
  notBefore: Date
  notAfter: Date
}

/** A self-signed CA certificate (PEM): CA:TRUE with no intermediates below it, keyCertSign. */
export async function selfSignCa(keys: KeyPair, profile: CaProfile): Promise<string> {
  const x509 = await x509Library()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [profile.commonName] }, { O: [profile.organization] }],
    notBefore: profile.notBefore,
    notAfter: profile.notAfter,
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  return pemText(cert)
}

/** What a leaf is for: a DNS name or an IP address (`ip`), both already normalized. */
export interface LeafSubject {
  name: string
  ip: boolean
}

/** Issues leaves under one CA: the CA certificate is parsed once. */
export class LeafIssuer {
  private constructor(
    private readonly ca: X509.X509Certificate,
    private readonly caKey: CryptoKey,
    private readonly authorityKeyId: X509.Extension
  ) {}

  static async create(caPem: string, caKeys: KeyPair): Promise<LeafIssuer> {
    const x509 = await x509Library()
    const ca = new x509.X509Certificate(caPem)
    return new LeafIssuer(ca, caKeys.privateKey, await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey))
  }

  /** A server certificate (PEM) for `subject`'s name, with `publicKey`, valid in [notBefore, notAfter]. */
  async issue(subject: LeafSubject, publicKey: CryptoKey, notBefore: Date, notAfter: Date): Promise<string> {
    // The CN is only a label (clients match the SAN) and is limited to 64 characters.
    const cn = subject.name.length <= 64 ? [{ CN: [subject.name] }] : []
    const x509 = await x509Library()
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: [...cn, { O: ['tcpscope'] }],
      issuer: this.ca.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.caKey,
      signingAlgorithm: SIGNING,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: subject.ip ? 'ip' : 'dns', value: subject.name }]),
        this.authorityKeyId,
        await x509.SubjectKeyIdentifierExtension.create(publicKey)
      ]
    })
    return pemText(cert)
  }
}
