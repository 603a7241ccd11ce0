// Load spread over several targets at once, so that every target meets the same machine
// noise: echoes alternate between one connection per target, and churn connections go to
// the targets in turn. Echoed bytes are checked, as in load.mjs.
import { connect } from 'node:net'
import { slice } from './pattern.mjs'
import { cpuSeconds } from './proc.mjs'
import { percentile } from './stats.mjs'

const now = () => performance.now()

function connectTo({ host, port }) {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, noDelay: true }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** One echo of `msg` on `s`; resolves with the round trip in µs, rejects on a wrong answer. */
function echo(s, msg) {
  return new Promise((resolve, reject) => {
    const got = Buffer.alloc(msg.length)
    let have = 0
    const t0 = now()
    const onData = (d) => {
      if (have + d.length > msg.length) return done(new Error(`echo returned more than the ${msg.length} bytes sent`))
      d.copy(got, have)
      have += d.length
      if (have < msg.length) return
      if (!got.equals(msg)) return done(new Error('echo differs from what was sent'))
      done(null, (now() - t0) * 1000)
    }
    const onClose = () => done(new Error('connection closed mid-echo'))
    const done = (err, us) => {
      s.off('data', onData)
      s.off('close', onClose)
      if (err) reject(err)
      else resolve(us)
    }
    s.on('data', onData)
    s.once('close', onClose)
    s.write(msg)
  })
}

/**
 * Sequential echoes, `count` per target after `warmup` unmeasured ones, the targets taking
 * turns (rotating who goes first). Returns round-trip times in µs per target.
 */
export async function alternatingEchoes(targets, { count, warmup = 200, size = 64 }) {
  const socks = await Promise.all(targets.map(connectTo))
  const samples = targets.map(() => new Float64Array(count))
  try {
    for (let i = -warmup; i < count; i++) {
      const msg = slice((i + warmup) * size, size)
      for (let k = 0; k < socks.length; k++) {
        const t = (k + i + warmup) % socks.length
        const us = await echo(socks[t], msg)
        if (i >= 0) samples[t][i] = us
      }
    }
  } finally {
    for (const s of socks) s.destroy()
  }
  return samples
}

/**
 * Latency with a direct connection (`direct`, "HOST:PORT") and one through each proxy taking
 * turns (alternatingEchoes). Returns p50 and p99 in µs per target (direct first, then the
 * proxies in order) and each proxy process's CPU µs per echo, warm-up included.
 */
export async function takingTurnsLatency(direct, proxies, { count, warmup, size = 64 }) {
  const i = direct.lastIndexOf(':')
  const cpu = () => proxies.map((p) => cpuSeconds(p.pid))
  const c0 = cpu()
  const samples = await alternatingEchoes([{ host: direct.slice(0, i), port: Number(direct.slice(i + 1)) }, ...proxies], { count, warmup, size })
  const c1 = cpu()
  const at = (q) => samples.map((xs) => percentile(xs.slice().sort(), q))
  return { p50: at(0.5), p99: at(0.99), cpuPerEchoUs: proxies.map((_, k) => ((c1[k] - c0[k]) / (count + warmup)) * 1e6) }
}

/**
 * `total` connections, `concurrency` at a time, handed to the targets in turn: each sends
 * `size` bytes, checks the echo and closes. Throws on the first failure.
 */
export async function spreadChurn(targets, { total, concurrency = 50, size = 1024 }) {
  let next = 0
  const one = async (n) => {
    const s = await connectTo(targets[n % targets.length])
    const msg = slice(n * 7919, size)
    try {
      await echo(s, msg)
    } finally {
      s.end()
    }
    await new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', resolve)))
  }
  const worker = async () => {
    while (next < total) await one(next++)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
