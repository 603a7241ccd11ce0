// The decoding bench's HTTP/1.1 clients over raw sockets: keep-alive exchanges (one request
// at a time per connection, many connections at once), each answer checked byte for byte
// against what bench/http-server.mjs sends; and one download, counted to its last byte.
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'
import { downloadRequest, exchange } from './http-traffic.mjs'

function open(host, port) {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true })
    s.once('connect', () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** Rejects if `s` makes no progress for `ms` (a hung proxy must not hang the bench). */
function stallGuard(s, ms, what, reject) {
  let last = performance.now()
  const t = setInterval(() => {
    if (performance.now() - last > ms) {
      clearInterval(t)
      s.destroy()
      reject(new Error(`${what}: no progress for ${ms / 1000} s (stalled)`))
    }
  }, 250)
  return { poke: () => (last = performance.now()), stop: () => clearInterval(t) }
}

/**
 * `exchanges` exchanges over `connections` keep-alive connections, all at once; connection
 * k carries exchanges k, k + connections, ... (so the capture holds each connection's in
 * order). Every answer must be the exact bytes expected.
 */
export async function keepAlive({ host, port, exchanges, connections, stallMs = 30_000 }) {
  const sockets = await Promise.all(Array.from({ length: connections }, () => open(host, port)))
  const t0 = performance.now()
  let bytes = 0
  await Promise.all(
    sockets.map(
      (s, k) =>
        new Promise((resolve, reject) => {
          let i = k
          let want
          let got = 0
          const guard = stallGuard(s, stallMs, 'keep-alive exchanges', reject)
          const next = () => {
            if (i >= exchanges) {
              guard.stop()
              s.end()
              return resolve()
            }
            const e = exchange(i)
            want = e.response
            got = 0
            bytes += e.request.length + e.response.length
            s.write(e.request)
          }
          s.on('data', (d) => {
            guard.poke()
            if (got + d.length > want.length || !d.equals(want.subarray(got, got + d.length))) {
              guard.stop()
              s.destroy()
              return reject(new Error(`CONTENT MISMATCH: exchange ${i}'s answer differs at or after byte ${got}`))
            }
            got += d.length
            if (got === want.length) {
              i += connections
              next()
            }
          })
          s.on('error', (err) => {
            guard.stop()
            reject(err)
          })
          s.on('close', () => {
            guard.stop()
            if (i < exchanges) reject(new Error(`connection ${k} closed before exchange ${i} was answered`))
          })
          next()
        })
    )
  )
  return { ms: performance.now() - t0, exchanges, bytes }
}

/** GET `path`, then read exactly `wire` bytes of answer; time from the request to the last byte. */
export async function download({ host, port, path, wire, stallMs = 30_000 }) {
  const s = await open(host, port)
  const t0 = performance.now()
  const received = await new Promise((resolve, reject) => {
    let n = 0
    const guard = stallGuard(s, stallMs, `download ${path}`, reject)
    s.on('data', (d) => {
      guard.poke()
      n += d.length
      if (n >= wire) {
        guard.stop()
        resolve(n)
      }
    })
    s.on('error', (err) => {
      guard.stop()
      reject(err)
    })
    s.on('close', () => {
      guard.stop()
      reject(new Error(`download ${path}: closed after ${n} of ${wire} bytes`))
    })
    s.write(downloadRequest(path))
  })
  const ms = performance.now() - t0
  s.removeAllListeners('close')
  s.destroy()
  if (received !== wire) throw new Error(`BYTE COUNT MISMATCH: download ${path}: ${received} bytes, expected ${wire}`)
  return { ms, bytes: received }
}
