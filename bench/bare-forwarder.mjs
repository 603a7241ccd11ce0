// The baseline: the barest Node TCP forwarder, `c.pipe(u); u.pipe(c)`, in its own process.
// It gets the one runtime tuning tcpscope does, warming Node's Socket constructor (see
// src/core/net/target/node-internals.ts; on Node 20 it saves each side about 10 µs of CPU per
// connection), so the comparison measures what tcpscope adds, not a V8 quirk.
// Speaks the same start/stop protocol as `tcpscope proxy --json` so run.mjs treats both
// alike: the first stdout line is {"type":"listening","listen":"HOST:PORT",...}; SIGINT or
// SIGTERM stops it and it exits 0. Half-close is forwarded (allowHalfOpen), like tcpscope.
//   node bench/bare-forwarder.mjs --listen 127.0.0.1:0 --target 127.0.0.1:5000
import { Socket, connect, createServer } from 'node:net'

function arg(name) {
  const i = process.argv.indexOf(name)
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`bare-forwarder: ${name} is required`)
  return process.argv[i + 1]
}
function hostPort(text) {
  const i = text.lastIndexOf(':')
  return i < 0 ? { host: '127.0.0.1', port: Number(text) } : { host: text.slice(0, i), port: Number(text.slice(i + 1)) }
}
const listen = hostPort(arg('--listen'))
const target = hostPort(arg('--target'))
for (let round = 0; round < 4; round++) for (let k = 0; k < 8; k++) new Socket({ [`warmup${k}`]: true }).destroy()
const live = new Set()
let accepted = 0

const server = createServer({ allowHalfOpen: true, noDelay: true }, (c) => {
  accepted++
  const u = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true })
  c.setNoDelay(true)
  live.add(c)
  c.on('close', () => live.delete(c))
  c.on('error', () => u.destroy())
  u.on('error', () => c.destroy())
  c.pipe(u)
  u.pipe(c)
})
server.on('error', (err) => {
  process.stderr.write(`bare-forwarder: ${err.message}\n`)
  process.exit(1)
})
server.listen(listen.port, listen.host, () => {
  const a = server.address()
  process.stdout.write(JSON.stringify({ type: 'listening', proxy: 'bare', listen: `${a.address}:${a.port}`, target: `${target.host}:${target.port}` }) + '\n')
})
function stop() {
  server.close()
  for (const c of live) c.destroy()
  process.stdout.write(JSON.stringify({ type: 'summary', accepted }) + '\n', () => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
