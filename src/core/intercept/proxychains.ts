// A program run with every TCP connection it opens going through tcpscope's SOCKS5 forward
// proxy, with no setting of its own changed: Debian's proxychains4 (proxychains-ng, loaded
// with LD_PRELOAD) and a configuration written here. Its file is 0600 in a folder of its
// own, and goes when the program ends.
//
// - `proxy_dns`: a name the program resolves is handed to the proxy as a name (SOCKS5's
//   domain address), so the capture records where the program meant to go, not a fake IP.
// - `localnet` leaves out the proxy's own port: a program that also reads HTTP_PROXY (as
//   `tcpscope env` sets it) talks to the proxy directly, and is not sent through it twice.
// - `strict_chain` with one proxy: no connection bypasses it.
// What proxychains cannot see: a statically linked program (most Go binaries) ignores
// LD_PRELOAD, and UDP is not proxied.

import { constants, rmSync } from 'node:fs'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

/** The program that loads proxychains into a command. */
export const PROXYCHAINS = 'proxychains4'
/** Where to get it, in one line. */
export const PROXYCHAINS_MISSING = `${PROXYCHAINS} is not installed: tcpscope runs a program through it to see its connections (Debian and Ubuntu: apt-get install proxychains4; Fedora: dnf install proxychains-ng; macOS: brew install proxychains-ng)`

/** The configuration sending every connection through the SOCKS5 proxy at 127.0.0.1:`port`. */
export function proxychainsConfig(port: number): string {
  return [
    '# Written by tcpscope for one program; removed when it ends.',
    'strict_chain',
    'quiet_mode',
    'proxy_dns',
    'remote_dns_subnet 224',
    'tcp_read_time_out 15000',
    'tcp_connect_time_out 8000',
    `localnet 127.0.0.1:${port}/255.255.255.255`,
    '[ProxyList]',
    `socks5 127.0.0.1 ${port}`,
    ''
  ].join('\n')
}

/** A configuration file on disk, and how to remove it. */
export interface WrittenConfig {
  path: string
  remove(): Promise<void>
  /** The same, synchronously: for a process about to exit on a signal. */
  removeNow(): void
}

export async function writeProxychainsConfig(port: number): Promise<WrittenConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'tcpscope-run-'))
  const path = join(dir, 'proxychains.conf')
  await writeFile(path, proxychainsConfig(port), { mode: 0o600 })
  return { path, remove: () => rm(dir, { recursive: true, force: true }), removeNow: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The full path of `name` on PATH, when it is there and runnable. */
export async function onPath(name: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const full = join(dir, name)
    try {
      await access(full, constants.X_OK)
      return full
    } catch {
      // Not in this folder.
    }
  }
  return undefined
}

/** The argv that runs `command` through proxychains with `config`. */
export function proxychainsArgv(proxychains: string, config: string, command: string, args: readonly string[]): string[] {
  return [proxychains, '-q', '-f', config, command, ...args]
}
