// The replay bench's HTTP server, in its own process (forked with an IPC channel by
// replay.mjs): node:http answering every request with the same small JSON. node:http rather
// than raw sockets because it honours a request's `Connection: close`, which the bench's
// wrk-without-keep-alive case needs.
import { createServer } from 'node:http'

const HOST = '127.0.0.1'
const BODY = Buffer.from(JSON.stringify({ id: 7, name: 'tcpscope replay bench item', price: 1999, tags: ['bench', 'replay'] }))

const server = createServer((req, res) => {
  req.resume()
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': BODY.length })
  res.end(BODY)
})
server.on('error', (err) => {
  process.send?.({ type: 'fatal', message: String(err && err.message) })
  process.exit(1)
})
await new Promise((r) => server.listen({ port: 0, host: HOST, backlog: 1024 }, r))
// The parent went away (even by SIGKILL): do not linger.
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', http: `${HOST}:${server.address().port}`, bodyBytes: BODY.length })
