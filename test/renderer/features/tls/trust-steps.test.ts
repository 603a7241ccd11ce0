// The CA panel's trust commands: each names the certificate (never the key) quoted for its
// system's shell, so a path with spaces or quotes arrives whole; the panel opens on the
// system the engine runs on, told by its data folder.
import { describe, expect, it } from 'vitest'
import { posixQuote } from '../../../../src/shared/proxy-env'
import { systemOf, trustSteps, TRUST_SYSTEMS } from '../../../../src/renderer/src/features/tls/trust-steps'

describe('trust steps', () => {
  it('has steps for Linux (system roots and NSS), macOS (Keychain) and Windows (certutil, certmgr)', () => {
    const cert = '/home/ann/.config/tcpscope/ca.pem'
    const linux = trustSteps('linux', cert).map((s) => s.command)
    expect(linux.some((c) => c.includes('update-ca-certificates'))).toBe(true)
    expect(linux.some((c) => c.startsWith('certutil -d sql:$HOME/.pki/nssdb -A -t "C,,"'))).toBe(true)
    expect(trustSteps('macos', cert).map((s) => s.command).every((c) => c.includes('security add-trusted-cert'))).toBe(true)
    const win = trustSteps('windows', 'C:\\Users\\Ann\\AppData\\Roaming\\tcpscope\\ca.pem').map((s) => s.command)
    expect(win).toContain('certutil -user -addstore Root "C:\\Users\\Ann\\AppData\\Roaming\\tcpscope\\ca.pem"')
    expect(win).toContain('certmgr.msc')
    for (const system of TRUST_SYSTEMS) for (const s of trustSteps(system, cert)) expect(s.command).not.toMatch(/ca-key|\.key\b/)
  })

  it('quotes a path with spaces and quotes so a POSIX shell reads it back whole', () => {
    const path = "/tmp/it's a dir/ca.pem"
    // Single quotes keep everything literal; a quote inside is closed, escaped, reopened.
    expect(posixQuote(path)).toBe(`'/tmp/it'\\''s a dir/ca.pem'`)
    expect(trustSteps('linux', path)[0].command).toContain(posixQuote(path))
  })

  it('opens on the engine host’s system', () => {
    expect(systemOf('C:\\Users\\Ann\\AppData\\Roaming\\tcpscope')).toBe('windows')
    expect(systemOf('/Users/ann/Library/Application Support/tcpscope')).toBe('macos')
    expect(systemOf('/home/ann/.config/tcpscope')).toBe('linux')
  })
})
