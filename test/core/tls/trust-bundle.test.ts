// The trust bundle `tcpscope env` points SSL_CERT_FILE and the like at (core/tls/trust-bundle.ts):
// tcpscope's CA and the system's roots, found as OpenSSL finds them, written beside the CA,
// atomically, 0644, certificates only. Judged by node:crypto's X509Certificate (OpenSSL) and,
// where it is here, the openssl CLI.
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CertificateAuthority } from '../../../src/core/tls/certificate-authority'
import { SYSTEM_ROOT_FILES, TRUST_BUNDLE_FILE, writeTrustBundle } from '../../../src/core/tls/trust-bundle'
import { hasProgram } from '../../helpers/peers'

let dir: string
let ca: CertificateAuthority
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tcpscope-bundle-'))
  ca = await CertificateAuthority.open(join(dir, 'data'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g
const fingerprints = (text: string): string[] => (text.match(PEM) ?? []).map((b) => new X509Certificate(b).fingerprint256)

/** A self-signed CA certificate (and its key) made by another tcpscope CA: a stand-in for a root of the system's. */
async function otherRoot(name: string): Promise<{ cert: string; key: string }> {
  const other = await CertificateAuthority.open(join(dir, name))
  return { cert: other.pem, key: await readFile(other.paths.keyPath, 'utf8') }
}

describe('the trust bundle', () => {
  it("holds tcpscope's CA and every root of $SSL_CERT_FILE, once each, and never a key that file held", async () => {
    const [a, b] = [await otherRoot('a'), await otherRoot('b')]
    const roots = join(dir, 'roots.pem')
    // A roots file as people make them: a comment, a root twice, tcpscope's CA among them, a key, junk.
    await writeFile(roots, ['# my roots', a.cert, b.cert, a.cert, ca.pem, a.key, '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----', ''].join('\n'))
    const made = await writeTrustBundle(ca.paths, ca.pem, { SSL_CERT_FILE: roots })
    expect(made).toEqual({ path: join(ca.paths.folder, TRUST_BUNDLE_FILE), roots: 2, from: roots })
    const text = await readFile(made.path, 'utf8')
    expect(fingerprints(text)).toEqual([ca.info().sha256, new X509Certificate(a.cert).fingerprint256, new X509Certificate(b.cert).fingerprint256])
    expect(text).not.toMatch(/PRIVATE KEY/)
    expect((await stat(made.path)).mode & 0o777).toBe(0o644)
  })

  it('is 0644 whatever the umask, and replaced atomically, leaving no temporary file', async () => {
    const roots = join(dir, 'roots.pem')
    await writeFile(roots, (await otherRoot('a')).cert)
    const umask = process.umask(0o077)
    try {
      const first = await writeTrustBundle(ca.paths, ca.pem, { SSL_CERT_FILE: roots })
      expect((await stat(first.path)).mode & 0o777).toBe(0o644)
      const inode = (await stat(first.path)).ino
      // Unchanged: not written again.
      await writeTrustBundle(ca.paths, ca.pem, { SSL_CERT_FILE: roots })
      expect((await stat(first.path)).ino).toBe(inode)
      // Changed (another root): a new file put in place by a rename.
      await writeFile(roots, [(await otherRoot('a')).cert, (await otherRoot('b')).cert].join('\n'))
      const second = await writeTrustBundle(ca.paths, ca.pem, { SSL_CERT_FILE: roots })
      expect(second.roots).toBe(2)
      expect((await stat(second.path)).ino).not.toBe(inode)
      expect((await stat(second.path)).mode & 0o777).toBe(0o644)
    } finally {
      process.umask(umask)
    }
    expect((await readdir(ca.paths.folder)).sort()).toEqual(['tcpscope-ca-key.pem', 'tcpscope-ca.pem', TRUST_BUNDLE_FILE].sort())
  })

  it("takes the system's own bundle when SSL_CERT_FILE names none, or names tcpscope's CA or bundle (a shell that ran tcpscope env before)", async (ctx) => {
    const system = SYSTEM_ROOT_FILES.find((f) => existsSync(f))
    if (system === undefined) return ctx.skip()
    const want = new Set(fingerprints(await readFile(system, 'latin1')))
    const bundlePath = join(ca.paths.folder, TRUST_BUNDLE_FILE)
    for (const env of [{}, { SSL_CERT_FILE: '' }, { SSL_CERT_FILE: ca.paths.certPath }, { SSL_CERT_FILE: bundlePath }]) {
      const made = await writeTrustBundle(ca.paths, ca.pem, env)
      expect(made.from, JSON.stringify(env)).toBe(system)
      const got = fingerprints(await readFile(made.path, 'utf8'))
      expect(got[0]).toBe(ca.info().sha256)
      expect(new Set(got.slice(1))).toEqual(want)
      expect(made.roots).toBe(want.size)
    }
  })

  it('falls back to the system store or Node\'s roots when SSL_CERT_FILE cannot be read', async (ctx) => {
    const made = await writeTrustBundle(ca.paths, ca.pem, { SSL_CERT_FILE: join(dir, 'missing.pem') })
    expect(made.from).not.toBe(join(dir, 'missing.pem'))
    expect(made.roots).toBeGreaterThan(10)
    if (!hasProgram('openssl')) return ctx.skip()
    // OpenSSL reads every certificate of it (its own count of the file's certificates).
    const count = execFileSync('bash', ['-c', `openssl storeutl -noout -certs "${made.path}" | tail -1`], { encoding: 'utf8' })
    expect(count).toMatch(new RegExp(`^Total found: ${made.roots + 1}\\b`))
  })
})
