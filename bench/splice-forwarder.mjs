// Issue 37's zero-copy prototype as a forwarder the bench can run: Node accepts (paused, so
// it never reads), connects upstream (paused too), then hands both fds to the splice addon
// (bench/splice/splice.c), whose threads forward and record with splice(2) and tee(2).
// Speaks the same start/stop protocol as bare-forwarder.mjs and `tcpscope proxy --json`:
// the first stdout line is {"type":"listening","listen":"HOST:PORT",...}; SIGINT or SIGTERM
// stops it, it prints {"type":"summary",...} and exits 0.
//   node bench/splice-forwarder.mjs --listen 127.0.0.1:0 --target 127.0.0.1:5000 --capture FILE [--pipe-size BYTES]
import { createRequire } from 'node:module'
import { Socket, createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ADDON = join(dirname(fileURLToPath(import.meta.url)), 'splice', 'build', 'splice.node')

function fatal(message) {
  process.stderr.write(`splice-forwarder: ${message}\n`)
  process.exit(1)
}
function arg(name, fallback) {
  const i = process.argv.indexOf(name)
  if (i < 0 || i + 1 >= process.argv.length) {
    if (fallback !== undefined) return fallback
    fatal(`${name} is required`)
  }
  return process.argv[i + 1]
}
function hostPort(text) {
  const i = text.lastIndexOf(':')
  return i < 0 ? { host: '127.0.0.1', port: Number(text) } : { host: text.slice(0, i), port: Number(text.slice(i + 1)) }
}

let addon
try {
  addon = createRequire(import.meta.url)(ADDON)
} catch (err) {
  fatal(`cannot load ${ADDON} (build it with sh bench/splice/build.sh): ${err.message.split('\n')[0]}`)
}
const listen = hostPort(arg('--listen'))
const target = hostPort(arg('--target'))
const pipeSize = Number(arg('--pipe-size', String(1 << 20)))
if (!Number.isInteger(pipeSize) || pipeSize < 4096) fatal('--pipe-size must be a whole number of bytes >= 4096')
try {
  addon.open(arg('--capture'), pipeSize)
} catch (err) {
  fatal(err.message)
}

let nextId = 0
let handedOver = 0
const pending = new Set() // accepted, upstream still connecting: Node still owns these

const server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (c) => {
  const id = ++nextId
  const u = new Socket({ allowHalfOpen: true })
  // Paused before it connects, so Node never starts reading it: every byte stays in the
  // kernel for the addon's first splice.
  u.pause()
  pending.add(c)
  c.on('error', () => {}) // not read by Node, so only a failed write could raise it: none is made
  u.on('error', () => {
    pending.delete(c)
    c.resetAndDestroy() // upstream refused: the client sees a reset, as with tcpscope
  })
  u.connect(target.port, target.host, () => {
    pending.delete(c)
    if (c.destroyed) return u.destroy()
    try {
      addon.forward(c._handle.fd, u._handle.fd, id)
      handedOver++
    } catch (err) {
      process.stderr.write(`splice-forwarder: connection ${id}: ${err.message}\n`)
      c.resetAndDestroy()
      u.resetAndDestroy()
      return
    }
    // The addon holds its own duplicates: closing Node's fds leaves the sockets open.
    c.destroy()
    u.destroy()
  })
})
server.on('error', (err) => fatal(err.message))
server.listen(listen.port, listen.host, () => {
  const a = server.address()
  process.stdout.write(JSON.stringify({ type: 'listening', proxy: 'splice', listen: `${a.address}:${a.port}`, target: `${target.host}:${target.port}`, pipeSize }) + '\n')
})

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function waitIdle(ms) {
  for (const t0 = Date.now(); addon.stats().live > 0 && Date.now() - t0 < ms; ) await sleep(10)
  return addon.stats().live === 0
}

let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  server.close()
  for (const c of pending) c.resetAndDestroy()
  // Connections the bench has finished close by themselves; anything left after 5 s is reset.
  if (!(await waitIdle(5000))) {
    addon.abortAll()
    if (!(await waitIdle(5000))) fatal(`${addon.stats().live} connections did not end after abortAll()`)
  }
  let closeError
  // The capture sits in the page cache until close() fdatasyncs it, and most of its
  // write-back (block allocation, I/O submission) runs there, in this process: tcpscope's
  // O_DIRECT writer pays that while forwarding. The bench adds this CPU to the case's.
  const cpu0 = process.cpuUsage()
  try {
    addon.close()
  } catch (err) {
    closeError = err.message
  }
  const closeCpu = process.cpuUsage(cpu0)
  const s = addon.stats()
  const summary = { type: 'summary', connections: handedOver, bytes: { client: s.clientBytes, server: s.serverBytes }, splices: { client: s.clientSplices, server: s.serverSplices }, fins: s.fins, resets: s.resets, errors: s.errors, lastError: s.lastError || undefined, captureBytes: s.captureBytes, closeCpuS: (closeCpu.user + closeCpu.system) / 1e6 }
  process.stdout.write(JSON.stringify(summary) + '\n', () => process.exit(closeError || s.errors ? 1 : 0))
  if (closeError) process.stderr.write(`splice-forwarder: ${closeError}\n`)
}
const onSignal = () => void stop().catch((err) => fatal(err.message))
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
