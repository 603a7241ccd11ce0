// The client side of the handshake-cost measurement (what a proxy's upstream leg pays):
// `--count` HTTPS requests, each on a new TLS connection with `Connection: close`,
// `--concurrency` at a time, verified against --ca; with --resume each connection offers the
// last session it was given (TLS 1.3 tickets), otherwise every handshake is a full one; with
// --plain the same over plain TCP (no --ca), whose cost the TLS figures are read against.
// Prints {"connections":N,"cpuMsPerConnection":X,"resumed":N,"seconds":S} (its own CPU, one core).
//   node bench/handshake-client.mjs --target 127.0.0.1:8443 (--ca F [--resume] | --plain) [--count N] [--concurrency C]
import { readFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { connect, createSecureContext } from 'node:tls'

const opt = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? fallback : process.argv[i + 1]
}
const i = opt('--target').lastIndexOf(':')
const host = opt('--target').slice(0, i)
const port = Number(opt('--target').slice(i + 1))
const plain = process.argv.includes('--plain')
// One context for all connections, as a proxy keeps one (`ca` per connect would build one each time).
const secureContext = plain ? undefined : createSecureContext({ ca: readFileSync(opt('--ca')) })
const count = Number(opt('--count', '2000'))
const concurrency = Number(opt('--concurrency', '8'))
const resume = process.argv.includes('--resume')
const REQUEST = 'GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'
let session
let resumed = 0

function once() {
  return new Promise((resolve, reject) => {
    const s = plain
      ? connectTcp({ host, port }, () => s.write(REQUEST))
      : connect({ host, port, secureContext, servername: 'localhost', session: resume ? session : undefined }, () => {
          if (s.isSessionReused()) resumed++
          s.write(REQUEST)
        })
    if (resume) s.on('session', (x) => (session = x))
    let got = ''
    s.setEncoding('utf8')
    s.on('data', (d) => (got += d))
    s.on('end', () => (got.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`unexpected answer: ${got.slice(0, 80)}`))))
    s.on('error', reject)
  })
}

let left = count
const t0 = performance.now()
const cpu0 = process.cpuUsage()
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (left-- > 0) await once()
  })
)
const cpu = process.cpuUsage(cpu0)
console.log(JSON.stringify({ connections: count, cpuMsPerConnection: (cpu.user + cpu.system) / 1000 / count, resumed, seconds: (performance.now() - t0) / 1000 }))
