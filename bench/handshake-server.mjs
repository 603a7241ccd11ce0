// The server side of the handshake-cost measurement: answers each connection's first read
// with a fixed, closing HTTP response, over TLS (--tls, with --cert/--key) or plain TCP, so
// that its CPU per connection with TLS, minus the same without, is what one full server-side
// handshake costs Node on one core. Same start/stop protocol as the proxies (listening line
// first; SIGTERM prints {"type":"summary","accepted":N} and exits 0).
//   node bench/handshake-server.mjs --listen 127.0.0.1:0 [--tls --cert F --key F]
import { readFileSync } from 'node:fs'
import { createServer as createTcpServer } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'

const opt = (name) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1]
}
const [host, port] = (opt('--listen') ?? '127.0.0.1:0').split(':')
const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n')
let accepted = 0
const live = new Set()

function answer(socket) {
  accepted++
  live.add(socket)
  socket.on('close', () => live.delete(socket))
  socket.on('error', () => socket.destroy())
  socket.once('data', () => socket.end(ANSWER))
}
const server = process.argv.includes('--tls')
  ? createTlsServer({ cert: readFileSync(opt('--cert')), key: readFileSync(opt('--key')) }, answer)
  : createTcpServer(answer)
server.on('error', (err) => {
  process.stderr.write(`handshake-server: ${err.message}\n`)
  process.exit(1)
})
server.listen(Number(port), host, () => {
  const a = server.address()
  process.stdout.write(JSON.stringify({ type: 'listening', listen: `${a.address}:${a.port}` }) + '\n')
})
process.on('SIGTERM', () => {
  server.close()
  for (const s of live) s.destroy()
  process.stdout.write(JSON.stringify({ type: 'summary', accepted }) + '\n', () => process.exit(0))
})
