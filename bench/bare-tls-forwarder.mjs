// The TLS baseline: the barest Node TLS -> TLS forwarder, tls.createServer -> tls.connect,
// `c.pipe(u); u.pipe(c)`, in its own process. Like haproxy it verifies the upstream against
// --ca and reuses its last TLS session toward the upstream (haproxy does by default), so a
// new client connection costs one full server-side handshake and one resumed client-side one.
// The client's SNI is mirrored upstream. It gets the Socket-constructor warm-up that
// bare-forwarder.mjs explains. Same start/stop protocol as `tcpscope proxy --json`: the first
// stdout line is {"type":"listening","listen":"HOST:PORT",...}; SIGTERM stops it, exit 0.
//   node bench/bare-tls-forwarder.mjs --listen 127.0.0.1:0 --target 127.0.0.1:8443 --cert F --key F --ca F
import { readFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { connect, createSecureContext, createServer } from 'node:tls'

function arg(name) {
  const i = process.argv.indexOf(name)
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`bare-tls-forwarder: ${name} is required`)
  return process.argv[i + 1]
}
function hostPort(text) {
  const i = text.lastIndexOf(':')
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) }
}
const listen = hostPort(arg('--listen'))
const target = hostPort(arg('--target'))
// One context for every upstream connection: passing `ca` to each tls.connect would build a
// new one per connection (parsing the PEM into a new X509 store): 0.4-0.6 ms of CPU each here.
const upstreamContext = createSecureContext({ ca: readFileSync(arg('--ca')) })
for (let round = 0; round < 4; round++) for (let k = 0; k < 8; k++) new Socket({ [`warmup${k}`]: true }).destroy()
const live = new Set()
let accepted = 0
let session

const server = createServer({ cert: readFileSync(arg('--cert')), key: readFileSync(arg('--key')), allowHalfOpen: true }, (c) => {
  accepted++
  const u = connect({ host: target.host, port: target.port, secureContext: upstreamContext, servername: c.servername || undefined, session, allowHalfOpen: true })
  u.on('session', (s) => (session = s))
  live.add(c)
  c.on('close', () => live.delete(c))
  c.on('error', () => u.destroy())
  u.on('error', () => c.destroy())
  c.pipe(u)
  u.pipe(c)
})
server.on('error', (err) => {
  process.stderr.write(`bare-tls-forwarder: ${err.message}\n`)
  process.exit(1)
})
server.listen(listen.port, listen.host, () => {
  const a = server.address()
  process.stdout.write(JSON.stringify({ type: 'listening', proxy: 'bare-tls', listen: `${a.address}:${a.port}`, target: `${target.host}:${target.port}` }) + '\n')
})
function stop() {
  server.close()
  for (const c of live) c.destroy()
  process.stdout.write(JSON.stringify({ type: 'summary', accepted }) + '\n', () => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
