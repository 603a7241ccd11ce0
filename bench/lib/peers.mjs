// The real peers the bench compares against or drives: haproxy (the proxy to beat, issue
// 18), redis-server and redis-benchmark (small request/response messages). Each is a
// ProxyProcess, so run.mjs starts, measures (/proc CPU and memory of its own pid) and
// stops it like the Node proxies. A missing program fails the bench, naming the package.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ProxyProcess } from './proc.mjs'

/** Throws, naming the Debian package, unless `program` is on PATH. */
export function requireProgram(program, pkg) {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' })
  } catch {
    throw new Error(`${program} is not installed, and the bench compares against it: install it (apt-get install ${pkg}; see README's install step)`)
  }
}

/** A port the OS says is free now (haproxy and redis-server need a fixed one). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/**
 * haproxy in TCP mode, one frontend to one backend, in the foreground (-db, so the pid is
 * the process that forwards). By default with haproxy's own thread count (one per core), as
 * it runs in production and as issue 37 compares: tcpscope with `--workers` uses every core
 * too. `threads` pins it (1 reproduces the one-thread comparisons of earlier issues). `bind`
 * and `server` are added to the bind and server lines (the TLS bench's `ssl crt ...`).
 */
export async function startHaproxy(target, dir, { threads, host = '127.0.0.1', bind = '', server = '' } = {}) {
  const port = await freePort(host)
  const cfg = join(dir, `haproxy-${port}.cfg`)
  writeFileSync(
    cfg,
    [
      'global',
      ...(threads !== undefined ? [`  nbthread ${threads}`] : []),
      '  maxconn 4096',
      // Only abnormal sessions are logged (with haproxy's termination flags), to stderr,
      // which the bench shows when a haproxy case fails; normal ones cost nothing.
      '  log stderr format raw local0',
      'defaults',
      '  mode tcp',
      '  log global',
      '  option tcplog',
      '  option dontlog-normal',
      '  timeout connect 10s',
      '  timeout client 10m',
      '  timeout server 10m',
      'frontend bench',
      `  bind ${host}:${port} ${bind}`.trimEnd(),
      '  default_backend target',
      'backend target',
      `  server t ${target} ${server}`.trimEnd(),
      ''
    ].join('\n')
  )
  const p = await ProxyProcess.start('haproxy', ['-db', '-f', cfg], { command: 'haproxy', listenAt: { host, port } })
  p.stopSignal = 'SIGUSR1' // soft stop: exits 0 once its connections are done (SIGTERM kills it at once, by the signal)
  return p
}

/** A redis-server with no persistence, on a free port. */
export async function startRedis(host = '127.0.0.1') {
  const port = await freePort(host)
  return ProxyProcess.start('redis-server', ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no'], { command: 'redis-server', listenAt: { host, port } })
}

/**
 * `redis-benchmark -c clients -n requests -t set,get -q --csv [-P pipeline]` against host:port;
 * returns {SET, GET} requests per second. redis-benchmark checks each reply's type, and
 * exits non-zero on a connection error.
 */
export function redisBenchmark({ host, port, clients = 50, requests, pipeline = 1 }) {
  const args = ['-h', host, '-p', String(port), '-c', String(clients), '-n', String(requests), '-t', 'set,get', '-q', '--csv']
  if (pipeline > 1) args.push('-P', String(pipeline))
  const out = execFileSync('redis-benchmark', args, { encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] })
  const rps = {}
  for (const line of out.split('\n')) {
    const f = line.split(',').map((x) => x.replace(/^"|"$/g, ''))
    if ((f[0] === 'SET' || f[0] === 'GET') && Number(f[1]) > 0) rps[f[0]] = Number(f[1])
  }
  if (!rps.SET || !rps.GET) throw new Error(`redis-benchmark printed no SET and GET rates: ${out.trim().slice(0, 300)}`)
  return rps
}
