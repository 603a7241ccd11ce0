// The peers bench's client (bench/peers.mjs): GETs to an origin through a forward proxy, as
// a program set up with HTTP_PROXY / HTTPS_PROXY makes them. Plain HTTP goes to the proxy in
// absolute form (`GET http://localhost:PORT/path`); HTTPS opens a CONNECT tunnel per
// connection, then TLS inside it to the proxy's minted certificate, verified against the
// proxy's CA for the name `localhost`, with no session offered (each new connection is a full
// handshake). Node's http client (llhttp) parses the answers, so whatever framing a proxy
// chooses (Content-Length or chunked) is read the same way, and every body is checked
// against the bench pattern (pattern.mjs): a small one whole, a download chunk by chunk.
import { request, Agent } from 'node:http'
import { connect as netConnect } from 'node:net'
import { connect as tlsConnect, createSecureContext } from 'node:tls'
import { performance } from 'node:perf_hooks'
import { StreamChecker, slice } from './pattern.mjs'
import { percentile } from './stats.mjs'

/** A CONNECT tunnel to `origin` through `proxy`, then TLS to the proxy's certificate for `origin.host`. */
function tunnel(proxy, origin, secureContext, cb) {
  const s = netConnect({ host: proxy.host, port: proxy.port, noDelay: true })
  let head = ''
  const fail = (err) => {
    s.destroy()
    cb(err)
  }
  s.once('error', fail)
  s.once('connect', () => s.write(`CONNECT ${origin.host}:${origin.port} HTTP/1.1\r\nHost: ${origin.host}:${origin.port}\r\n\r\n`))
  const onData = (d) => {
    head += d.toString('latin1')
    const end = head.indexOf('\r\n\r\n')
    if (end < 0) return head.length > 16 * 1024 ? fail(new Error('the proxy sent no end to its CONNECT answer within 16 KiB')) : undefined
    s.off('data', onData)
    if (!/^HTTP\/1\.[01] 200/.test(head)) return fail(new Error(`the proxy refused CONNECT: ${head.slice(0, head.indexOf('\r\n'))}`))
    if (end + 4 < head.length) return fail(new Error('the proxy sent bytes after its CONNECT answer, before TLS began'))
    s.off('error', fail)
    const t = tlsConnect({ socket: s, servername: origin.host, secureContext })
    t.once('secureConnect', () => {
      t.off('error', cb)
      cb(null, t)
    })
    t.once('error', cb)
  }
  s.on('data', onData)
}

/**
 * An http.Agent for GETs to `origin` ({scheme, host, port}) through `proxy` ({host, port}):
 * `keepAlive` connections, at most `maxSockets` at once. For https, each new connection is a
 * tunnel with TLS inside (trusting `ca`, the proxy's CA). `target(path)` gives what to pass to
 * http.request for that path.
 */
export function proxyAgent({ proxy, origin, ca, keepAlive, maxSockets }) {
  const agent = new Agent({ keepAlive, maxSockets, scheduling: 'fifo' })
  const hostHeader = `${origin.host}:${origin.port}`
  if (origin.scheme === 'https') {
    // One context for all connections: a `ca` option on each tls.connect would build a new one
    // each time (0.4-0.6 ms of the client's CPU, see tls.mjs's bare forwarder).
    const secureContext = createSecureContext({ ca })
    // Returning nothing makes the agent wait for the callback (Node's Agent#createSocket).
    agent.createConnection = (_options, cb) => void tunnel(proxy, origin, secureContext, cb)
    agent.target = (path) => ({ host: origin.host, port: origin.port, path, agent })
  } else {
    agent.target = (path) => ({ host: proxy.host, port: proxy.port, path: `http://${hostHeader}${path}`, headers: { host: hostHeader }, agent })
  }
  return agent
}

/**
 * One GET; its body goes chunk by chunk to `onChunk`. Resolves with the body's length once it
 * has all come; rejects on a status other than 200, an error, or `stallMs` without a byte.
 */
function get(agent, path, onChunk, stallMs) {
  return new Promise((resolve, reject) => {
    const req = request(agent.target(path), (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        return reject(new Error(`GET ${path} answered ${res.statusCode} ${res.statusMessage}`))
      }
      let n = 0
      res.on('data', (d) => {
        n += d.length
        onChunk(d)
      })
      res.once('end', () => resolve(n))
      res.once('error', reject)
      res.once('aborted', () => reject(new Error(`GET ${path}: the answer was cut after ${n} bytes`)))
    })
    req.setTimeout(stallMs, () => req.destroy(new Error(`GET ${path}: no progress for ${stallMs / 1000} s`)))
    req.once('error', reject)
    req.end()
  })
}

/** One GET of a pattern body of `size` bytes (at most ~2.4 MiB), checked whole. */
async function checkedGet(agent, path, size, stallMs) {
  const parts = []
  await get(agent, path, (d) => parts.push(d), stallMs)
  const body = parts.length === 1 ? parts[0] : Buffer.concat(parts)
  if (body.length !== size) throw new Error(`BYTE COUNT MISMATCH: GET ${path} gave ${body.length} bytes, the file has ${size}`)
  if (!body.equals(slice(0, size))) throw new Error(`CONTENT MISMATCH: GET ${path}'s body differs from the file`)
}

/**
 * GETs of `path` (a pattern file of `size` bytes) on `connections` loops at once, each loop
 * one request after another, until `seconds` have passed (the requests in flight then finish)
 * or, with `count`, until that many have been made. Every body checked. With `samples`, each
 * request's time from request to last byte is kept (µs) for percentiles.
 */
export async function getLoop({ agent, path, size, connections, seconds, count, samples = false, stallMs = 30_000 }) {
  const t0 = performance.now()
  const until = seconds !== undefined ? t0 + seconds * 1000 : Infinity
  let started = 0
  let done = 0
  const times = samples ? [] : undefined
  const loop = async () => {
    while (performance.now() < until && (count === undefined || started < count)) {
      started++
      const r0 = performance.now()
      await checkedGet(agent, path, size, stallMs)
      if (times) times.push((performance.now() - r0) * 1000)
      done++
    }
  }
  await Promise.all(Array.from({ length: connections }, loop))
  const s = (performance.now() - t0) / 1000
  const out = { requests: done, seconds: s, perSecond: done / s, bytes: done * size }
  if (times) {
    times.sort((a, b) => a - b)
    Object.assign(out, { p50Us: percentile(times, 0.5), p99Us: percentile(times, 0.99) })
  }
  return out
}

/**
 * One GET of a pattern file of `size` bytes, checked chunk by chunk, given up after
 * `limitSeconds` (then `{timedOut: true, bytes}`: what had arrived). Time from the request to
 * the last byte.
 */
export async function checkedDownload({ agent, path, size, limitSeconds, stallMs = 30_000 }) {
  const checker = new StreamChecker()
  const t0 = performance.now()
  let timer
  const limit = new Promise((resolve) => (timer = setTimeout(() => resolve('limit'), limitSeconds * 1000)))
  // The stall guard is the whole limit: a proxy that holds the body first sends nothing until it has it.
  const got = get(agent, path, (d) => checker.check(d), limitSeconds * 1000 + stallMs)
  const first = await Promise.race([got, limit]).finally(() => clearTimeout(timer))
  if (first === 'limit') {
    agent.destroy() // ends the request's connection; its rejection is expected now
    got.catch(() => {})
    return { timedOut: true, bytes: checker.pos, seconds: limitSeconds }
  }
  const seconds = (performance.now() - t0) / 1000
  if (checker.pos !== size) throw new Error(`BYTE COUNT MISMATCH: the download gave ${checker.pos} bytes, the file has ${size}`)
  if (checker.bad) throw new Error(`CONTENT MISMATCH: ${checker.bad} chunks of the download differ from the file, the first at byte ${checker.firstBadAt}`)
  return { timedOut: false, bytes: checker.pos, seconds, mibps: size / 1024 ** 2 / seconds }
}
