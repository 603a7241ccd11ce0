// The trust bundle: tcpscope's CA and the system's roots in one PEM file, for the variables
// `tcpscope env` sets that REPLACE a program's roots (SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
// CURL_CA_BUNDLE, GIT_SSL_CAINFO). Pointed at the CA alone, they left every TLS connection
// that does not go through the intercepting proxy unverifiable: a host in NO_PROXY, a
// pass-through host, a program that ignores HTTPS_PROXY. The roots are found as OpenSSL finds
// them (SSL_CERT_FILE when the shell already names a file of its own, else the distribution's
// bundle), else as Node reads the system's store, else Node's own (Mozilla's). The file is
// written again each time it is asked for (unless it would not change), so a regenerated CA
// or updated system roots are taken in; atomically, 0644 (certificates are public), and only
// CERTIFICATE blocks ever go in it: a key that sat in a roots file is never copied.

import { X509Certificate } from 'node:crypto'
import { chmod } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { TrustBundle } from '../../shared/tls-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { inspectTarget } from '../files/file-target'
import { readSmallFile } from '../files/read-small-file'
import { writeReplacing } from '../files/replace-file'
import { nodeTls } from '../lazy-builtins'
import type { CaPaths } from './certificate-authority'

export const TRUST_BUNDLE_FILE = 'tcpscope-trust-bundle.pem'

/**
 * The system's roots as one PEM file, where distributions keep them (the list Go's crypto/x509
 * reads; the first is also OpenSSL's default file on Debian and Ubuntu).
 */
export const SYSTEM_ROOT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem' // Alpine, macOS, FreeBSD
] as const

/** A distribution's bundle is some 200 KiB; Mozilla's whole store under 300 KiB. */
const MAX_ROOTS_FILE = 16 * 1024 * 1024

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

export const STORE_SOURCE = "the system's certificate store"
export const BUNDLED_SOURCE = "Node's bundled roots (Mozilla's)"

interface Roots {
  pems: string[]
  from: string
}

/** The certificates of a PEM text that read as certificates; anything else in it (a key, junk) is left out. */
function certificates(text: string): string[] {
  const out: string[] = []
  for (const block of text.match(PEM_CERT) ?? []) {
    try {
      out.push(new X509Certificate(block).toString())
    } catch {
      // One unreadable entry must not cost the others: OpenSSL skips it too.
    }
  }
  return out
}

async function rootsOfFile(path: string): Promise<string[]> {
  try {
    return certificates((await readSmallFile(path, `cannot read ${path}`, MAX_ROOTS_FILE, 'a roots file')).toString('latin1'))
  } catch (err) {
    if (err instanceof UserError) return []
    throw err
  }
}

/**
 * The roots to put beside the CA. `own` are tcpscope's files (the CA, the bundle): a shell
 * that ran `tcpscope env` before names one of them in SSL_CERT_FILE, which is then no
 * system's roots.
 */
export async function systemRoots(env: NodeJS.ProcessEnv, own: readonly string[]): Promise<Roots> {
  const named = env.SSL_CERT_FILE
  const ours = new Set(own.map((p) => resolve(p)))
  const files = named !== undefined && named !== '' && !ours.has(resolve(named)) ? [named, ...SYSTEM_ROOT_FILES] : SYSTEM_ROOT_FILES
  for (const path of files) {
    const pems = await rootsOfFile(path)
    if (pems.length > 0) return { pems, from: path }
  }
  // Windows and a Linux without a known file: the store Node reads (22.15+), else its own roots.
  const get = (nodeTls() as unknown as { getCACertificates?: (which: string) => string[] }).getCACertificates
  try {
    const store = typeof get === 'function' ? get('system') : []
    if (store.length > 0) return { pems: certificates(store.join('\n')), from: STORE_SOURCE }
  } catch {
    // A store that cannot be read is no store: Node's own roots follow.
  }
  return { pems: [...nodeTls().rootCertificates], from: BUNDLED_SOURCE }
}

/** Writes the bundle beside the CA (CaPaths' folder) and says what is in it. */
export async function writeTrustBundle(paths: CaPaths, caPem: string, env: NodeJS.ProcessEnv = process.env): Promise<TrustBundle> {
  const path = join(paths.folder, TRUST_BUNDLE_FILE)
  const roots = await systemRoots(env, [paths.certPath, path])
  const ca = new X509Certificate(caPem)
  const seen = new Set([ca.fingerprint256])
  const unique: string[] = []
  for (const pem of roots.pems) {
    const fp = new X509Certificate(pem).fingerprint256
    if (!seen.has(fp)) {
      seen.add(fp)
      unique.push(pem)
    }
  }
  const text = [`# tcpscope's CA, then ${unique.length} roots from ${roots.from}`, ca.toString().trimEnd(), ...unique.map((p) => p.trimEnd()), ''].join('\n')
  await writeIfChanged(path, text)
  return { path, roots: unique.length, from: roots.from }
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  const doing = `cannot write the trust bundle ${path}`
  for (let attempt = 0; ; attempt++) {
    const target = await inspectTarget(path, doing)
    if (target.kind === 'file') {
      const now = await readSmallFile(target.path, doing, MAX_ROOTS_FILE + 1024 * 1024, 'the trust bundle').catch(() => undefined)
      if (now?.toString('latin1') === text) {
        if ((target.mode & 0o777) !== 0o644) await chmod(target.path, 0o644)
        return
      }
    }
    try {
      // 0644 whatever the umask, as an exported CA is: it holds certificates only, which are public.
      await writeReplacing(target.kind === 'file' ? { ...target, mode: 0o644 } : target, { doing, mode: 0o644 }, async (file) => {
        await file.writeFile(text)
        await file.chmod(0o644)
      })
      return
    } catch (err) {
      // Another `tcpscope env` wrote it meanwhile: what it wrote is looked at again.
      if (!(err instanceof UserError && err.code === ERROR_CODES.EEXIST) || attempt >= 3) throw err
    }
  }
}
