// tcpscope's CA on a real file system, checked by openssl and by real TLS handshakes.
import { X509Certificate } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { TLSSocket, connect } from 'node:tls'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CertificateAuthority, LEAF_CACHE_SIZE, leafSubject } from '../../../src/core/tls/certificate-authority'
import { hasProgram, needProgram } from '../../helpers/peers'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tcpscope-ca-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const DAY = 86_400_000
const openssl = (args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe('the CA files', () => {
  it('is made on first use: key 0600 in a 0700 folder, nothing else left behind', async () => {
    const ca = await CertificateAuthority.open(dir)
    const info = ca.info()
    expect(info.created).toBe(true)
    expect(info.dataDir).toBe(dir)
    expect((await stat(info.keyPath)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, 'ca'))).mode & 0o777).toBe(0o700)
    expect((await readdir(join(dir, 'ca'))).sort()).toEqual(['tcpscope-ca-key.pem', 'tcpscope-ca.pem'])
    expect(info.subject).toMatch(/^CN=tcpscope CA \(.+\), O=tcpscope$/)
    expect(info.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(Buffer.from(info.spki, 'base64')).toHaveLength(32)
    expect(info.pem).toContain('-----BEGIN CERTIFICATE-----')
    expect(info.pem).not.toContain('PRIVATE KEY')
  })

  it('is read back, not remade, on the next open', async () => {
    const first = (await CertificateAuthority.open(dir)).info()
    const again = (await CertificateAuthority.open(dir)).info()
    expect(again.sha256).toBe(first.sha256)
    expect(again.created).toBeUndefined()
    // A key file made readable to others is private again once tcpscope opens it.
    await chmod(first.keyPath, 0o644)
    await CertificateAuthority.open(dir)
    expect((await stat(first.keyPath)).mode & 0o777).toBe(0o600)
  })

  it('two tcpscopes opening a fresh folder at once end up with one CA', async () => {
    const [a, b, c] = await Promise.all([CertificateAuthority.open(dir), CertificateAuthority.open(dir), CertificateAuthority.open(dir)])
    expect(b.info().sha256).toBe(a.info().sha256)
    expect(c.info().sha256).toBe(a.info().sha256)
  })

  it('regenerate replaces both files, and the key goes back to 0600', async () => {
    const old = (await CertificateAuthority.open(dir)).info()
    await chmod(old.keyPath, 0o644)
    const made = (await CertificateAuthority.regenerate(dir)).info()
    expect(made.sha256).not.toBe(old.sha256)
    expect(made.created).toBe(true)
    expect((await stat(made.keyPath)).mode & 0o777).toBe(0o600)
    expect((await CertificateAuthority.open(dir)).info().sha256).toBe(made.sha256)
  })

  it('a damaged key is one line that says how to make a new CA', async () => {
    const { keyPath } = (await CertificateAuthority.open(dir)).info()
    await writeFile(keyPath, 'not a key')
    await expect(CertificateAuthority.open(dir)).rejects.toMatchObject({ code: 'EDAMAGED', message: expect.stringMatching(/is not an ECDSA P-256 private key\): make a new one with `tcpscope ca --regenerate`/) })
  })

  it('a key from another CA is refused', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tcpscope-ca-other-'))
    try {
      const mine = (await CertificateAuthority.open(dir)).info()
      const theirs = (await CertificateAuthority.open(other)).info()
      await writeFile(mine.keyPath, await import('node:fs/promises').then((fs) => fs.readFile(theirs.keyPath)))
      await expect(CertificateAuthority.open(dir)).rejects.toThrow(/the key does not belong to the certificate/)
    } finally {
      await rm(other, { recursive: true, force: true })
    }
  })

  it('openssl sees CA:TRUE and keyCertSign, both critical', async (ctx) => {
    needProgram(ctx, 'openssl', hasProgram('openssl'))
    const { certPath } = (await CertificateAuthority.open(dir)).info()
    const text = openssl(['x509', '-in', certPath, '-noout', '-text'])
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/)
    expect(text).toMatch(/X509v3 Key Usage: critical\s+[^\n]*Certificate Sign/)
    expect(text).toContain('ASN1 OID: prime256v1')
    expect(text).toMatch(/Subject: CN ?= ?tcpscope CA/)
  })
})

describe('leaves', () => {
  it('openssl verifies a leaf for a DNS name against the CA, with a DNS SAN', async (ctx) => {
    needProgram(ctx, 'openssl', hasProgram('openssl'))
    const ca = await CertificateAuthority.open(dir)
    const leafPath = join(dir, 'leaf.pem')
    await writeFile(leafPath, await ca.leafPem('Upstream.Test.'))
    expect(openssl(['verify', '-CAfile', ca.info().certPath, '-verify_hostname', 'upstream.test', '-purpose', 'sslserver', leafPath])).toContain(': OK')
    expect(() => openssl(['verify', '-CAfile', ca.info().certPath, '-verify_hostname', 'other.test', leafPath])).toThrow()
    const text = openssl(['x509', '-in', leafPath, '-noout', '-text'])
    expect(text).toContain('DNS:upstream.test')
    expect(text).toMatch(/CA:FALSE/)
  })

  it('openssl verifies a leaf for an IP address, with an IP SAN', async (ctx) => {
    needProgram(ctx, 'openssl', hasProgram('openssl'))
    const ca = await CertificateAuthority.open(dir)
    for (const [name, ip] of [
      ['127.0.0.1', '127.0.0.1'],
      ['[::1]', '::1']
    ]) {
      const leafPath = join(dir, 'leaf.pem')
      await writeFile(leafPath, await ca.leafPem(name!))
      expect(openssl(['verify', '-CAfile', ca.info().certPath, '-verify_ip', ip!, leafPath])).toContain(': OK')
      expect(new X509Certificate(await ca.leafPem(name!)).subjectAltName).toMatch(/^IP Address:/)
    }
  })

  it('validity is clamped: a day back, at most 397 days, never past the CA', async () => {
    const ca = await CertificateAuthority.open(dir)
    const leaf = new X509Certificate(await ca.leafPem('example.test'))
    const from = Date.parse(leaf.validFrom)
    const to = Date.parse(leaf.validTo)
    expect(from).toBeLessThanOrEqual(Date.now() - DAY + 60_000)
    expect(from).toBeGreaterThanOrEqual(Date.parse(ca.info().validFrom))
    expect(to - Date.now()).toBeLessThanOrEqual(397 * DAY)
    expect(to).toBeLessThanOrEqual(Date.parse(ca.info().validTo))
    expect(leaf.checkIssued(new X509Certificate(ca.info().pem))).toBe(true)
  })

  it('is issued once per name, shared by concurrent askers; one leaf key for every name', async () => {
    const ca = await CertificateAuthority.open(dir)
    const [a, b] = await Promise.all([ca.leafContext('a.test'), ca.leafContext('a.test')])
    expect(b).toBe(a)
    expect(await ca.leafContext('A.test')).toBe(a)
    const one = new X509Certificate(await ca.leafPem('a.test'))
    const two = new X509Certificate(await ca.leafPem('b.test'))
    expect(two.serialNumber).not.toBe(one.serialNumber)
    expect(two.publicKey.export({ type: 'spki', format: 'der' })).toEqual(one.publicKey.export({ type: 'spki', format: 'der' }))
  })

  it('the cache is bounded: the least recently used name is dropped first', async () => {
    const ca = await CertificateAuthority.open(dir)
    const first = await ca.leafContext('first.test')
    const kept = await ca.leafContext('kept.test')
    for (let i = 0; i < LEAF_CACHE_SIZE - 2; i++) await ca.leafContext(`n${i}.test`)
    expect(await ca.leafContext('kept.test')).toBe(kept) // touched: now the most recent
    await ca.leafContext('one-more.test')
    expect(await ca.leafContext('kept.test')).toBe(kept)
    expect(await ca.leafContext('first.test')).not.toBe(first)
  }, 60_000)

  it('a name that is no host name or IP is one line, and is not cached', async () => {
    const ca = await CertificateAuthority.open(dir)
    for (const bad of ['', 'a b', 'x'.repeat(300), 'bad..name', '-lead.test', 'evil\n.test']) {
      await expect(ca.leafContext(bad)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/^cannot issue a certificate for .*: not a host name or IP address$/) })
    }
    expect(leafSubject('bücher.example')).toEqual({ name: 'xn--bcher-kva.example', ip: false })
    expect(leafSubject('fe80::1%eth0')).toEqual({ name: 'fe80::1', ip: true })
  })

  it('a real TLS client trusting only the CA accepts the leaf for its SNI, and for an IP without SNI', async () => {
    const ca = await CertificateAuthority.open(dir)
    // As a proxy answers: a TLS server over an accepted socket, the leaf chosen by the SNI
    // when there is one, else (no SNI) for the target's address.
    const server = createNetServer((socket) => {
      const tlsSocket = new TLSSocket(socket, {
        isServer: true,
        secureContext: ipContext,
        SNICallback: (name, cb) => void ca.leafContext(name).then((c) => cb(null, c), (err: Error) => cb(err))
      })
      tlsSocket.on('secure', () => tlsSocket.end(tlsSocket.servername || 'no sni'))
      tlsSocket.on('error', () => socket.destroy())
    })
    const ipContext = await ca.leafContext('127.0.0.1')
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    const ask = (servername?: string): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const s = connect({ port, host: '127.0.0.1', ca: ca.info().pem, ...(servername ? { servername } : {}) }, () => s.once('data', (d) => resolve(`${s.authorized} ${d}`)))
        s.on('error', reject)
      })
    try {
      expect(await ask('site.test')).toBe('true site.test')
      expect(await ask()).toBe('true no sni')
    } finally {
      server.close()
    }
  })
})
