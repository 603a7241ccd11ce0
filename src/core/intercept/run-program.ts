// Starting one program with every TCP connection it opens going through a forward proxy of
// tcpscope, with no setting of the program's changed: what `tcpscope run` (cli/commands/run.ts)
// and the app's Intercept ▸ "A command…" (intercept.command, command-runs.ts) share, so both
// check, configure and describe it the same way. The program runs under proxychains4 with a
// configuration written for it (proxychains.ts); the variables `tcpscope env` sets are added
// for programs that read them (the proxy; the CA's only while TLS is intercepted, as they
// replace the system's roots). How the program is spawned (a terminal's stdio, or pipes the
// app reads) is each caller's.

import { constants, stat, access } from 'node:fs/promises'
import { constants as os } from 'node:os'
import { resolve } from 'node:path'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { proxyEnvVars } from '../../shared/proxy-env'
import { onPath, PROXYCHAINS, PROXYCHAINS_MISSING, proxychainsArgv, writeProxychainsConfig, type WrittenConfig } from './proxychains'

/** A command that is neither on PATH nor a runnable file: shells exit 127 for it. */
export class CommandNotFound extends UserError {
  constructor(command: string) {
    super(`${command}: command not found`, 'ENOENT')
  }
}

/**
 * The proxychains4 to run the program with, once both it and the program are there: a
 * missing one is a one-line UserError (the package to install; CommandNotFound), not
 * proxychains' own complaint after the fact. A command with a `/` is a path, from `cwd`.
 */
export async function findProgram(command: string, cwd?: string): Promise<string> {
  const proxychains = await onPath(PROXYCHAINS)
  if (proxychains === undefined) throw new UserError(PROXYCHAINS_MISSING, 'ENOENT')
  if (cwd !== undefined) await checkFolder(cwd)
  const found = command.includes('/') ? await runnable(resolve(cwd ?? process.cwd(), command)) : (await onPath(command)) !== undefined
  if (!found) throw new CommandNotFound(command)
  return proxychains
}

const runnable = (path: string): Promise<boolean> =>
  access(path, constants.X_OK).then(
    async () => !(await stat(path)).isDirectory(),
    () => false
  )

async function checkFolder(cwd: string): Promise<void> {
  const info = await stat(cwd).catch((err: NodeJS.ErrnoException) => {
    throw new UserError(`working folder ${cwd}: ${err.code === 'ENOENT' ? 'no such folder' : (err.code ?? err.message)}; give a folder that exists`, err.code ?? 'EIO')
  })
  if (!info.isDirectory()) throw new UserError(`working folder ${cwd} is a file, not a folder`, ERROR_CODES.EINVAL)
}

/** What to spawn: the argv (proxychains4 first), its environment, and the configuration to remove once it ends. */
export interface ProgramPlan {
  argv: string[]
  env: NodeJS.ProcessEnv
  config: WrittenConfig
}

export interface PlanOptions {
  proxychains: string
  command: string
  args: readonly string[]
  /** The forward proxy's listening address on loopback, `127.0.0.1:PORT`. */
  proxy: string
  /** tcpscope's CA certificate, when TLS is intercepted: the program is told to trust it. */
  caPath?: string
  /** The environment it adds to (default: tcpscope's). */
  env?: NodeJS.ProcessEnv
}

export async function planProgram(opts: PlanOptions): Promise<ProgramPlan> {
  const port = Number(opts.proxy.slice(opts.proxy.lastIndexOf(':') + 1))
  const config = await writeProxychainsConfig(port)
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) }
  for (const [name, value] of proxyEnvVars({ proxy: opts.proxy, caPath: opts.caPath ?? '' }, 'bash')) {
    if (opts.caPath !== undefined || /proxy$/i.test(name)) env[name] = value
  }
  return { argv: proxychainsArgv(opts.proxychains, config.path, opts.command, opts.args), env, config }
}

/**
 * Said when the program ended and its proxy saw no connection. The static-binary hint only
 * for a program that exited 0: it did its work, so connections it made went around the
 * proxy. One that failed or was killed most likely stopped before connecting at all, so
 * how it ended is what is said.
 */
export function noConnectionNote(command: string, exit: { code: number | null; signal: string | null }): string {
  const none = 'opened no TCP connection that tcpscope saw'
  if (exit.signal !== null) return `${command} was killed by ${exit.signal} and ${none}`
  if (exit.code !== 0) return `${command} exited with code ${exit.code ?? 'unknown'} and ${none}`
  return `${command} ${none}. A statically linked program (most Go binaries) ignores LD_PRELOAD, which ${PROXYCHAINS} relies on: point it at a proxy (tcpscope proxy --forward, with tcpscope env), or at tcpscope proxy --target`
}

/** Exit status of a program a signal ended, as shells say it. */
export const signalStatus = (signal: NodeJS.Signals): number => 128 + (os.signals[signal] ?? 0)

/** How long the program's connections may take to close once it ended (a server's FIN after the program's). */
export const SETTLE_MS = 2000

/** Once the program ended: waits while `open()` (its connections' last bytes and closes still coming), at most SETTLE_MS, less if `cut()`. */
export async function settled(open: () => boolean, cut: () => boolean = () => false): Promise<void> {
  const until = Date.now() + SETTLE_MS
  while (!cut() && Date.now() < until && open()) await new Promise((r) => setTimeout(r, 20))
}
