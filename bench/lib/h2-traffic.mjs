// HTTP/2 traffic for the decoding bench, made by real peers (Node's http2 client and server),
// so the header blocks are what a real encoder writes (HPACK indexing, Huffman): connections
// each carrying a number of requests with 10 to 100 streams in flight, a small JSON answer
// each, and a body on every fourth request. Recorded in memory by a relay (for the decoder
// alone) or sent through the proxy under test (for the engine, from its capture file).
import http2 from 'node:http2'
import net from 'node:net'
import { performance } from 'node:perf_hooks'

const ANSWER = JSON.stringify({ ok: true, items: Array.from({ length: 12 }, (_, i) => ({ id: i, name: `item ${i}` })) })

/** An h2c server answering every stream with the same small JSON. */
export async function h2Server() {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } })
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined)
    stream.resume()
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/json', 'cache-control': 'no-store', 'x-request-path': String(headers[':path']) })
      stream.end(ANSWER)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) }
}

/** How many streams connection `k` keeps in flight: 10 to 100, spread evenly. */
export const streamsOf = (k) => 10 + ((k * 37) % 91)

/**
 * `requests` requests over `connections` connections to host:port, each connection keeping
 * streamsOf(k) streams in flight; every answer is checked. Resolves with the time taken.
 */
export async function h2Load({ host, port, requests, connections }) {
  const t0 = performance.now()
  let next = 0
  let bad = 0
  const one = async (k) => {
    const session = http2.connect(`http://${host}:${port}`)
    session.on('error', () => undefined)
    const mine = Math.floor(requests / connections) + (k < requests % connections ? 1 : 0)
    let sent = 0
    const worker = async () => {
      while (sent < mine) {
        const i = next++
        sent++
        const body = i % 4 === 0 ? JSON.stringify({ query: `q${i}`, page: i % 10 }) : undefined
        const req = session.request({ ':method': body ? 'POST' : 'GET', ':path': `/api/items/${i}?page=${i % 7}`, accept: 'application/json', 'user-agent': 'tcpscope-bench/1', ...(body ? { 'content-type': 'application/json' } : {}) }, { endStream: !body })
        if (body) req.end(body)
        let got = ''
        req.setEncoding('utf8')
        req.on('data', (c) => (got += c))
        await new Promise((resolve, reject) => {
          req.on('end', resolve)
          req.on('error', reject)
        })
        if (got !== ANSWER) bad++
      }
    }
    await Promise.all(Array.from({ length: Math.min(streamsOf(k), mine) }, worker))
    await new Promise((resolve) => session.close(resolve))
  }
  // A few connections at a time, so each has its streams in flight rather than all at once.
  const ks = Array.from({ length: connections }, (_, k) => k)
  const parallel = 8
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let k = ks.shift(); k !== undefined; k = ks.shift()) await one(k)
  }))
  if (bad > 0) throw new Error(`${bad} HTTP/2 answer(s) were not what the server sent`)
  return { ms: performance.now() - t0 }
}

/** Runs h2Load through a loopback relay that records each connection's reads, as the proxy's capture holds them: records per connection. */
export async function recordH2({ requests, connections }) {
  const server = await h2Server()
  const conns = []
  const relay = net.createServer((down) => {
    const records = []
    conns.push(records)
    const up = net.connect(server.port, '127.0.0.1')
    down.on('data', (d) => {
      records.push({ dir: 'client', bytes: new Uint8Array(d) })
      up.write(d)
    })
    up.on('data', (d) => {
      records.push({ dir: 'server', bytes: new Uint8Array(d) })
      down.write(d)
    })
    down.on('end', () => {
      records.push({ dir: 'client', end: true })
      up.end()
    })
    up.on('end', () => {
      records.push({ dir: 'server', end: true })
      down.end()
    })
    for (const s of [down, up]) s.on('error', () => undefined)
  })
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve))
  try {
    await h2Load({ host: '127.0.0.1', port: relay.address().port, requests, connections })
    // The last FINs cross the relay after the clients closed.
    await new Promise((resolve) => setTimeout(resolve, 200))
  } finally {
    await new Promise((resolve) => relay.close(resolve))
    await server.close()
  }
  return conns
}
