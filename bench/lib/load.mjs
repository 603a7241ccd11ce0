// The client load generators (they run in the bench's main process, apart from the server
// and the proxies, so each process's CPU time is its own).
import { createHash } from 'node:crypto'
import { connect } from 'node:net'
import { BULK_CHUNK, slice } from './pattern.mjs'

const now = () => performance.now()

/** Fails a phase that makes no progress for `ms` (a hung proxy must not hang the bench). */
class Watchdog {
  constructor(ms, what, onStall) {
    this.last = now()
    this.timer = setInterval(() => {
      if (now() - this.last > ms) {
        this.stop()
        onStall(Object.assign(new Error(`${what}: no progress for ${ms / 1000} s (stalled)`), { code: 'STALLED' }))
      }
    }, 250)
  }
  poke() {
    this.last = now()
  }
  stop() {
    clearInterval(this.timer)
  }
}

function connectTo(host, port, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true, ...opts })
    s.once('connect', () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

/**
 * Bulk client -> server: `conns` connections, each sends `bytesPerConn` bytes of the bench
 * pattern then half-closes; the sink answers with the count and content check it saw.
 * Time runs from the first byte (all connections already open) to the last answer.
 */
export async function bulk({ host, port, conns, bytesPerConn, stallMs = 30_000 }) {
  const sockets = await Promise.all(Array.from({ length: conns }, () => connectTo(host, port)))
  const t0 = now()
  let stalled
  const dog = new Watchdog(stallMs, 'bulk', (err) => {
    stalled = err
    for (const s of sockets) s.destroy(err)
  })
  const settled = await Promise.allSettled(sockets.map((s) => sendAndAwaitCount(s, bytesPerConn, dog, t0)))
  dog.stop()
  const ms = Math.max(...settled.map((r) => (r.status === 'fulfilled' ? r.value.ms : 0)))
  const perConn = settled.map((r) => (r.status === 'fulfilled' ? r.value : { error: r.reason.message, sent: r.reason.sent }))
  return { ms, perConn, stalled: stalled?.message }
}

function sendAndAwaitCount(s, bytes, dog, t0) {
  return new Promise((resolve, reject) => {
    let sent = 0
    let answer = ''
    let answered
    const fail = (err) => {
      err.sent = sent
      reject(err)
    }
    s.on('data', (d) => {
      dog.poke()
      answer += d.toString('latin1')
      if (answered === undefined && answer.includes('\n')) answered = now() - t0
    })
    s.on('error', fail)
    s.on('close', () => {
      if (answered === undefined) return fail(new Error(`connection closed before the sink's count arrived (${sent} bytes sent)`))
      let ack
      try {
        ack = JSON.parse(answer.slice(0, answer.indexOf('\n')))
      } catch {
        return fail(new Error(`unreadable answer from the sink: ${JSON.stringify(answer.slice(0, 200))}`))
      }
      resolve({ sent, ack, ms: answered, answerBytes: answer.length, extra: answer.length - answer.indexOf('\n') - 1 })
    })
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(BULK_CHUNK.length, bytes - sent)
        sent += n
        dog.poke()
        if (!s.write(n === BULK_CHUNK.length ? BULK_CHUNK : BULK_CHUNK.subarray(0, n))) {
          s.once('drain', pump)
          return
        }
      }
      s.end()
    }
    pump()
  })
}

/** Sequential echoes of `size` bytes on one connection; returns round-trip times in µs. */
export async function latency({ host, port, count, warmup = 200, size = 64, stallMs = 30_000 }) {
  const s = await connectTo(host, port)
  const samples = new Float64Array(count)
  const got = Buffer.alloc(size)
  let mismatches = 0
  let i = -warmup
  let have = 0
  let sentAt = 0
  let msg
  const t0 = now()
  const result = await new Promise((resolve, reject) => {
    const dog = new Watchdog(stallMs, 'latency', (err) => s.destroy(err))
    const send = () => {
      msg = slice((i + warmup) * size, size)
      have = 0
      sentAt = now()
      s.write(msg)
    }
    s.on('data', (d) => {
      const t = now()
      if (have + d.length > size) {
        mismatches++
        dog.stop()
        return s.destroy(new Error(`echo returned ${have + d.length} bytes for a ${size}-byte message`))
      }
      d.copy(got, have)
      have += d.length
      if (have < size) return
      if (!got.equals(msg)) mismatches++
      if (i >= 0) samples[i] = (t - sentAt) * 1000
      dog.poke()
      if (++i < count) return send()
      dog.stop()
      s.end()
    })
    s.on('error', (err) => {
      dog.stop()
      reject(Object.assign(err, { done: Math.max(0, i) }))
    })
    s.on('close', () => {
      dog.stop()
      if (i < count) reject(Object.assign(new Error(`connection closed after ${Math.max(0, i)} of ${count} echoes`), { done: Math.max(0, i) }))
      else resolve({ ms: now() - t0 })
    })
    send()
  })
  return { ...result, samples, mismatches, bytesEachWay: (count + warmup) * size }
}

/**
 * Connection churn: `total` connections, `concurrency` at a time; each sends `size` bytes,
 * reads the echo, checks it, and closes.
 */
export async function churn({ host, port, total, concurrency = 50, size = 1024, connTimeoutMs = 10_000, stallMs = 30_000 }) {
  let next = 0
  let ok = 0
  let mismatches = 0
  let bytesSent = 0
  const errors = {}
  let stalled
  const open = new Set()
  const dog = new Watchdog(stallMs, 'churn', (err) => {
    stalled = err
    for (const s of open) s.destroy(err)
  })
  const one = (n) =>
    new Promise((resolve, reject) => {
      const msg = slice(n * 7919, size)
      const got = Buffer.alloc(size)
      let have = 0
      let checked = false
      const s = connect({ host, port, noDelay: true })
      open.add(s)
      const timer = setTimeout(() => s.destroy(Object.assign(new Error('connection timed out'), { code: 'TIMEOUT' })), connTimeoutMs)
      s.on('connect', () => {
        bytesSent += size
        s.write(msg)
      })
      s.on('data', (d) => {
        if (have + d.length > size) {
          mismatches++
          return s.destroy(Object.assign(new Error('echo longer than sent'), { code: 'MISMATCH' }))
        }
        d.copy(got, have)
        have += d.length
        if (have === size) {
          if (!got.equals(msg)) {
            mismatches++
            return s.destroy(Object.assign(new Error('echo differs from what was sent'), { code: 'MISMATCH' }))
          }
          checked = true
          s.end()
        }
      })
      s.on('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
      s.on('close', () => {
        clearTimeout(timer)
        open.delete(s)
        if (checked) resolve()
        else reject(Object.assign(new Error(`closed after ${have} of ${size} echoed bytes`), { code: 'SHORT' }))
      })
    })
  const worker = async () => {
    while (next < total && !stalled) {
      const n = next++
      try {
        await one(n)
        ok++
      } catch (err) {
        const code = err.code ?? 'ERROR'
        errors[code] = (errors[code] ?? 0) + 1
      }
      dog.poke()
    }
  }
  const t0 = now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const ms = now() - t0
  dog.stop()
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0)
  return { ms, ok, attempted: next, errorCount, errors, mismatches, bytesSent, stalled: stalled?.message }
}

/**
 * Bulk echo: `conns` connections at once, each sends `bytesPerConn` bytes of the bench
 * pattern and half-closes while reading the echo back; the SHA-256 of what came back must
 * equal the SHA-256 of what was sent. Time runs from the first byte (all connections
 * already open) to the last echoed byte.
 */
export async function echoBulk({ host, port, conns, bytesPerConn, stallMs = 30_000 }) {
  const sockets = await Promise.all(Array.from({ length: conns }, () => connectTo(host, port)))
  const t0 = now()
  let stalled
  const dog = new Watchdog(stallMs, 'echo', (err) => {
    stalled = err
    for (const s of sockets) s.destroy(err)
  })
  const settled = await Promise.allSettled(sockets.map((s, i) => sendAndCheckEcho(s, bytesPerConn, i * 7919, dog, t0)))
  dog.stop()
  const ms = Math.max(...settled.map((r) => (r.status === 'fulfilled' ? r.value.ms : 0)))
  const perConn = settled.map((r) => (r.status === 'fulfilled' ? r.value : { error: r.reason.message, sent: r.reason.sent }))
  return { ms, perConn, stalled: stalled?.message }
}

function sendAndCheckEcho(s, bytes, start, dog, t0) {
  return new Promise((resolve, reject) => {
    const sentHash = createHash('sha256')
    const gotHash = createHash('sha256')
    let sent = 0
    let got = 0
    let ended = false
    s.on('data', (d) => {
      dog.poke()
      got += d.length
      gotHash.update(d)
    })
    s.on('end', () => (ended = true))
    s.on('error', (err) => reject(Object.assign(err, { sent })))
    s.on('close', () => {
      const ms = now() - t0
      if (!ended) return reject(Object.assign(new Error(`connection closed before the echo's end (${got} of ${bytes} bytes back)`), { sent }))
      resolve({ sent, got, ms, same: got === bytes && sentHash.digest('hex') === gotHash.digest('hex') })
    })
    const pump = () => {
      while (sent < bytes) {
        const chunk = slice(start + sent, Math.min(BULK_CHUNK.length, bytes - sent))
        sent += chunk.length
        sentHash.update(chunk)
        dog.poke()
        if (!s.write(chunk)) {
          s.once('drain', pump)
          return
        }
      }
      s.end()
    }
    pump()
  })
}
