// Throwaway browser profiles: made fresh, removed after; a Firefox one proxied by user.js
// and trusting the CA in its own NSS database (real certutil).
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeProfileDir, NSS_NICKNAME, PROFILE_PREFIX, prepareFirefoxProfile, removeProfileDir } from '../../../src/core/intercept/browser-profile'
import { tempDir } from '../../helpers/net'
import { hasProgram, needProgram } from '../../helpers/peers'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function parent(): string {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  return dir
}

/** A self-signed CA certificate, made by openssl. */
function caPem(dir: string): string {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=test CA', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], { stdio: 'ignore' })
  return readFileSync(join(dir, 'c.pem'), 'utf8')
}

describe('browser profiles', () => {
  it('makes a fresh, private folder each time and removes it with everything in it', async () => {
    const root = parent()
    const a = await makeProfileDir(root)
    const b = await makeProfileDir(root)
    expect(a).not.toBe(b)
    expect(a.startsWith(join(root, PROFILE_PREFIX))).toBe(true)
    expect(statSync(a).mode & 0o077).toBe(0)
    writeFileSync(join(a, 'Cookies'), 'x')
    expect(await removeProfileDir(a)).toBeUndefined()
    expect(existsSync(a)).toBe(false)
    expect(await removeProfileDir(a)).toBeUndefined()
  })

  it('prepares a Firefox profile: proxy prefs in user.js, the CA trusted for web sites in its NSS db', async (ctx) => {
    needProgram(ctx, 'certutil (libnss3-tools) and openssl', hasProgram('certutil') && hasProgram('openssl'))
    const root = parent()
    const dir = await makeProfileDir(root)
    await prepareFirefoxProfile(dir, { proxy: { host: '127.0.0.1', port: 3128 }, caPem: caPem(root), certutil: 'certutil' })
    expect(readFileSync(join(dir, 'user.js'), 'utf8')).toContain('user_pref("network.proxy.ssl_port", 3128);')
    const listed = execFileSync('certutil', ['-L', '-d', `sql:${dir}`], { encoding: 'utf8' })
    expect(listed).toMatch(new RegExp(`${NSS_NICKNAME}\\s+C,,`))
    // The PEM copy certutil read is not left in the profile.
    expect(readdirSync(dir).sort()).toEqual(['cert9.db', 'key4.db', 'pkcs11.txt', 'user.js'])
  })

  it('turns a certutil failure into one line', async (ctx) => {
    needProgram(ctx, 'certutil (libnss3-tools)', hasProgram('certutil'))
    const dir = await makeProfileDir(parent())
    const failing = prepareFirefoxProfile(dir, { proxy: { host: '127.0.0.1', port: 1 }, caPem: 'not a certificate', certutil: 'certutil' })
    await expect(failing).rejects.toThrow(/^could not add tcpscope's CA to the browser profile's certificate database with certutil: .+$/)
  })
})
