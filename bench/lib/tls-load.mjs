// The TLS bench's load generators, all C programs so the client's own TLS costs as little of
// the 2 cores as it can: wrk over https (bulk downloads on keep-alive connections, and
// `Connection: close` requests, where wrk resumes its sessions: it SSL_clear()s and reuses
// each connection's SSL object), and `openssl s_time -new` (a full handshake per connection,
// no resumption), several at once. Each is run under `sh -c '"$@"; times'` so its CPU time
// comes back with its output. Also the machine's busy CPU from /proc/stat and `openssl speed`.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { wrkFigures } from './wrk.mjs'

const BINARY = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }

/** Runs `command args` to its end; its output, wall seconds and CPU seconds (user + sys, from the shell's `times`). */
export function runTimed(command, args, timeoutMs) {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', '"$@"; s=$?; times; exit $s', 'sh', command, ...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const wallS = (performance.now() - t0) / 1000
      if (err) return reject(new Error(`${command} failed (${err.signal ?? `exit ${err.code}`}): ${(stderr || stdout).trim().slice(-300)}`))
      // `times`: the shell's own user and sys, then its children's (the command's) on the last line.
      const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(stdout)
      const cpuS = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : NaN
      resolve({ stdout, stderr, wallS, cpuS })
    })
  })
}

/** `wrk -t1 -cN -dSs [-H ...] url`: its figures, the bytes it read, and its CPU seconds. */
export async function wrkTimed({ url, connections, seconds, headers = [] }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, ...headers.flatMap((h) => ['-H', h]), url]
  const r = await runTimed('wrk', args, (seconds + 30) * 1000)
  const f = wrkFigures(r.stdout)
  const read = /requests in [\d.]+m?s, ([\d.]+)([KMGT]?B) read/.exec(r.stdout)
  return { ...f, readBytes: read ? Number(read[1]) * BINARY[read[2]] : NaN, cpuS: r.cpuS }
}

/**
 * `clients` processes of `openssl s_time -new -www PATH -time S` at once: full handshakes, one
 * connection after another in each (HTTP/1.0, so each answer ends with the connection).
 * Connections per second over the wall time, and the clients' CPU seconds.
 */
export async function sTimeFull({ host, port, path, clients, seconds }) {
  const args = ['s_time', '-connect', `${host}:${port}`, '-new', '-www', path, '-time', String(seconds)]
  const t0 = performance.now()
  const runs = await Promise.all(Array.from({ length: clients }, () => runTimed('openssl', args, (seconds + 30) * 1000)))
  const wallS = (performance.now() - t0) / 1000
  let connections = 0
  let bytesPerConn
  for (const r of runs) {
    const m = /(\d+) connections in [\d.]+s;/.exec(r.stdout)
    if (!m) throw new Error(`openssl s_time printed no connection count: ${r.stdout.trim().slice(-300)}`)
    connections += Number(m[1])
    bytesPerConn = Number(/(\d+) bytes read per connection/.exec(r.stdout)?.[1] ?? NaN)
  }
  return { connections, wallS, perSecond: connections / wallS, bytesPerConn, cpuS: runs.reduce((a, r) => a + r.cpuS, 0) }
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number)
  const total = f.reduce((a, b) => a + b, 0)
  return { busy: total - f[3] - f[4], total } // idle and iowait are not busy
}

/** The share of the machine's CPU that was busy between two machineCpu() readings, 0..1. */
export const busyShare = (a, b) => (b.busy - a.busy) / (b.total - a.total)

/** `openssl speed` for ECDSA P-256 (sign/s, verify/s) and ECDH P-256 (op/s), one core. */
export async function opensslSpeed(seconds = 1) {
  const r = await runTimed('openssl', ['speed', '-seconds', String(seconds), 'ecdsap256', 'ecdhp256'], 120_000)
  const ecdsa = /ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(r.stdout)
  const ecdh = /ecdh \(nistp256\)\s+[\d.]+s\s+([\d.]+)/.exec(r.stdout)
  return { signPerS: Number(ecdsa?.[1]), verifyPerS: Number(ecdsa?.[2]), ecdhPerS: Number(ecdh?.[1]) }
}
