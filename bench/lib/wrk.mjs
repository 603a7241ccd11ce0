// wrk run as a reference load generator: its figures read from its text output.
import { execFile, execFileSync } from 'node:child_process'

/** Whether wrk is on PATH (`wrk --version` exits 1 after printing its version). */
export function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (err) {
    return err.status === 1
  }
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

/** wrk's figures from its output: requests done, errors of any kind (a socket error, a non-2xx/3xx answer), and with --latency p50/p99 in ms. */
export function wrkFigures(out) {
  const done = /(\d+) requests in ([\d.]+)(m?s)/.exec(out)
  if (!done) throw new Error(`wrk printed no request count: ${out.trim().slice(0, 300)}`)
  const errors = [...out.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0) + Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out)
    return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined
  }
  const requests = Number(done[1])
  const seconds = Number(done[2]) / (done[3] === 'ms' ? 1000 : 1)
  return { requests, seconds, perSecond: requests / seconds, errors, p50Ms: pct(50), p99Ms: pct(99) }
}

/** `wrk -t1 -cN -dSs --latency [-H header...] url`, resolved with its figures. */
export function runWrk({ url, connections, seconds, headers = [] }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url]
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (seconds + 30) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message} ${stderr.trim().slice(0, 200)}`))
      try {
        resolve(wrkFigures(stdout))
      } catch (e) {
        reject(e)
      }
    })
  })
}
