// A throwaway PostgreSQL server on a free loopback port, for tests that put a proxy in front
// of it (STARTTLS, the PostgreSQL decoder): initdb into a temp folder, trust authentication,
// optionally `ssl=on` with a self-signed certificate openssl makes (CN and SAN localhost,
// 127.0.0.1). Run as root, the server runs as the `postgres` user (initdb refuses root).
// Callers check for it first: `hasPostgres()` with needProgram (./peers).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectTo, freePort } from './net'

export interface Postgres {
  host: string
  port: number
  /** The superuser, trusted without a password. */
  user: string
  /** The server's certificate (PEM file), with `ssl`. */
  certPath?: string
  stop(): Promise<void>
}

export interface PostgresOptions {
  /** `ssl=on` with a self-signed certificate for localhost and 127.0.0.1. */
  ssl?: boolean
  /** More `-c name=value` settings. */
  settings?: Record<string, string>
}

/** The folder of PostgreSQL's server programs (Debian keeps them per version), or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  return undefined
}

export const hasPostgres = (): boolean => postgresBin() !== undefined && spawnSync('sh', ['-c', 'command -v psql'], { stdio: 'ignore' }).status === 0

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** `cmd args`, as the postgres user when run as root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBin()
  if (bin === undefined) throw new Error('PostgreSQL is not installed (apt-get install postgresql)')
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-pg-'))
  chmodSync(dir, 0o755)
  const data = join(dir, 'data')
  const sockets = join(dir, 'sock')
  const owned = (): void => {
    if (!asRoot) return
    const ids = execFileSync('id', ['-u', 'postgres']).toString().trim()
    const gid = execFileSync('id', ['-g', 'postgres']).toString().trim()
    for (const p of [dir, ...readdirSync(dir).map((f) => join(dir, f))]) chownSync(p, Number(ids), Number(gid))
  }
  execFileSync('mkdir', ['-p', sockets])
  const settings: Record<string, string> = { listen_addresses: '127.0.0.1', fsync: 'off', ...opts.settings }
  let certPath: string | undefined
  if (opts.ssl === true) {
    certPath = join(dir, 'server.crt')
    const keyPath = join(dir, 'server.key')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
    chmodSync(keyPath, 0o600)
    Object.assign(settings, { ssl: 'on', ssl_cert_file: certPath, ssl_key_file: keyPath })
  }
  owned()
  const [initCmd, initArgs] = asPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C'])
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  const port = await freePort()
  const args = ['-D', data, '-k', sockets, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
  const [cmd, argv] = asPostgres(join(bin, 'postgres'), args)
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  /** The server's own process: runuser passes no SIGINT on (it waited out the 5 s below, then left postgres behind). */
  const postmaster = (): number => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || child.pid!
    } catch {
      return child.pid!
    }
  }
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig)
    } catch {
      // already gone
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const pid = postmaster()
      // SIGINT: the fast shutdown. runuser ends once postgres has.
      signal(pid, 'SIGINT')
      let timer: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))])
      clearTimeout(timer)
      if (child.exitCode === null) {
        signal(pid, 'SIGKILL')
        child.kill('SIGKILL')
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`postgres exited: ${log}`)
    }
    if (/ready to accept connections/.test(log)) {
      try {
        ;(await connectTo(port)).destroy()
        break
      } catch {
        // not yet
      }
    }
    if (i > 300) {
      await stop()
      throw new Error(`postgres did not start within 30 s: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const out: Postgres = { host: '127.0.0.1', port, user: 'postgres', stop }
  if (certPath !== undefined) out.certPath = certPath
  return out
}
