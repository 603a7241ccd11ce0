// How to trust tcpscope's CA on each system, as commands to copy: where the certificate is
// (CaInfo.certPath) quoted for that system's shell. Only the certificate is ever named; the
// key stays in its file. Each step's words are in the messages (tls.trust.step.<id>).

import { posixQuote } from '../../../../shared/proxy-env'

export const TRUST_SYSTEMS = ['linux', 'macos', 'windows'] as const
export type TrustSystem = (typeof TRUST_SYSTEMS)[number]

export interface TrustStep {
  /** Names the step's words: tls.trust.step.<id>. */
  id: string
  command: string
}

/** `path` as one word of cmd and PowerShell alike: double quotes (a Windows path cannot hold one). */
export const windowsQuote = (path: string): string => `"${path}"`

export function trustSteps(system: TrustSystem, certPath: string): TrustStep[] {
  const p = posixQuote(certPath)
  switch (system) {
    case 'linux':
      return [
        { id: 'debian', command: `sudo cp ${p} /usr/local/share/ca-certificates/tcpscope-ca.crt && sudo update-ca-certificates` },
        { id: 'fedora', command: `sudo cp ${p} /etc/pki/ca-trust/source/anchors/tcpscope-ca.pem && sudo update-ca-trust` },
        // Chromium and Firefox on Linux read their own NSS database, not the system's roots.
        { id: 'nss', command: `certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n tcpscope -i ${p}` }
      ]
    case 'macos':
      return [
        { id: 'keychainUser', command: `security add-trusted-cert -r trustRoot -k ~/Library/Keychains/login.keychain-db ${p}` },
        { id: 'keychainSystem', command: `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${p}` }
      ]
    case 'windows': {
      const w = windowsQuote(certPath)
      return [
        { id: 'windowsUser', command: `certutil -user -addstore Root ${w}` },
        { id: 'windowsMachine', command: `certutil -addstore Root ${w}` },
        { id: 'certmgr', command: 'certmgr.msc' }
      ]
    }
  }
}

/** The system the engine runs on, told by how its data folder is written; the CA's tab opens on it. */
export function systemOf(dataDir: string): TrustSystem {
  if (/^[A-Za-z]:\\/.test(dataDir) || dataDir.startsWith('\\\\')) return 'windows'
  if (dataDir.includes('/Library/Application Support/')) return 'macos'
  return 'linux'
}
