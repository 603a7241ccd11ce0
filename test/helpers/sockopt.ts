// Reads TCP_NODELAY of this process's own sockets as the kernel sees it. Node has no
// getsockopt, so a python3 child borrows the descriptor with pidfd_getfd (Linux >= 5.6)
// and asks the kernel. Sockets are found by their ports in /proc/self/net/tcp{,6}.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { programWorks } from './peers'

const GETSOCKOPT = `
import ctypes, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(int(sys.argv[1]))
out = []
for fd in sys.argv[2:]:
    dup = libc.syscall(438, pidfd, int(fd), 0)  # pidfd_getfd
    if dup < 0:
        raise OSError(ctypes.get_errno(), 'pidfd_getfd failed')
    s = socket.socket(fileno=dup)
    out.append(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0)
    s.close()
print(json.dumps(out))
`

export const canReadSockopts = (): boolean =>
  process.platform === 'linux' && programWorks('python3', ['-c', 'import os; os.pidfd_open'])

function inodeOf(localPort: number, remotePort: number): string {
  const hexPort = (p: number): string => p.toString(16).toUpperCase().padStart(4, '0')
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length < 10) continue
      if (f[1].endsWith(`:${hexPort(localPort)}`) && f[2].endsWith(`:${hexPort(remotePort)}`)) return f[9]
    }
  }
  throw new Error(`no TCP socket ${localPort} -> ${remotePort} in this process`)
}

function fdOf(inode: string): number {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`) return Number(fd)
    } catch {
      /* closed while we looked */
    }
  }
  throw new Error(`socket inode ${inode} has no descriptor in this process`)
}

/** TCP_NODELAY of each of this process's sockets, given as [localPort, remotePort]. */
export function tcpNoDelay(sockets: Array<[number, number]>): boolean[] {
  const fds = sockets.map(([l, r]) => fdOf(inodeOf(l, r)))
  const out = execFileSync('python3', ['-c', GETSOCKOPT, String(process.pid), ...fds.map(String)], { encoding: 'utf8' })
  return JSON.parse(out) as boolean[]
}
