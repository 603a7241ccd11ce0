// What one TLS handshake costs a single core, and what that says about a worker pool for
// handshakes. Measured on Node's own TLS (what tcpscope runs on), each side in its own process
// so /proc or process.cpuUsage() gives that side's CPU alone:
//  - server side: handshake-server.mjs over TLS (ECDSA P-256 leaf) driven by openssl s_time
//    -new (full handshakes) and by wrk with `Connection: close` (resumed), against the same
//    server over plain TCP (accept, one read, one answer, close): the difference is the
//    handshake's own cost;
//  - client side (a proxy's upstream leg): handshake-client.mjs against nginx, full and
//    resumed, against the same client over plain TCP to nginx's plain port;
//  - the raw crypto: `openssl speed` ECDSA P-256 sign/verify and ECDH P-256.
import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ProxyProcess, cpuSeconds } from './proc.mjs'
import { fmt, median } from './stats.mjs'
import { opensslSpeed, sTimeFull, wrkTimed } from './tls-load.mjs'

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)))

/** A fresh handshake-server.mjs under `drive(port)`: its CPU ms per accepted connection. */
async function serverCostMs(tls, certs, drive) {
  const argv = [join(BENCH, 'handshake-server.mjs'), '--listen', '127.0.0.1:0', ...(tls ? ['--tls', '--cert', certs.cert, '--key', certs.key] : [])]
  const server = await ProxyProcess.start(`handshake server (${tls ? 'TLS' : 'TCP'})`, argv)
  try {
    const c0 = cpuSeconds(server.pid)
    await drive(server.port)
    const cpuS = cpuSeconds(server.pid) - c0
    const stop = await server.stop(10_000)
    const accepted = stop.lines.map((l) => JSON.parse(l)).find((m) => m.type === 'summary')?.accepted
    if (!(accepted > 0)) throw new Error(`the handshake server accepted no connection: ${stop.stderr.trim().slice(0, 300)}`)
    return (cpuS / accepted) * 1000
  } finally {
    server.kill()
  }
}

function clientCost(port, ca, count, mode) {
  const how = mode === 'plain' ? ['--plain'] : ['--ca', ca, ...(mode === 'resumed' ? ['--resume'] : [])]
  const argv = [join(BENCH, 'handshake-client.mjs'), '--target', `127.0.0.1:${port}`, ...how, '--count', String(count), '--concurrency', '8']
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`handshake-client.mjs failed: ${(stderr || err.message).trim().slice(0, 300)}`))
      resolve(JSON.parse(stdout))
    })
  })
}

/** The figures, and the lines that print them. `nginx`: its ProxyProcess (port: HTTPS, plainPort: HTTP). */
export async function handshakeCost({ certs, nginx, seconds, count }) {
  const speed = await opensslSpeed(1)
  const full = await serverCostMs(true, certs, (port) => sTimeFull({ host: '127.0.0.1', port, path: '/', clients: 4, seconds }))
  const resumed = await serverCostMs(true, certs, (port) => wrkTimed({ url: `https://localhost:${port}/`, connections: 8, seconds, headers: ['Connection: close'] }))
  const plain = await serverCostMs(false, certs, (port) => wrkTimed({ url: `http://127.0.0.1:${port}/`, connections: 8, seconds, headers: ['Connection: close'] }))
  const cFull = await clientCost(nginx.port, certs.ca, count, 'full')
  const cResumed = await clientCost(nginx.port, certs.ca, count, 'resumed')
  const cPlain = await clientCost(nginx.plainPort, certs.ca, count, 'plain')
  const c = {
    speed,
    server: { fullMs: full, resumedMs: resumed, plainMs: plain, fullHandshakeMs: full - plain, resumedHandshakeMs: resumed - plain },
    client: {
      fullMs: cFull.cpuMsPerConnection,
      resumedMs: cResumed.cpuMsPerConnection,
      plainMs: cPlain.cpuMsPerConnection,
      fullHandshakeMs: cFull.cpuMsPerConnection - cPlain.cpuMsPerConnection,
      resumedHandshakeMs: cResumed.cpuMsPerConnection - cPlain.cpuMsPerConnection,
      resumed: cResumed.resumed,
      count
    }
  }
  const s = c.server
  const k = c.client
  const cryptoMs = 1000 / speed.signPerS + 1000 / speed.ecdhPerS
  c.lines = [
    `\nHandshake cost on one core (ECDSA P-256 certificates, TLS 1.3, Node ${process.version})`,
    `  openssl speed: ECDSA P-256 ${fmt(speed.signPerS, 0)} signs/s, ${fmt(speed.verifyPerS, 0)} verifies/s; ECDH P-256 ${fmt(speed.ecdhPerS, 0)}/s: a sign + an ECDH is ${fmt(cryptoMs, 3)} ms`,
    `  Node TLS server, CPU per connection: full handshake ${fmt(s.fullMs, 3)} ms, resumed ${fmt(s.resumedMs, 3)} ms, plain TCP ${fmt(s.plainMs, 3)} ms`,
    `    -> a full server-side handshake costs Node ${fmt(s.fullHandshakeMs, 3)} ms of one core (at most ${fmt(1000 / s.fullHandshakeMs, 0)}/s per core), a resumed one ${fmt(s.resumedHandshakeMs, 3)} ms`,
    `  Node TLS client (a proxy's upstream leg), CPU per connection with one HTTP exchange: full ${fmt(k.fullMs, 3)} ms, resumed ${fmt(k.resumedMs, 3)} ms (${k.resumed} of ${count} resumed), plain TCP ${fmt(k.plainMs, 3)} ms`,
    `    -> a client-side handshake costs Node ${fmt(k.fullHandshakeMs, 3)} ms full, ${fmt(k.resumedHandshakeMs, 3)} ms resumed`
  ]
  return c
}

/**
 * What a worker pool for handshakes could give, from the full-handshake phase. Node cannot
 * hand a socket to a worker thread, so a pool is processes that take accepted sockets and do
 * the handshake and then the forwarding (the decrypted bytes live where the handshake was),
 * sending the records back: it spreads a proxy's CPU per connection over more cores, it does
 * not shrink it. Two bounds: this 2-core machine, where the client and nginx run too (the
 * whole machine's CPU per connection caps the rate), and a proxy with 2 cores of its own.
 */
export function poolEstimate(cost, byCase) {
  const cores = 2
  const lines = [`\nA worker pool for handshakes, from the full-handshake phase (${cores} cores)`]
  const handshakeMs = cost.server.fullHandshakeMs + cost.client.resumedHandshakeMs
  const m = (recs, f) => median(recs.map(f))
  const h = byCase.haproxy.length ? { rate: m(byCase.haproxy, (r) => r.rate), ms: m(byCase.haproxy, (r) => r.proxyCpuPerUnit) } : undefined
  const vs = (x, y) => (h ? ` (${(x / y).toFixed(2)}x haproxy's ${fmt(y, 0)}/s)` : '')
  for (const [name, recs] of Object.entries(byCase)) {
    if (!recs.length || name === 'haproxy') continue
    const rate = m(recs, (r) => r.rate)
    const proxyMs = m(recs, (r) => r.proxyCpuPerUnit)
    const othersMs = m(recs, (r) => ((r.clientCpuS + r.nginxCpuS) / r.units) * 1000)
    const shared = (cores * 1000) / (proxyMs + othersMs)
    lines.push(
      `  ${name}: ${fmt(rate, 0)}/s now${vs(rate, h?.rate)}, ${fmt(proxyMs, 3)} ms of proxy CPU per connection (${fmt(m(recs, (r) => r.proxyCore) * 100, 0)}% of a core busy), of which handshakes ~${fmt(handshakeMs, 3)} ms (a full server side + a resumed client side); client + nginx ${fmt(othersMs, 3)} ms`,
      `    this machine, everything on ${cores} cores: at most ${fmt(shared, 0)}/s however the proxy's work is spread${vs(shared, h?.rate)}`,
      h
        ? `    ${cores} cores for the proxy alone: ${fmt((cores * 1000) / proxyMs, 0)}/s against haproxy's one thread at ${fmt(1000 / h.ms, 0)}/s (${((cores * h.ms) / proxyMs).toFixed(2)}x), before the cost of sending records back to one writer`
        : `    ${cores} cores for the proxy alone: ${fmt((cores * 1000) / proxyMs, 0)}/s, before the cost of sending records back to one writer`
    )
  }
  return lines
}
