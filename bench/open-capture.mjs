// How fast a big capture opens: records 100,000 connections carrying 1 GiB in all through
// the real CLI proxy, then times `tcpscope ls` and a first read of one connection
// (`tcpscope export` of it), each a fresh process, against a process that only starts
// (`tcpscope help`); and counts what an export reads against what it writes.
// Targets (issue 8): ls and the first read under 200 ms each; an export reads about the
// bytes it writes.
//
//   node bench/open-capture.mjs [--connections N] [--bytes N] [--runs N] [--dir DIR] [--keep]
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '100000' },
    bytes: { type: 'string', default: String(1024 * 1024 * 1024) },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string' },
    keep: { type: 'boolean' }
  }
})
const CONNECTIONS = Number(values.connections)
const TOTAL = Number(values.bytes)
const RUNS = Number(values.runs)
const CONCURRENCY = 64
const root = resolve(import.meta.dirname, '..')
const CLI = join(root, 'bin', 'tcpscope.js')
const COUNTER = join(root, 'bench', 'lib', 'count-reads.cjs')
const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'tcpscope-open-bench-'))
const capture = join(dir, 'big.tcap')
const log = (s) => process.stderr.write(s + '\n')

async function record() {
  const sink = createServer({ allowHalfOpen: true }, (s) => {
    s.resume()
    s.on('end', () => s.end())
    s.on('error', () => {})
  })
  sink.listen(0, '127.0.0.1')
  await once(sink, 'listening')
  const proxy = spawn(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:0', '--target', `127.0.0.1:${sink.address().port}`, '--capture', capture, '--json', '--quiet'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  proxy.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  while (!out.includes('\n')) await once(proxy.stdout, 'data')
  const listen = JSON.parse(out.slice(0, out.indexOf('\n'))).listen
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1))

  const per = Math.floor(TOTAL / CONNECTIONS)
  const payload = Buffer.alloc(per, 'tcpscope bench payload ')
  let started = 0
  let done = 0
  const t0 = performance.now()
  await new Promise((resolveAll, reject) => {
    const next = () => {
      if (started >= CONNECTIONS) return
      started++
      const c = connect({ port, host: '127.0.0.1' })
      c.on('error', reject)
      c.on('connect', () => c.end(payload))
      c.resume()
      c.on('close', () => {
        done++
        if (done % 10000 === 0) log(`  ${done} connections recorded`)
        if (done === CONNECTIONS) resolveAll()
        else next()
      })
    }
    for (let i = 0; i < CONCURRENCY; i++) next()
  })
  const seconds = (performance.now() - t0) / 1000
  proxy.kill('SIGINT')
  await once(proxy, 'exit')
  sink.close()
  return { seconds, perConnection: per }
}

/** Wall time of a fresh CLI process, in ms; its stdout goes nowhere. */
function timed(args, preload = false) {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [...(preload ? ['-r', COUNTER] : []), CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`tcpscope ${args.join(' ')} failed: ${r.stderr}`)
  const counted = /\{"countReads":(\{[^}]*\})\}/.exec(r.stderr)
  return { ms, counts: counted ? JSON.parse(counted[1]) : undefined }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })

try {
  log(`recording ${fmt(CONNECTIONS)} connections, ${fmt(TOTAL / 2 ** 20)} MiB in all, through tcpscope proxy ...`)
  const rec = await record()
  const size = statSync(capture).size
  const startOnly = median(Array.from({ length: RUNS }, () => timed(['help']).ms))
  const ls = median(Array.from({ length: RUNS }, () => timed(['ls', capture]).ms))
  const lsJson = median(Array.from({ length: RUNS }, () => timed(['ls', capture, '--json']).ms))
  const id = String(Math.ceil(CONNECTIONS / 2))
  const exportRuns = Array.from({ length: RUNS }, () => timed(['export', capture, '--conn', id, '--direction', 'client'], true))
  const exportMs = median(exportRuns.map((r) => r.ms))
  const { read, written } = exportRuns[0].counts
  const firstRead = median(Array.from({ length: RUNS }, () => timed(['export', capture, '--conn', '1', '--direction', 'client', '--format', 'hex']).ms))

  const row = (label, value, note = '') => console.log(`  ${label.padEnd(58)} ${value.padStart(12)}  ${note}`)
  console.log(`\nOpening a capture: ${fmt(CONNECTIONS)} connections, ${fmt(size / 2 ** 20)} MiB file (recorded in ${fmt(rec.seconds, 1)} s, ${fmt(CONNECTIONS / rec.seconds)} conn/s)`)
  console.log(`  median of ${RUNS} fresh processes each; "start only" is \`tcpscope help\`: Node starting and loading the CLI`)
  row('start only (tcpscope help), ms', fmt(startOnly, 1))
  row('ls (table of every connection), ms', fmt(ls, 1), `beyond start ${fmt(ls - startOnly, 1)}  target < 200: ${ls < 200 ? 'ok' : 'MISSED'}`)
  row('ls --json, ms', fmt(lsJson, 1), `beyond start ${fmt(lsJson - startOnly, 1)}`)
  row(`first read: export of one connection (#${id}, ${fmt(rec.perConnection)} B), ms`, fmt(exportMs, 1), `beyond start ${fmt(exportMs - startOnly, 1)}  target < 200: ${exportMs < 200 ? 'ok' : 'MISSED'}`)
  row('first read: export --format hex of #1, ms', fmt(firstRead, 1), `beyond start ${fmt(firstRead - startOnly, 1)}`)
  row('export: bytes read from the capture', fmt(read), `for ${fmt(written)} B written: ${fmt(read / written, 2)}x`)
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true })
  else log(`kept ${capture}`)
}
