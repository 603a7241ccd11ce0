// A throwaway MariaDB (or MySQL) server on a free loopback port, for tests that put a proxy
// in front of it (STARTTLS, the MySQL decoder): mariadb-install-db into a temp folder, root
// without a password, optionally TLS with a self-signed certificate openssl makes (CN and
// SAN localhost, 127.0.0.1). Callers check for it first: `hasMysql()` with needProgram (./peers).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectTo, freePort } from './net'

export interface MysqlServer {
  host: string
  port: number
  /** root, without a password. */
  user: string
  /** The server's certificate (PEM file), with `ssl`. */
  certPath?: string
  stop(): Promise<void>
}

export interface MysqlOptions {
  /** TLS with a self-signed certificate for localhost and 127.0.0.1 (otherwise the server has none). */
  ssl?: boolean
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0

export const hasMysql = (): boolean => has('mariadbd') && has('mariadb-install-db') && has('mariadb')

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

export async function startMysql(opts: MysqlOptions = {}): Promise<MysqlServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tcpscope-mysql-'))
  const data = join(dir, 'data')
  const user = asRoot ? ['--user=root'] : []
  const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], { encoding: 'utf8' })
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr}`)
  const args = ['--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, '--bind-address=127.0.0.1', '--skip-log-bin', '--innodb-buffer-pool-size=16M', '--skip-name-resolve', ...user]
  let certPath: string | undefined
  if (opts.ssl === true) {
    certPath = join(dir, 'cert.pem')
    const keyPath = join(dir, 'key.pem')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
    args.push(`--ssl-cert=${certPath}`, `--ssl-key=${keyPath}`)
  } else {
    args.push('--skip-ssl')
  }
  const port = await freePort()
  const child = spawn('mariadbd', [...args, `--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`mariadbd exited: ${log}`)
    }
    if (/ready for connections/.test(log)) {
      try {
        ;(await connectTo(port)).destroy()
        break
      } catch {
        // not yet
      }
    }
    if (i > 300) {
      await stop()
      throw new Error(`mariadbd did not start within 30 s: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const out: MysqlServer = { host: '127.0.0.1', port, user: 'root', stop }
  if (certPath !== undefined) out.certPath = certPath
  return out
}
