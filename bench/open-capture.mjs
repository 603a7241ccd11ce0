// How fast a big capture opens and pages: records 100,000 connections carrying 1 GiB in
// all through the real CLI proxy, then
//  - times `tcpscope ls` and a first read of one connection (`tcpscope export` of it),
//    each a fresh process, against a process that only starts (`tcpscope help`), and
//    counts what an export reads against what it writes (issue 8: ls and the first read
//    under 200 ms each; an export reads about the bytes it writes);
//  - opens it in `tcpscope web` and times pages of the connection list, filtered and
//    sorted by the engine, over the WebSocket (issue 9: a page of the filtered list of
//    100,000 connections under 50 ms);
//  - records one 1 GiB connection and times a search for a 4-byte pattern near its end
//    (issue 9: scan 1 GiB in under 2 s).
//
//   node bench/open-capture.mjs [--connections N] [--bytes N] [--runs N] [--dir DIR] [--keep]
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { connectEngine } from './lib/ws-engine.mjs'
import { firstJsonLine, recordCapture } from './lib/record-capture.mjs'

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

const record = (connections = CONNECTIONS, total = TOTAL, file = capture, marker) => recordCapture({ cli: CLI, file, connections, total, marker, concurrency: CONCURRENCY, log })

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

/** `tcpscope web` with `files` opened; its URL, a client, and the process to stop. */
async function web(files) {
  const child = spawn(process.execPath, [CLI, 'web', '--json', ...files.flatMap((f) => ['--open', f])], { stdio: ['ignore', 'pipe', 'inherit'] })
  const { url } = await firstJsonLine(child)
  const engine = await connectEngine(url)
  return {
    engine,
    stop: async () => {
      engine.close()
      child.kill('SIGINT')
      await once(child, 'exit')
    }
  }
}

/** Median ms of `runs` calls, each a full round trip over the WebSocket. */
async function timedCall(engine, cmd, args, runs = RUNS) {
  const ms = []
  let value
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    value = await engine.call(cmd, args)
    ms.push(performance.now() - t0)
  }
  return { ms: median(ms), first: ms[0], value }
}
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

  log('opening it in tcpscope web ...')
  const w = await web([capture])
  try {
    const page = (args) => timedCall(w.engine, 'conn.page', { capture: 'f1', offset: 0, limit: 100, ...args })
    const open = await page({})
    console.log(`\nPaging the list of ${fmt(CONNECTIONS)} connections in tcpscope web (conn.page over the WebSocket, 100 rows; median of ${RUNS}, first call in brackets)`)
    row('first page, id order', fmt(open.ms, 1), `(first ${fmt(open.first, 1)})`)
    const deep = await timedCall(w.engine, 'conn.page', { capture: 'f1', offset: Math.floor(CONNECTIONS / 2), limit: 100 })
    row('a page from the middle, id order', fmt(deep.ms, 1))
    for (const [label, args] of [
      ['filter "state:closed", sorted by bytes sent', { filter: 'state:closed', sort: 'sent', descending: true }],
      ['filter "port:9" (no match)', { filter: 'port:9' }],
      ['filter text "127.0.0.1:4" (client ports 4xxxx)', { filter: '127.0.0.1:4' }],
      ['sort by duration, descending', { sort: 'duration', descending: true }]
    ]) {
      // The first call filters and sorts all rows; later pages of the same query come from its cache.
      const fresh = await timedCall(w.engine, 'conn.page', { capture: 'f1', offset: 0, limit: 100, ...args }, 1)
      const next = await timedCall(w.engine, 'conn.page', { capture: 'f1', offset: 100, limit: 100, ...args })
      row(`${label}: new query, ms`, fmt(fresh.ms, 1), `total ${fmt(fresh.value.total)}  target < 50: ${fresh.ms < 50 ? 'ok' : 'MISSED'}`)
      row(`${label}: next page, ms`, fmt(next.ms, 1))
    }
  } finally {
    await w.stop()
  }

  if (!values.keep) rmSync(capture, { force: true })
  const big = join(dir, 'one-gib.tcap')
  const marker = Buffer.from('\xfe\xed\xfa\xce', 'latin1')
  log('recording one connection of 1 GiB ...')
  const one = await record(1, 1024 * 1024 * 1024, big, marker)
  const w2 = await web([big])
  try {
    const fwd = await timedCall(w2.engine, 'conn.search', { capture: 'f1', connId: 1, dir: 'client', pattern: { kind: 'hex', value: 'feedface' } }, 3)
    const back = await timedCall(w2.engine, 'conn.search', { capture: 'f1', connId: 1, dir: 'client', pattern: { kind: 'hex', value: 'feedface' }, backward: true }, 3)
    const re = await timedCall(w2.engine, 'conn.search', { capture: 'f1', connId: 1, dir: 'client', pattern: { kind: 'regex', value: 'bench \\w{3}load\\xfe' } }, 1)
    console.log(`\nSearching one connection of 1 GiB (recorded in ${fmt(one.seconds, 1)} s) for a 4-byte pattern 4 KiB before its end (conn.search over the WebSocket)`)
    row('forward from the start (scans 1 GiB), ms', fmt(fwd.ms, 1), `found at ${fwd.value.offset}  target < 2000: ${fwd.ms < 2000 ? 'ok' : 'MISSED'}`)
    row('backward from the end, ms', fmt(back.ms, 1), `found at ${back.value.offset}`)
    row('regular expression forward, no match (scans 1 GiB), ms', fmt(re.ms, 1), `found: ${re.value.found}`)
  } finally {
    await w2.stop()
  }
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true })
  else log(`kept ${capture}`)
}
