// Results of the CA export and the browser and command interception commands (contract.ts).

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

/** A program started by intercept.command (Intercept ▸ "A command…"). */
export interface InterceptedCommand {
  commandId: string
  /** The program and its arguments, as it was started (no shell). */
  argv: string[]
  /** The folder it runs in. */
  cwd: string
  pid: number
  /** The forward proxy started for it (`HOST:PORT`) and its id: the connections that proxy owns are the program's. */
  proxyId: string
  proxy: string
  /** TLS to every destination terminated with tcpscope's CA, which the program was told to trust. */
  interceptTls: boolean
  /** `exited`: it ended (by itself or intercept.command.stop); `removed`: forgotten (front ends drop it). */
  state: 'running' | 'exited' | 'removed'
  /** How it ended: its exit code, or the signal that ended it. */
  exitCode?: number
  signal?: string
  /** Connections its proxy accepted, once it exited. */
  connections?: number
  /** What to know of how it ended, in one line (no connection seen: a statically linked program?). */
  note?: string
}

/** What a command wrote to one stream since the last chunk: `dropped` bytes before `text` are not sent (too much at once). */
export interface CommandOutputChunk {
  commandId: string
  stream: 'stdout' | 'stderr'
  text: string
  dropped: number
}
