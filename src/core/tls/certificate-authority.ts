// tcpscope's certificate authority: made on first use in the data folder (ECDSA P-256), read
// back on later runs, and the issuer of the leaf certificates tcpscope answers TLS clients
// with. The private key lives only in its file (0600, written atomically) and in memory;
// leaves share one key and are kept per name, as ready SecureContexts, in a bounded cache.

import { X509Certificate, createHash, createPrivateKey, randomBytes } from 'node:crypto'
import { chmod, mkdir, stat } from 'node:fs/promises'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { SecureContext } from 'node:tls'
import { nodeTls } from '../lazy-builtins'
import { domainToASCII } from 'node:url'
import type { CaInfo } from '../../shared/tls-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { inspectTarget } from '../files/file-target'
import { writeReplacing } from '../files/replace-file'
import { readSmallFile } from '../files/read-small-file'
import { LeafIssuer, generateKeyPair, keyPairFromPem, privateKeyPem, selfSignCa, type KeyPair, type LeafSubject } from './x509'

const DAY = 24 * 60 * 60 * 1000
/** Long enough never to bother anyone; browsers limit leaves, not roots. */
const CA_LIFETIME = 10 * 365 * DAY
/** Apple and Chromium refuse leaves valid for more than 398 days. */
const LEAF_LIFETIME = 397 * DAY
/** Leaves start a day back: a client whose clock runs behind still accepts them. */
const BACKDATE = DAY
/** A cached leaf this close to its end is issued again. */
const LEAF_RENEW_BEFORE = DAY
/** Each SecureContext holds an OpenSSL context (tens of KiB); a forward proxy meets many names. */
export const LEAF_CACHE_SIZE = 512

export const CA_FOLDER = 'ca'
export const CA_CERT_FILE = 'tcpscope-ca.pem'
export const CA_KEY_FILE = 'tcpscope-ca-key.pem'

const REGENERATE_HINT = 'make a new one with `tcpscope ca --regenerate` (or Regenerate in the Certificate authority panel)'

export interface CaPaths {
  dataDir: string
  folder: string
  certPath: string
  keyPath: string
}

export const caPaths = (dataDir: string): CaPaths => {
  const folder = join(dataDir, CA_FOLDER)
  return { dataDir, folder, certPath: join(folder, CA_CERT_FILE), keyPath: join(folder, CA_KEY_FILE) }
}

/**
 * The name a leaf is for, as it goes in the certificate: an IP address (brackets and zone
 * dropped) or a DNS name (lower case, no trailing dot, IDN as punycode). Anything else (an
 * empty, overlong or malformed name, which a hostile SNI could be) is a one-line UserError.
 */
export function leafSubject(name: string): LeafSubject {
  let n = name.trim()
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1)
  const bare = n.replace(/%.*$/, '')
  if (isIP(bare) !== 0) return { name: bare.toLowerCase(), ip: true }
  n = n.replace(/\.$/, '')
  // Spaces and controls first: domainToASCII would quietly drop some (a newline) and accept.
  const ascii = /[\x00-\x20\x7f]/.test(n) ? '' : /^[\x21-\x7e]*$/.test(n) ? n.toLowerCase() : domainToASCII(n)
  if (ascii.length === 0 || ascii.length > 253 || !/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(ascii)) {
    const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name
    throw new UserError(`cannot issue a certificate for ${JSON.stringify(shown)}: not a host name or IP address`, ERROR_CODES.EINVAL)
  }
  return { name: ascii, ip: false }
}

/** A CA's leaf key (PEM) and session-ticket keys, as another thread takes them. */
export interface SharedLeafKeys {
  leafKeyPem: string
  ticketKeys: Uint8Array
}

interface Leaf {
  pem: string
  context: SecureContext
  notAfter: number
}

interface LeafKey {
  keys: KeyPair
  pem: string
}

export class CertificateAuthority {
  private readonly leaves = new Map<string, Promise<Leaf>>()
  private leafKey: Promise<LeafKey> | undefined
  private issuer: Promise<LeafIssuer> | undefined
  /** One set for every leaf's context: a client resumes its session whichever name it used. */
  private ticketKeys = randomBytes(48)
  private readonly cert: X509Certificate

  private constructor(
    readonly paths: CaPaths,
    readonly pem: string,
    private readonly keys: KeyPair,
    private readonly created: boolean
  ) {
    this.cert = new X509Certificate(pem)
  }

  /** The CA in `dataDir`, made there on first use. Errors are one-line UserErrors. */
  static async open(dataDir: string): Promise<CertificateAuthority> {
    const paths = caPaths(dataDir)
    await makeFolder(paths)
    // Another tcpscope (the CLI beside the app) may be making the CA at this moment: its
    // files appear one after the other, so a half-made pair is looked at again shortly.
    for (let attempt = 0; ; attempt++) {
      const [cert, key] = await Promise.all([readIfThere(paths.certPath, 'the CA certificate'), readIfThere(paths.keyPath, 'the CA key')])
      if (cert !== undefined && key !== undefined) {
        await keepPrivate(paths.keyPath)
        return CertificateAuthority.load(paths, cert, key)
      }
      if (cert === undefined && key === undefined) {
        try {
          return await CertificateAuthority.make(paths, false)
        } catch (err) {
          if (!(err instanceof UserError && err.code === ERROR_CODES.EEXIST) || attempt >= 20) throw err
        }
      } else if (attempt >= 20) {
        const missing = cert === undefined ? paths.certPath : paths.keyPath
        throw new UserError(`tcpscope's CA in ${paths.folder} cannot be used (${missing} is missing): ${REGENERATE_HINT}`, ERROR_CODES.EDAMAGED)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** A new CA in `dataDir`, replacing any there: everything that trusted the old one must trust this one instead. */
  static async regenerate(dataDir: string): Promise<CertificateAuthority> {
    const paths = caPaths(dataDir)
    await makeFolder(paths)
    return CertificateAuthority.make(paths, true)
  }

  private static async make(paths: CaPaths, replace: boolean): Promise<CertificateAuthority> {
    const keys = await generateKeyPair()
    const now = Date.now()
    const host = hostname().trim() || 'this machine'
    const pem = await selfSignCa(keys, {
      commonName: `tcpscope CA (${host.length > 40 ? host.slice(0, 40) : host})`,
      organization: 'tcpscope',
      notBefore: new Date(now - BACKDATE),
      notAfter: new Date(now + CA_LIFETIME)
    })
    // The key first: a certificate is never there without the key that made it.
    await writeFile(paths.keyPath, await privateKeyPem(keys), replace, 'the CA key')
    await writeFile(paths.certPath, pem, replace, 'the CA certificate')
    return new CertificateAuthority(paths, pem, keys, true)
  }

  private static async load(paths: CaPaths, certPem: string, keyPem: string): Promise<CertificateAuthority> {
    const damaged = (why: string): UserError => new UserError(`tcpscope's CA in ${paths.folder} cannot be used (${why}): ${REGENERATE_HINT}`, ERROR_CODES.EDAMAGED)
    let cert: X509Certificate
    try {
      cert = new X509Certificate(certPem)
    } catch {
      throw damaged(`${paths.certPath} is not a PEM certificate`)
    }
    let keys: KeyPair
    try {
      keys = await keyPairFromPem(keyPem)
    } catch {
      throw damaged(`${paths.keyPath} is not an ECDSA P-256 private key`)
    }
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw damaged('the key does not belong to the certificate')
    if (!cert.ca) throw damaged('the certificate is not a CA')
    return new CertificateAuthority(paths, cert.toString(), keys, false)
  }

  /**
   * What another thread's copy of this CA needs to answer TLS clients as this one does (a
   * proxy's forwarding workers): the leaves' key, so every thread's leaf for a name has
   * the same key, and the session-ticket keys, so a client resumes on any thread.
   */
  async shared(): Promise<SharedLeafKeys> {
    return { leafKeyPem: (await this.theLeafKey()).pem, ticketKeys: this.ticketKeys }
  }

  /** Takes another thread's leaf and ticket keys (shared()), before this CA issues its first leaf. */
  adopt(shared: SharedLeafKeys): void {
    if (this.leaves.size > 0) return
    this.leafKey = keyPairFromPem(shared.leafKeyPem).then((keys) => ({ keys, pem: shared.leafKeyPem }))
    this.ticketKeys = Buffer.from(shared.ticketKeys)
  }

  /** What the CA panel and `tcpscope ca` show. */
  info(): CaInfo {
    const spki = this.cert.publicKey.export({ type: 'spki', format: 'der' })
    return {
      subject: this.cert.subject.split('\n').join(', '),
      sha256: this.cert.fingerprint256,
      spki: createHash('sha256').update(spki).digest('base64'),
      validFrom: new Date(this.cert.validFrom).toISOString(),
      validTo: new Date(this.cert.validTo).toISOString(),
      certPath: this.paths.certPath,
      keyPath: this.paths.keyPath,
      dataDir: this.paths.dataDir,
      pem: this.pem,
      ...(this.created ? { created: true } : {})
    }
  }

  /** The certificate, DER. */
  der(): Buffer {
    return this.cert.raw
  }

  /**
   * A server SecureContext with a leaf for `name` (a host name or an IP address), chained
   * to this CA. Issued once per name and kept (bounded, least recently used first out);
   * callers asking at once for one name share one issuance. An unusable name is a UserError.
   */
  async leafContext(name: string): Promise<SecureContext> {
    return (await this.leaf(name)).context
  }

  /** The leaf certificate (PEM) leafContext answers with for `name`. */
  async leafPem(name: string): Promise<string> {
    return (await this.leaf(name)).pem
  }

  private async leaf(name: string): Promise<Leaf> {
    const subject = leafSubject(name)
    const key = `${subject.ip ? 'ip' : 'dns'}:${subject.name}`
    const cached = this.leaves.get(key)
    if (cached !== undefined) {
      const leaf = await cached.catch(() => undefined)
      if (leaf !== undefined && leaf.notAfter - Date.now() > LEAF_RENEW_BEFORE) {
        // Most recently used goes last: the first key is the one to drop.
        if (this.leaves.get(key) === cached) {
          this.leaves.delete(key)
          this.leaves.set(key, cached)
        }
        return leaf
      }
      if (this.leaves.get(key) === cached) this.leaves.delete(key)
    }
    const issuing = this.issue(subject)
    this.leaves.set(key, issuing)
    while (this.leaves.size > LEAF_CACHE_SIZE) this.leaves.delete(this.leaves.keys().next().value!)
    issuing.catch(() => {
      if (this.leaves.get(key) === issuing) this.leaves.delete(key)
    })
    return issuing
  }

  /**
   * Gets ready to issue leaves: the certificate library loaded, the CA parsed, the leaf key
   * made. A listener waits for it before it listens, so that its first clients do not: the
   * first leaf would otherwise hold every handshake that arrives meanwhile (a test's forty
   * at once, on a busy machine) until the library has loaded.
   */
  async readyToIssue(): Promise<void> {
    await this.issuing()
  }

  private issuing(): Promise<[LeafIssuer, LeafKey]> {
    this.issuer ??= LeafIssuer.create(this.pem, this.keys)
    return Promise.all([this.issuer, this.theLeafKey()])
  }

  /** One key for every leaf: made at the first leaf, unless another thread's was adopted. */
  private theLeafKey(): Promise<LeafKey> {
    this.leafKey ??= generateKeyPair().then(async (keys) => ({ keys, pem: await privateKeyPem(keys) }))
    return this.leafKey
  }

  private async issue(subject: LeafSubject): Promise<Leaf> {
    const now = Date.now()
    const caEnd = Date.parse(this.cert.validTo)
    if (caEnd <= now) throw new UserError(`tcpscope's CA expired on ${new Date(caEnd).toISOString().slice(0, 10)}: ${REGENERATE_HINT}, then trust it again`, ERROR_CODES.ESTATE)
    const notBefore = Math.max(now - BACKDATE, Date.parse(this.cert.validFrom))
    const notAfter = Math.min(now + LEAF_LIFETIME, caEnd)
    const [issuer, leafKey] = await this.issuing()
    const pem = await issuer.issue(subject, leafKey.keys.publicKey, new Date(notBefore), new Date(notAfter))
    // The CA goes along: a client that holds it as an intermediate still builds the chain.
    const context = nodeTls().createSecureContext({ key: leafKey.pem, cert: pem + this.pem, ticketKeys: this.ticketKeys })
    return { pem, context, notAfter }
  }
}

async function makeFolder(paths: CaPaths): Promise<void> {
  try {
    await mkdir(paths.folder, { recursive: true, mode: 0o700 })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new UserError(`cannot make tcpscope's data folder ${paths.folder}: ${e.code ?? e.message} (set TCPSCOPE_DATA_DIR to a folder you can write)`, e.code ?? 'EIO')
  }
}

/** A key file someone made readable to others goes back to its owner only. */
async function keepPrivate(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined)
  if (st !== undefined && (st.mode & 0o077) !== 0) await chmod(path, 0o600).catch(() => undefined)
}

async function readIfThere(path: string, what: string): Promise<string | undefined> {
  try {
    return (await readSmallFile(path, `cannot read ${what} ${path}`)).toString('utf8')
  } catch (err) {
    if (err instanceof UserError && err.code === 'ENOENT') return undefined
    throw err
  }
}

async function writeFile(path: string, text: string, replace: boolean, what: string): Promise<void> {
  const doing = `cannot write ${what} ${path}`
  const found = replace ? await inspectTarget(path, doing) : ({ kind: 'absent', path } as const)
  // 0600 even when replacing a file whose mode was widened: the key must stay private.
  const target = found.kind === 'file' ? { ...found, mode: 0o600 } : found
  await writeReplacing(target, { doing, mode: 0o600 }, (file) => file.writeFile(text))
}
