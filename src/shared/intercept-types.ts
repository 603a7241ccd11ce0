// Results of the CA export and the browser interception commands (contract.ts).

import type { BrowserName } from './tls-args'

/** `ca.export`: where it was written, or (no path asked) the bytes, with the name to suggest. */
export interface CaExport {
  path?: string
  bytes?: Uint8Array
  /** `tcpscope-ca.pem` / `tcpscope-ca.der`. */
  fileName: string
}

/** A browser tcpscope knows how to start intercepted. */
export interface BrowserInfo {
  name: BrowserName
  /** Where its executable is; absent: not found on this machine. */
  path?: string
  /** Why it cannot be started intercepted (not found, or a tool it needs is missing); absent: it can. */
  reason?: string
}

/** A browser started by intercept.browser. */
export interface InterceptedBrowser {
  browserId: string
  name: BrowserName
  pid: number
  /** The forward proxy it goes through (`HOST:PORT`), and its id. */
  proxyId: string
  proxy: string
  /** The fresh profile folder (removed when the browser exits). */
  profileDir: string
  /** `closed`: the browser exited (or was stopped) and its profile is removed. */
  state: 'running' | 'closed'
  /** How it ended: an exit code or signal, when closed. */
  exit?: string
}
