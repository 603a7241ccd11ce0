#!/usr/bin/env node
// Repeat mode's speed (issue 17): `tcpscope replay FILE --conn 1 --exchange 1 --count N
// --concurrency M` against a local HTTP server, and wrk against the same server in the same
// run, case after case in each round (the order reversed every other round so drift favours
// none). Replay opens a new connection per request while wrk keeps its connections alive,
// so wrk with `Connection: close` (a new connection per request too) is run beside it.
//   npm run bench:replay            (builds the CLI first)
//   node bench/replay.mjs [--rounds N] [--seconds S] [--concurrency 1,32] [--quick] [--dir DIR] [--out FILE]
// See bench/README.md.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Helper, cleanUpOnExit, gitCommit, liveChildren, ProxyProcess } from './lib/proc.mjs'
import { fmt, median, spread, table } from './lib/stats.mjs'
import { hasWrk, runWrk } from './lib/wrk.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(HERE)
const CLI = join(ROOT, 'bin', 'tcpscope.js')
const PATH = '/api/items/7'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string', default: '1,32' },
    quick: { type: 'boolean', default: false },
    dir: { type: 'string', default: tmpdir() },
    out: { type: 'string', default: join(HERE, 'results', 'replay.json') },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (args.help) {
  console.log('usage: node bench/replay.mjs [--rounds N] [--seconds S] [--concurrency 1,32] [--quick] [--dir DIR] [--out FILE]')
  process.exit(0)
}
const Q = args.quick
const V = {
  rounds: Number(args.rounds ?? (Q ? 1 : 3)),
  seconds: Number(args.seconds ?? (Q ? 2 : 5)),
  concurrency: args.concurrency.split(',').map((s) => Number(s.trim()))
}
if (!(V.rounds >= 1) || !(V.seconds >= 1) || !V.concurrency.every((m) => Number.isInteger(m) && m >= 1 && m <= 1024)) {
  console.error('bench: --rounds >= 1, --seconds >= 1 and --concurrency a list of whole numbers 1-1024')
  process.exit(2)
}

const log = (s) => process.stderr.write(s + '\n')
let tmpRoot
const cleanup = cleanUpOnExit(() => tmpRoot)
const failures = []
const fail = (where, message) => {
  failures.push({ where, message })
  log(`FAILED ${where}: ${message}`)
}

function run(file, argv, timeoutMs) {
  return new Promise((resolve) => {
    execFile(file, argv, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, signal: err?.signal, stdout, stderr }))
  })
}

/** One GET from curl through `tcpscope proxy` in front of the server: the capture replay sends again. */
async function record(server, file) {
  const proxy = await ProxyProcess.start('tcpscope proxy', [CLI, 'proxy', '--listen', '127.0.0.1:0', '--target', server, '--capture', file, '--json', '--quiet'])
  const got = await run('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{http_code}', `http://${proxy.host}:${proxy.port}${PATH}`], 30_000)
  const stopped = await proxy.stop()
  if (got.code !== 0 || got.stdout !== '200') throw new Error(`recording: curl through the proxy got ${got.stdout || '-'} (exit ${got.code}): ${got.stderr.trim().slice(0, 200)}`)
  if (stopped.code !== 0) throw new Error(`recording: tcpscope proxy exited with code ${stopped.code}: ${stopped.stderr.trim().slice(0, 200)}`)
}

/** `tcpscope replay --count N --concurrency M --json`: its summary, checked. */
async function replay(file, server, count, concurrency, where) {
  const argv = [CLI, 'replay', file, '--conn', '1', '--exchange', '1', '--count', String(count), '--concurrency', String(concurrency), '--target', server, '--json']
  const r = await run(process.execPath, argv, 10 * 60_000)
  let summary
  try {
    summary = JSON.parse(r.stdout).summary
  } catch {}
  if (!summary) throw new Error(`${where}: tcpscope replay printed no summary (exit ${r.code}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr || r.stdout).trim().slice(0, 300)}`)
  if (summary.matched !== count || summary.errors !== 0 || r.code !== 0) {
    fail(where, `${summary.matched} of ${count} responses matched, ${summary.errors} error(s), exit ${r.code}${summary.errorSamples?.length ? `: ${summary.errorSamples.join('; ')}` : ''}`)
  }
  return summary
}

const CASES = [
  { id: 'wrk', label: 'wrk, keep-alive' },
  { id: 'wrkClose', label: "wrk -H 'Connection: close'" },
  { id: 'replay', label: 'tcpscope replay' }
]

/** Requests for a replay run of about V.seconds at `perSecond`. */
const nFor = (perSecond) => Math.min(1_000_000, Math.max(1000, Math.round((perSecond * V.seconds) / 100) * 100))

async function measure(server, file) {
  const records = []
  const counts = {}
  // N for each M: what a short replay run manages, times the wanted seconds.
  for (const m of V.concurrency) {
    const probe = Math.max(500, 200 * m)
    const s = await replay(file, server, probe, m, `calibration M=${m}`)
    counts[m] = nFor(s.perSecond)
    log(`calibration: M=${m}: ${fmt(s.perSecond, 0)} req/s on ${probe} requests; runs will send ${counts[m].toLocaleString('en-US')}`)
  }
  for (let round = 1; round <= V.rounds; round++) {
    for (const m of V.concurrency) {
      const order = round % 2 ? CASES : [...CASES].reverse()
      for (const c of order) {
        const where = `round ${round} M=${m} ${c.label}`
        log(`${where} ...`)
        const rec = { round, concurrency: m, case: c.id }
        if (c.id === 'replay') {
          const s = await replay(file, server, counts[m], m, where)
          Object.assign(rec, { requests: s.count, perSecond: s.perSecond, p50Ms: s.p50Ms, p99Ms: s.p99Ms, matched: s.matched, errors: s.errors, statuses: s.statuses })
          // The short probe runs colder than a real run: the next run's N follows this one.
          counts[m] = nFor(s.perSecond)
        } else {
          const w = await runWrk({ url: `http://${server}${PATH}`, connections: m, seconds: V.seconds, headers: c.id === 'wrkClose' ? ['Connection: close'] : [] })
          Object.assign(rec, w)
        }
        records.push(rec)
      }
    }
  }
  return { counts, records }
}

function report(meta, R) {
  const out = ['']
  out.push(`tcpscope replay bench (issue 17) — ${Q ? 'QUICK (smoke test)' : 'full'}; node ${meta.node}, ${meta.cpus} CPU(s), load average at start ${meta.load.map((x) => x.toFixed(2)).join(' ')}, commit ${meta.commit.slice(0, 10)}, ${meta.date}`)
  out.push(`A node:http server answering ${PATH} with ${meta.responseBytes} bytes of JSON; wrk -t1 -cM -d${V.seconds}s; tcpscope replay --count N --concurrency M of one GET curl made through tcpscope proxy.`)
  out.push(`Medians over ${V.rounds} round(s), cases in turn; ratios are each round's, median over rounds. p50/p99 in ms.`)
  const rows = [['', 'M', 'requests/run', 'req/s', 'spread %', 'replay / this', 'p50', 'p99', 'errors']]
  for (const m of V.concurrency) {
    const of = (id) => R.records.filter((r) => r.concurrency === m && r.case === id)
    const replayRate = (round) => R.records.find((r) => r.concurrency === m && r.case === 'replay' && r.round === round)?.perSecond
    for (const c of CASES) {
      const rs = of(c.id)
      const ratio = c.id === 'replay' ? '' : fmt(median(rs.map((r) => replayRate(r.round) / r.perSecond)), 2)
      rows.push([c.label, m, fmt(median(rs.map((r) => r.requests)), 0), fmt(median(rs.map((r) => r.perSecond)), 0), fmt(spread(rs.map((r) => r.perSecond)), 1), ratio, fmt(median(rs.map((r) => r.p50Ms)), 3), fmt(median(rs.map((r) => r.p99Ms)), 3), rs.reduce((a, r) => a + (r.errors ?? 0), 0)])
    }
  }
  out.push(table(rows))
  out.push('')
  out.push('Replay opens a new connection for every request and closes it after the answer; wrk keeps its M connections alive.')
  out.push("The fair comparison is the wrk -H 'Connection: close' row (a new connection per request too); keep-alive wrk is the server's ceiling.")
  out.push('Replay also reads every answer whole and compares it (status, headers, SHA-256 of the body) with the recording.')
  out.push('')
  if (failures.length) {
    out.push(`FAILED: ${failures.length} error(s) — these results are not valid:`)
    for (const f of failures) out.push(`  ${f.where}: ${f.message}`)
  } else out.push('Every replay run: all responses matched the recording.')
  out.push(`Raw results: ${relative(process.cwd(), args.out) || args.out}`)
  return out.join('\n')
}

async function main() {
  if (!hasWrk()) throw new Error('wrk is not installed: this bench compares with it')
  try {
    statSync(CLI)
  } catch {
    throw new Error('bin/tcpscope.js is missing; run `npm run build:cli` first')
  }
  const meta = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, load: loadavg(), commit: gitCommit(ROOT), seconds: V.seconds, rounds: V.rounds }
  tmpRoot = mkdtempSync(join(args.dir, 'tcpscope-bench-replay-'))
  const serverProc = new Helper(join(HERE, 'replay-server.mjs'), [], 'http server')
  let R
  try {
    const ready = await serverProc.wait('ready')
    const server = ready.http
    meta.responseBytes = ready.bodyBytes
    const file = join(tmpRoot, 'one-get.tcap')
    log(`recording one GET from curl through tcpscope proxy in front of ${server} ...`)
    await record(server, file)
    await replay(file, server, 1, 1, 'first replay')
    R = await measure(server, file)
  } finally {
    await serverProc.close()
  }
  mkdirSync(dirname(args.out), { recursive: true })
  writeFileSync(args.out, JSON.stringify({ meta, results: R, failures }, null, 2) + '\n')
  console.log(report(meta, R))
  return failures.length ? 1 : 0
}

process.exitCode = await main().catch((err) => {
  log(`bench: ${err.stack ?? err}`)
  return 1
})
const left = liveChildren()
if (left.length) log(`bench: still running, killed: ${left.join(', ')}`)
cleanup()
