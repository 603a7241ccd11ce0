#!/usr/bin/env node
// A cross-check for run.mjs on a noisy machine. run.mjs measures one case after the other,
// so a burst of noise lands on one case and not the next. Here the bare forwarder and
// tcpscope run at the same time and share the load: echoes alternate between a direct
// connection and one through each proxy, and churn connections go to the proxies in turn.
// Both see the same noise, so their difference is far steadier, though churn here reports
// CPU per connection only (the proxies share the client, so neither has a rate of its own).
//   npm run bench:paired           node bench/paired.mjs [--rounds N] [--cli FILE]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spreadChurn, takingTurnsLatency } from './lib/paired-load.mjs'
import { Helper, ProxyProcess, cpuSeconds, killAll } from './lib/proc.mjs'
import { fmt, median, table } from './lib/stats.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const HOST = '127.0.0.1'
const ECHOES = 10_000
// As in run.mjs: the JIT settles first.
const ECHO_WARMUP = 5_000
const CHURN = 10_000
// 5,000 per proxy: before that V8 is still optimizing tcpscope (see V.churnWarmup in run.mjs).
const CHURN_WARMUP = 10_000

function parseArgs(argv) {
  const o = { rounds: 5, cli: join(dirname(HERE), 'bin', 'tcpscope.js') }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rounds' && Number.isInteger(Number(argv[i + 1])) && Number(argv[i + 1]) > 0) o.rounds = Number(argv[++i])
    else if (argv[i] === '--cli' && argv[i + 1]) o.cli = resolve(argv[++i])
    else {
      console.error(`paired: unknown or incomplete option ${argv[i]}; usage: node bench/paired.mjs [--rounds N] [--cli FILE]`)
      process.exit(2)
    }
  }
  return o
}

const opts = parseArgs(process.argv.slice(2))
const dir = mkdtempSync(join(tmpdir(), 'tcpscope-paired-'))
process.on('exit', () => {
  killAll()
  rmSync(dir, { recursive: true, force: true })
})
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130))

async function round(n, echoTarget) {
  const bare = await ProxyProcess.start('bare forwarder', [join(HERE, 'bare-forwarder.mjs'), '--listen', `${HOST}:0`, '--target', echoTarget])
  const capture = join(dir, `round${n}.tcap`)
  const scope = await ProxyProcess.start('tcpscope proxy', [opts.cli, 'proxy', '--listen', `${HOST}:0`, '--target', echoTarget, '--capture', capture, '--json', '--quiet'])
  const proxies = [bare, scope]
  const cpu = () => proxies.map((p) => cpuSeconds(p.pid))

  const r = await takingTurnsLatency(echoTarget, proxies, { count: ECHOES, warmup: ECHO_WARMUP })

  await spreadChurn(proxies, { total: CHURN_WARMUP })
  const c0 = cpu()
  await spreadChurn(proxies, { total: CHURN })
  const c1 = cpu()
  r.cpuPerConnMs = proxies.map((_, i) => ((c1[i] - c0[i]) / (CHURN / 2)) * 1000)

  for (const proxy of proxies) {
    const stop = await proxy.stop()
    if (stop.code !== 0) throw new Error(`${proxy.name} exited with code ${stop.code} after SIGTERM: ${stop.stderr.trim().slice(0, 300)}`)
  }
  const summary = scope.lines.map((l) => JSON.parse(l)).find((m) => m.type === 'summary')
  const expected = 1 + (CHURN_WARMUP + CHURN) / 2
  if (summary?.connections !== expected) throw new Error(`tcpscope's summary counts ${summary?.connections} connections, the bench made ${expected}`)
  rmSync(capture, { force: true })
  console.error(`  [round ${n}] p50 µs direct ${fmt(r.p50[0])} bare ${fmt(r.p50[1])} tcpscope ${fmt(r.p50[2])}; churn CPU ms/conn bare ${fmt(r.cpuPerConnMs[0], 3)} tcpscope ${fmt(r.cpuPerConnMs[1], 3)}`)
  return r
}

const server = new Helper(join(HERE, 'sink-server.mjs'), [], 'echo server')
const { echo } = await server.wait('ready', 20_000)
const rounds = []
try {
  for (let n = 1; n <= opts.rounds; n++) rounds.push(await round(n, echo))
} catch (err) {
  console.error(`paired: ${err.message}`)
  process.exitCode = 1
} finally {
  await server.close()
}
if (rounds.length === opts.rounds) {
  const med = (get) => median(rounds.map(get))
  console.log(`\nPaired bench: ${opts.rounds} rounds; bare forwarder and tcpscope running at once (medians over rounds)\n`)
  console.log(`Latency: ${ECHOES.toLocaleString('en-US')} sequential 64-byte echoes on each of 3 connections, taking turns`)
  console.log(
    table([
      ['', 'direct', 'bare fwd', 'tcpscope'],
      ['p50 µs', ...[0, 1, 2].map((i) => fmt(med((r) => r.p50[i])))],
      ['p99 µs', ...[0, 1, 2].map((i) => fmt(med((r) => r.p99[i])))],
      ['proxy CPU µs/echo', '', ...[0, 1].map((i) => fmt(med((r) => r.cpuPerEchoUs[i])))]
    ])
  )
  console.log(`\nChurn: ${CHURN.toLocaleString('en-US')} connections x 1 KiB echo, 50 at a time, alternating proxies (after ${CHURN_WARMUP.toLocaleString('en-US')} warm-up)`)
  console.log(table([['', 'bare fwd', 'tcpscope'], ['proxy CPU ms/connection', ...[0, 1].map((i) => fmt(med((r) => r.cpuPerConnMs[i]), 3))]]))
  console.log('\nRatios (medians of the per-round differences and ratios)')
  console.log(
    table([
      ['latency p50 tcpscope - bare, µs', fmt(med((r) => r.p50[2] - r.p50[1]))],
      ['latency p99 tcpscope - bare, µs', fmt(med((r) => r.p99[2] - r.p99[1]))],
      ['churn CPU per connection tcpscope / bare', fmt(med((r) => r.cpuPerConnMs[1] / r.cpuPerConnMs[0]), 2)]
    ])
  )
}
