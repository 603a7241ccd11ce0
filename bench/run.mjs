#!/usr/bin/env node
// tcpscope's performance bench: what recording costs, measured against a direct connection,
// a bare Node forwarder, haproxy and the disk (a plain page-cache writer, and an O_DIRECT
// writer in tcpscope's block size), interleaved round by round.
//   npm run bench                  (builds the CLI first)
//   node bench/run.mjs [--rounds N] [--quick] [--warm] [--only bulk,echo,latency,churn,redis] [--cli FILE] [--dir DIR [--dir DIR2]] [--disk-limit MBPS] [--out FILE]
// See bench/README.md.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { bulk, churn, echoBulk, latency } from './lib/load.mjs'
import { limitDisk } from './lib/disk-limit.mjs'
import { redisBenchmark, requireProgram, startHaproxy, startRedis } from './lib/peers.mjs'
import { takingTurnsLatency } from './lib/paired-load.mjs'
import { BENCH, GiB, KiB, MiB, ROOT, failureList } from './lib/bench.mjs'
import { CLK_TCK, Helper, ProxyProcess, cpuSeconds, cpuTimes, mainThreadCpuSeconds, gitCommit, cleanUpOnExit, liveChildren, memory } from './lib/proc.mjs'
import { fmt, fmtBytes, median, percentile, spread, table } from './lib/stats.mjs'

const HOST = '127.0.0.1'
const round3 = (x) => Math.round(x * 1000) / 1000
const GROUPS = ['bulk', 'echo', 'latency', 'churn', 'redis']
const CASE_TITLE = { direct: 'direct', bare: 'bare fwd', haproxy: 'haproxy', tcpscope: 'tcpscope', 'tcpscope-w': 'tcp-wkrs', tcpscope2: 'tcpscope 2', writer: 'writer', odirect: 'O_DIRECT' }
/** tcpscope, with forwarding workers (`--workers auto`: a thread per core, at most 8; Node 22.12+ on Linux, else one thread and a line saying so), or with its capture in the second --dir. */
const isTcpscope = (kase) => kase === 'tcpscope' || kase === 'tcpscope-w' || kase === 'tcpscope2'

// ---------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node bench/run.mjs [options]
  --rounds N          rounds of interleaved cases (default 3)
  --quick             small volumes for a smoke test (128 MiB, 8 x 16 MiB, 2000 echoes, 1000 connections)
  --warm              unmeasured warm-up echoes and connections before latency and churn (default: none,
                      every figure from a cold start, as issue 18's haproxy comparison asks)
  --only LIST         comma-separated subset of: ${GROUPS.join(',')}
  --cli FILE          the tcpscope CLI script run as \`node FILE proxy ...\` (default bin/tcpscope.js)
  --dir DIR           where the temp folder for the capture and the writers' files goes (default: the OS temp dir);
                      given twice (e.g. --dir /var/tmp --dir /dev/shm), every tcpscope case also runs with its
                      capture in the second (column "tcpscope 2"), so the disk's limit and the proxy's own cost
                      are told apart in one run; the writers run in the first
  --disk-limit MBPS   make the disk the limit: the first --dir's disk is throttled to MBPS MB/s (10^6 bytes) for
                      tcpscope's capture and the O_DIRECT row, by the kernel's block-I/O controller (a cgroup;
                      Linux, root). Then tcpscope ÷ min(haproxy, disk) tells whether it keeps up with a slow disk
  --out FILE          raw results as JSON (default bench/results/latest.json)
  --churn-warmup N    unmeasured connections per churn case first (default 0; with --warm 5000, 500 with --quick)
  --stall-seconds N   fail a case that makes no progress for N seconds (default 30)
  --stop-seconds N    how long a proxy may take to exit after SIGTERM before it is killed (default 120)`

function parseArgs(argv) {
  const o = { rounds: 3, quick: false, warm: false, churnWarmup: undefined, only: [...GROUPS], cli: join(ROOT, 'bin', 'tcpscope.js'), dirs: [], out: join(BENCH, 'results', 'latest.json'), stallMs: 30_000, stopMs: 120_000 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`)
      return argv[++i]
    }
    if (a === '--rounds') {
      o.rounds = Number(value())
      if (!Number.isInteger(o.rounds) || o.rounds < 1) usage('--rounds must be a whole number >= 1')
    } else if (a === '--quick') o.quick = true
    else if (a === '--warm') o.warm = true
    else if (a === '--only') {
      o.only = value().split(',').map((s) => s.trim()).filter(Boolean)
      const bad = o.only.filter((g) => !GROUPS.includes(g))
      if (bad.length || o.only.length === 0) usage(`--only takes some of ${GROUPS.join(',')}; got "${bad.join(',')}"`)
    } else if (a === '--cli') o.cli = resolve(value())
    else if (a === '--dir') {
      o.dirs.push(resolve(value()))
      if (o.dirs.length > 2) usage('--dir is given once, or twice (the capture on disk, then on tmpfs)')
    }
    else if (a === '--out') o.out = resolve(value())
    else if (a === '--disk-limit') {
      o.diskLimit = Number(value())
      if (!(o.diskLimit > 0)) usage('--disk-limit takes MB/s, a positive number (e.g. --disk-limit 200)')
    }
    else if (a === '--churn-warmup') {
      o.churnWarmup = Number(value())
      if (!Number.isInteger(o.churnWarmup) || o.churnWarmup < 0) usage('--churn-warmup must be a whole number >= 0')
    } else if (a === '--stall-seconds') {
      o.stallMs = Number(value()) * 1000
      if (!(o.stallMs > 0)) usage('--stall-seconds must be a positive number')
    } else if (a === '--stop-seconds') {
      o.stopMs = Number(value()) * 1000
      if (!(o.stopMs > 0)) usage('--stop-seconds must be a positive number')
    }
    else if (a === '--help' || a === '-h') {
      console.log(USAGE)
      process.exit(0)
    } else usage(`unknown option ${a}`)
  }
  if (o.dirs.length === 0) o.dirs.push(tmpdir())
  return o
}

function usage(msg) {
  console.error(`bench: ${msg}\n${USAGE}`)
  process.exit(2)
}

const opts = parseArgs(process.argv.slice(2))
const V = opts.quick
  ? { bulk1: 128 * MiB, bulk8Each: 16 * MiB, echo1: 32 * MiB, echo8Each: 4 * MiB, echoes: 2000, churn: 1000, redisRequests: 20_000, redisPipelined: 100_000 }
  : { bulk1: 1 * GiB, bulk8Each: 128 * MiB, echo1: 256 * MiB, echo8Each: 32 * MiB, echoes: 10_000, churn: 5000, redisRequests: 100_000, redisPipelined: 500_000 }
V.bulk8Conns = 8
V.churnConcurrency = 50
// Connections each case gets before churn is measured, so neither process's warm-up counts:
// a proxy runs for hours, and the steady state is what its users get. tcpscope has more
// code for V8 to optimize than the bare forwarder: after 1,000 connections it was still
// compiling (about 100 optimizations during the next 15,000 connections, against 2 after
// 15,000), and its CPU per connection, against the bare forwarder's, fell from 1.2-1.3x
// after 1,000 warm-up connections to 1.0-1.2x after 5,000.
// Issue 18 asks for every figure from a cold start (haproxy needs no warm-up), so none is
// the default; --warm gives the steady state.
V.churnWarmup = opts.churnWarmup ?? (!opts.warm ? 0 : opts.quick ? 500 : 5000)
V.churnSize = 1 * KiB
V.echoSize = 64
// Unmeasured echoes first, for the same reason: after 200, tcpscope's p50 alone was still
// about 12 µs behind the bare forwarder's in two of three runs; after 5,000, within 1-2 µs.
V.echoWarmup = !opts.warm ? 0 : opts.quick ? 500 : 5000
V.redisClients = 50
V.redisPipeline = 16
V.writer = V.bulk1

const PHASES = [
  { id: 'bulk1', group: 'bulk', title: `Bulk 1 x ${fmtBytes(V.bulk1)}, client -> sink`, cases: ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'writer'] },
  { id: 'bulk8', group: 'bulk', title: `Bulk ${V.bulk8Conns} x ${fmtBytes(V.bulk8Each)}, client -> sink`, cases: ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w'] },
  { id: 'echo1', group: 'echo', title: `Echo 1 x ${fmtBytes(V.echo1)} each way, SHA-256 of the echo checked`, cases: ['direct', 'bare', 'haproxy', 'tcpscope'] },
  { id: 'echo8', group: 'echo', title: `Echo ${V.bulk8Conns} x ${fmtBytes(V.echo8Each)} each way, SHA-256 of the echo checked`, cases: ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w'] },
  { id: 'latency', group: 'latency', title: `Latency: ${V.echoes.toLocaleString('en-US')} sequential ${V.echoSize}-byte echoes, 1 connection${V.echoWarmup ? ` (after ${V.echoWarmup.toLocaleString('en-US')} warm-up echoes)` : ', cold start'}`, cases: ['direct', 'bare', 'haproxy', 'tcpscope'] },
  {
    id: 'churn',
    group: 'churn',
    title: `Churn: ${V.churn.toLocaleString('en-US')} connections x ${fmtBytes(V.churnSize)} echo, ${V.churnConcurrency} at a time (${V.churnWarmup ? `after ${V.churnWarmup.toLocaleString('en-US')} warm-up connections` : 'cold start'})`,
    cases: ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w']
  },
  {
    id: 'redis',
    group: 'redis',
    title: `redis-benchmark -c ${V.redisClients} -t set,get: ${V.redisRequests.toLocaleString('en-US')} requests plain, ${V.redisPipelined.toLocaleString('en-US')} with -P ${V.redisPipeline}, one redis-server`,
    cases: ['direct', 'bare', 'haproxy', 'tcpscope']
  }
].filter((p) => opts.only.includes(p.group))
for (const p of PHASES) {
  // The second --dir: the same tcpscope, its capture elsewhere (tmpfs), run right after the first.
  if (opts.dirs.length > 1) p.cases.splice(p.cases.indexOf('tcpscope') + 1, 0, 'tcpscope2')
  if (p.id === 'bulk1') p.cases.push('odirect')
}
if (opts.dirs.length > 1) CASE_TITLE.tcpscope2 = `tcpscope @${opts.dirs[1]}`

// ---------------------------------------------------------------------------------------
// Cleanup: every child dies with the bench, whatever happens.

let tmpRoot
/** The second --dir's temp folder, where "tcpscope 2" captures. */
let tmpRoot2
const cleanupSync = cleanUpOnExit(() => [tmpRoot, tmpRoot2])

// ---------------------------------------------------------------------------------------
// Failures are collected, printed loudly as they happen, and make the exit code non-zero.

const { failures, fail } = failureList()

function progress(rec, text) {
  console.error(`  [round ${rec.round}] ${rec.phase.padEnd(7)} ${CASE_TITLE[rec.case].padEnd(8)}  ${rec.ok ? text : 'FAILED: ' + rec.errors[0]}`)
}

// ---------------------------------------------------------------------------------------
// Cases

let server // the sink/echo server helper
let redis // the redis-server of the redis phase
let captureDir
let captureDir2
let writerDir

async function serverStats() {
  return (await server.request({ cmd: 'stats' }, 'stats', 10_000)).totals
}

async function startProxy(kind, target, capturePath) {
  if (kind === 'bare') {
    return ProxyProcess.start('bare forwarder', [join(BENCH, 'bare-forwarder.mjs'), '--listen', `${HOST}:0`, '--target', target])
  }
  if (kind === 'haproxy') return startHaproxy(target, tmpRoot)
  const workers = kind === 'tcpscope-w' ? ['--workers', 'auto'] : []
  const argv = [opts.cli, 'proxy', '--listen', `${HOST}:0`, '--target', target, '--capture', capturePath, '--json', '--quiet', ...workers]
  // tcpscope2 is tcpscope with its capture in the second --dir.
  if (kind === 'tcpscope2') return ProxyProcess.start('tcpscope proxy (2nd dir)', argv)
  if (!diskLimit) return ProxyProcess.start('tcpscope proxy', argv)
  const [command, args] = diskLimit.wrap(process.execPath, argv)
  return ProxyProcess.start('tcpscope proxy (disk limited)', args, { command })
}

/** --disk-limit's cgroup, when given. */
let diskLimit

async function runNetworkCase(phase, kase, round) {
  const rec = { round, phase: phase.id, case: kase, ok: true, errors: [] }
  const target = phase.group === 'bulk' ? server.sink : phase.group === 'redis' ? redis.target : server.echo
  let proxy
  let capturePath
  try {
    let port = Number(target.slice(target.lastIndexOf(':') + 1))
    let host = HOST
    if (kase !== 'direct') {
      if (isTcpscope(kase)) capturePath = join(kase === 'tcpscope2' ? captureDir2 : captureDir, `round${round}-${phase.id}-${kase}.tcap`)
      proxy = await startProxy(kase, target, capturePath)
      host = proxy.host
      port = proxy.port
      rec.proxy = { pid: proxy.pid, listening: proxy.info, rssAtStart: proxy.startMemory.rss }
    }
    const warm = phase.group === 'churn' ? await churnWarmup(rec, host, port) : { connections: 0, bytes: 0 }
    await server.request({ cmd: 'reset' }, 'reset', 10_000)
    const cpu0 = proxy ? cpuTimes(proxy.pid) : undefined
    const main0 = proxy ? mainThreadCpuSeconds(proxy.pid) : undefined
    const serverCpu0 = cpuSeconds(server.pid)
    const clientCpu0 = process.cpuUsage()

    // What went through: {client, server, connections}; the capture must hold at least the bytes.
    let traffic
    if (phase.group === 'bulk') traffic = await bulkCase(rec, phase, host, port)
    else if (phase.group === 'echo') traffic = await echoCase(rec, phase, host, port)
    else if (phase.group === 'redis') traffic = await redisCase(rec, host, port)
    else if (phase.group === 'latency') traffic = await latencyCase(rec, host, port)
    else traffic = await churnCase(rec, host, port)
    const payload = traffic.client + traffic.server

    if (proxy && proxy.child.exitCode === null && proxy.child.signalCode === null) {
      try {
        const cpu1 = cpuTimes(proxy.pid)
        rec.proxyCpuUserS = round3(cpu1.user - cpu0.user)
        rec.proxyCpuSysS = round3(cpu1.sys - cpu0.sys)
        rec.proxyCpuS = rec.proxyCpuUserS + rec.proxyCpuSysS
        rec.proxyMainThreadCpuS = round3(mainThreadCpuSeconds(proxy.pid) - main0)
        const mem = memory(proxy.pid)
        rec.proxy.peakRss = mem.hwm
        rec.proxy.rssAtEnd = mem.rss
        rec.proxy.rssGrowth = mem.hwm - rec.proxy.rssAtStart
      } catch {} // it is gone: reported just below
    }
    if (proxy && (proxy.child.exitCode !== null || proxy.child.signalCode !== null || rec.proxyCpuS === undefined)) {
      const p = proxy
      proxy = undefined
      if (p.child.exitCode === null && p.child.signalCode === null) p.kill() // unreadable /proc: gone or going
      const { code, signal } = await p.exit
      throw new Error(`${p.name} DIED during the case (exit code ${code}, signal ${signal}); stderr: ${p.stderr.trim().slice(0, 500) || '(empty)'}`)
    }
    const clientCpu = process.cpuUsage(clientCpu0)
    rec.clientCpuS = (clientCpu.user + clientCpu.system) / 1e6
    rec.serverCpuS = cpuSeconds(server.pid) - serverCpu0
    if (proxy) {
      if (rec.bytes) rec.proxyCpuPerGiB = rec.proxyCpuS / (rec.bytes / GiB)
      if (rec.bytes) rec.proxyMainThreadCpuPerGiB = rec.proxyMainThreadCpuS / (rec.bytes / GiB)
      if (rec.connections) rec.proxyCpuPerConnMs = (rec.proxyCpuS / rec.connections) * 1000
      if (rec.echoes) rec.proxyCpuPerEchoUs = (rec.proxyCpuS / rec.echoes) * 1e6
      if (rec.requests) rec.proxyCpuPerRequestUs = (rec.proxyCpuS / rec.requests) * 1e6

      const p = proxy
      proxy = undefined
      const stop = await p.stop(opts.stopMs)
      rec.proxy.stop = { code: stop.code, signal: stop.signal, ms: stop.ms, output: stop.lines.slice(-5), stderr: stop.stderr.slice(0, 2000) }
      if (stop.timedOut) fail(rec, `${p.name} did not exit within ${opts.stopMs / 1000} s of SIGTERM (killed)`)
      else if (stop.code !== 0) fail(rec, `${p.name} exited with code ${stop.code}${stop.signal ? ` (signal ${stop.signal})` : ''}, expected 0 after SIGTERM; stderr: ${stop.stderr.trim().slice(0, 500) || '(empty)'}`)
      if (kase === 'haproxy' && !rec.ok) {
        // Its abnormal sessions, with haproxy's termination flags (peers.mjs logs only those).
        const log = stop.stderr.split('\n').filter((l) => l.trim() && !/NOTICE|Proxy \S+ stopped/.test(l))
        if (log.length) fail(rec, `haproxy logged: ${log.slice(0, 8).join(' | ')}`)
      }
      if (isTcpscope(kase) && phase.group !== 'redis') {
        const all = { ...traffic, client: traffic.client + warm.bytes, server: traffic.server + warm.bytes, connections: traffic.connections + warm.connections }
        checkSummary(rec, stop.lines, all, capturePath, kase)
      }
      if (capturePath) {
        if (!existsSync(capturePath)) fail(rec, `capture file ${capturePath} does not exist after the proxy stopped`)
        else {
          rec.captureBytes = statSync(capturePath).size
          rec.capturePayload = payload
          if (rec.captureBytes < payload) {
            fail(rec, `CAPTURE TOO SMALL: ${rec.captureBytes} bytes for ${payload} bytes of payload forwarded (${payload - rec.captureBytes} bytes missing at least)`)
          }
        }
      }
    }
  } catch (err) {
    fail(rec, err.message)
  } finally {
    if (proxy) {
      proxy.kill()
      await proxy.exit
    }
    if (capturePath) {
      const dir = dirname(capturePath)
      rmSync(dir, { recursive: true, force: true })
      mkdirSync(dir, { recursive: true })
    }
  }
  return rec
}

/**
 * The latency phase once more, with the four targets taking turns echo by echo on one
 * connection each (direct, bare forwarder, tcpscope, haproxy; the proxies all running). Case after case,
 * a proxy's p50 here jumps between modes some 20-40 µs apart from one process start to the
 * next (tcpscope alone: 95-117 µs over six runs, with the same code), which swamps the few
 * µs recording adds; taking turns, both proxies meet the same machine state.
 */
async function runTakingTurnsLatency(round) {
  const rec = { round, phase: 'latency-turns', case: 'all', ok: true, errors: [] }
  const target = server.echo
  const capturePath = join(captureDir, `round${round}-latency-turns.tcap`)
  const proxies = []
  try {
    proxies.push(await startProxy('bare', target, undefined))
    proxies.push(await startProxy('tcpscope', target, capturePath))
    proxies.push(await startProxy('haproxy', target, undefined))
    await server.request({ cmd: 'reset' }, 'reset', 10_000)
    const t = await takingTurnsLatency(target, proxies, { count: V.echoes, warmup: V.echoWarmup, size: V.echoSize })
    const us = (k) => ({ p50: t.p50[k], p99: t.p99[k] })
    rec.us = { direct: us(0), bare: us(1), tcpscope: us(2), haproxy: us(3) }
    rec.proxyCpuPerEchoUs = { bare: t.cpuPerEchoUs[0], tcpscope: t.cpuPerEchoUs[1], haproxy: t.cpuPerEchoUs[2] }
    const echoes = V.echoes + V.echoWarmup
    const st = await serverStats()
    const bytesEachWay = echoes * V.echoSize
    if (st.echoBytes !== 4 * bytesEachWay) fail(rec, `BYTE COUNT MISMATCH: sent ${4 * bytesEachWay} bytes, the echo server counted ${st.echoBytes}`)
    if (st.errors) fail(rec, `the echo server saw ${st.errors} socket errors: ${JSON.stringify(st.errorCodes)}`)
    for (const p of proxies.splice(0)) {
      const stop = await p.stop(opts.stopMs)
      if (stop.timedOut || stop.code !== 0) fail(rec, `${p.name} exited with code ${stop.code}${stop.timedOut ? ' (killed: no exit after SIGTERM)' : ''}; stderr: ${stop.stderr.trim().slice(0, 300) || '(empty)'}`)
      if (p.name.startsWith('tcpscope')) {
        rec.proxy = {}
        checkSummary(rec, stop.lines, { client: bytesEachWay, server: bytesEachWay, connections: 1, exact: true }, capturePath)
      }
    }
    const d = rec.us
    console.error(`  [round ${round}] latency, taking turns: p50 µs direct ${fmt(d.direct.p50)} bare ${fmt(d.bare.p50)} haproxy ${fmt(d.haproxy.p50)} tcpscope ${fmt(d.tcpscope.p50)}`)
  } catch (err) {
    fail(rec, err.message)
  } finally {
    for (const p of proxies) {
      p.kill()
      await p.exit
    }
    rmSync(captureDir, { recursive: true, force: true })
    mkdirSync(captureDir, { recursive: true })
  }
  return rec
}

/** Cross-checks the summary tcpscope prints on exit against what the bench sent and received. */
function checkSummary(rec, lines, traffic, capturePath, name = 'tcpscope') {
  let summary
  for (const line of lines) {
    try {
      const m = JSON.parse(line)
      if (m && m.type === 'summary') summary = m
    } catch {}
  }
  if (!summary) return fail(rec, `${name} printed no {"type":"summary"} line on exit; its last output: ${lines.slice(-3).join(' | ').slice(0, 300) || '(none)'}`)
  rec.proxy.summary = summary
  const say = (what, theirs, ours) => fail(rec, `${name}'s summary says ${what} ${theirs}, the bench counted ${ours}`)
  if (typeof summary.bytes?.client === 'number' && traffic.exact) {
    if (summary.bytes.client !== traffic.client) say('client bytes', summary.bytes.client, traffic.client)
    if (summary.bytes.server !== traffic.server) say('server bytes', summary.bytes.server, traffic.server)
  }
  if (typeof summary.connections === 'number' && summary.connections !== traffic.connections) say('connections', summary.connections, traffic.connections)
  if (typeof summary.captureBytes === 'number' && existsSync(capturePath)) {
    const size = statSync(capturePath).size
    if (summary.captureBytes !== size) say('captureBytes', summary.captureBytes, `a file of ${size} bytes`)
  }
}

async function bulkCase(rec, phase, host, port) {
  const conns = phase.id === 'bulk1' ? 1 : V.bulk8Conns
  const each = phase.id === 'bulk1' ? V.bulk1 : V.bulk8Each
  const total = conns * each
  const r = await bulk({ host, port, conns, bytesPerConn: each, stallMs: opts.stallMs })
  rec.connections = conns
  rec.bytes = total
  rec.ms = r.ms
  if (r.stalled) fail(rec, r.stalled)
  r.perConn.forEach((c, i) => {
    if (c.error) return fail(rec, `connection ${i + 1}/${conns}: ${c.error} (${c.sent ?? '?'} of ${each} bytes handed to the socket)`)
    if (c.ack.bytes !== each) fail(rec, `BYTE COUNT MISMATCH on connection ${i + 1}/${conns}: sent ${each}, the sink received ${c.ack.bytes} (${c.ack.bytes - each > 0 ? '+' : ''}${c.ack.bytes - each})`)
    if (c.ack.bad) fail(rec, `CONTENT MISMATCH on connection ${i + 1}/${conns}: ${c.ack.bad} chunks differ from what was sent, the first at byte ${c.ack.firstBadAt}`)
    if (c.extra) fail(rec, `connection ${i + 1}/${conns}: ${c.extra} unexpected bytes after the sink's answer`)
  })
  const st = await serverStats()
  rec.sink = st
  if (st.sinkBytes !== total) fail(rec, `BYTE COUNT MISMATCH: sent ${total} bytes in all, the sink counted ${st.sinkBytes} (${st.sinkBytes - total > 0 ? '+' : ''}${st.sinkBytes - total})`)
  if (st.sinkConns !== conns) fail(rec, `the sink saw ${st.sinkConns} connections, expected ${conns}`)
  if (st.sinkBadChunks) fail(rec, `CONTENT MISMATCH: the sink found ${st.sinkBadChunks} chunks that differ from what was sent`)
  if (st.errors) fail(rec, `the sink saw ${st.errors} socket errors: ${JSON.stringify(st.errorCodes)}`)
  rec.mibps = total / MiB / (r.ms / 1000)
  progress(rec, `${fmt(rec.mibps)} MiB/s  (${fmtBytes(total)} in ${fmt(r.ms / 1000, 2)} s, sink counted ${st.sinkBytes} bytes)`)
  const answers = r.perConn.reduce((a, c) => a + (c.answerBytes ?? 0), 0)
  return { client: total, server: answers, connections: conns, exact: r.perConn.every((c) => !c.error) }
}

async function echoCase(rec, phase, host, port) {
  const conns = phase.id === 'echo1' ? 1 : V.bulk8Conns
  const each = phase.id === 'echo1' ? V.echo1 : V.echo8Each
  const total = conns * each
  const r = await echoBulk({ host, port, conns, bytesPerConn: each, stallMs: opts.stallMs })
  rec.connections = conns
  rec.bytes = 2 * total // both ways go through the proxy: CPU per GiB counts both
  rec.ms = r.ms
  if (r.stalled) fail(rec, r.stalled)
  r.perConn.forEach((c, i) => {
    if (c.error) return fail(rec, `connection ${i + 1}/${conns}: ${c.error} (${c.sent ?? '?'} of ${each} bytes handed to the socket)`)
    if (c.got !== each) fail(rec, `BYTE COUNT MISMATCH on connection ${i + 1}/${conns}: sent ${each}, ${c.got} came back`)
    else if (!c.same) fail(rec, `CONTENT MISMATCH on connection ${i + 1}/${conns}: the echo's SHA-256 differs from what was sent`)
  })
  const st = await serverStats()
  rec.sink = st
  if (st.echoBytes !== total) fail(rec, `BYTE COUNT MISMATCH: sent ${total} bytes in all, the echo server counted ${st.echoBytes}`)
  if (st.errors) fail(rec, `the echo server saw ${st.errors} socket errors: ${JSON.stringify(st.errorCodes)}`)
  rec.mibps = total / MiB / (r.ms / 1000)
  progress(rec, `${fmt(rec.mibps)} MiB/s each way  (${fmtBytes(total)} in ${fmt(r.ms / 1000, 2)} s, SHA-256 checked)`)
  return { client: total, server: total, connections: conns, exact: r.perConn.every((c) => !c.error) }
}

/** redis-benchmark, plain then pipelined, through the case's proxy (or straight) to the one redis-server. */
async function redisCase(rec, host, port) {
  const t0 = performance.now()
  const plain = redisBenchmark({ host, port, clients: V.redisClients, requests: V.redisRequests })
  const pipelined = redisBenchmark({ host, port, clients: V.redisClients, requests: V.redisPipelined, pipeline: V.redisPipeline })
  rec.ms = performance.now() - t0
  rec.redis = { plain, pipelined }
  rec.requests = 2 * (V.redisRequests + V.redisPipelined)
  progress(rec, `SET ${fmt(plain.SET, 0)} GET ${fmt(plain.GET, 0)} requests/s; -P ${V.redisPipeline}: SET ${fmt(pipelined.SET, 0)} GET ${fmt(pipelined.GET, 0)}`)
  return { client: 0, server: 0, connections: 0, exact: false }
}

async function latencyCase(rec, host, port) {
  const r = await latency({ host, port, count: V.echoes, warmup: V.echoWarmup, size: V.echoSize, stallMs: opts.stallMs }).catch((err) => {
    throw new Error(`${err.message.startsWith('latency') ? '' : 'latency: '}${err.message} (after ${err.done ?? '?'} echoes)`)
  })
  const sorted = r.samples.slice().sort()
  rec.echoes = V.echoes + V.echoWarmup
  rec.ms = r.ms
  rec.us = {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length
  }
  if (r.mismatches) fail(rec, `CONTENT MISMATCH: ${r.mismatches} echoes came back different from what was sent`)
  const st = await serverStats()
  rec.sink = st
  if (st.echoBytes !== r.bytesEachWay) fail(rec, `BYTE COUNT MISMATCH: sent ${r.bytesEachWay} bytes, the echo server counted ${st.echoBytes}`)
  if (st.errors) fail(rec, `the echo server saw ${st.errors} socket errors: ${JSON.stringify(st.errorCodes)}`)
  progress(rec, `p50 ${fmt(rec.us.p50)} µs  p99 ${fmt(rec.us.p99)} µs`)
  return { client: r.bytesEachWay, server: r.bytesEachWay, connections: 1, exact: true }
}

/** Unmeasured churn before the measured run; it must be as clean as the run itself. */
async function churnWarmup(rec, host, port) {
  const r = await churn({ host, port, total: V.churnWarmup, concurrency: V.churnConcurrency, size: V.churnSize, stallMs: opts.stallMs })
  if (r.stalled) fail(rec, `warm-up: ${r.stalled}`)
  if (r.mismatches || r.errorCount) fail(rec, `warm-up: ${r.errorCount} of ${r.attempted} connections failed, ${r.mismatches} echoes differed: ${JSON.stringify(r.errors)}`)
  rec.churnWarmup = { attempted: r.attempted, ok: r.ok }
  return { connections: r.attempted, bytes: r.ok * V.churnSize }
}

async function churnCase(rec, host, port) {
  const r = await churn({ host, port, total: V.churn, concurrency: V.churnConcurrency, size: V.churnSize, stallMs: opts.stallMs })
  rec.ms = r.ms
  rec.connections = r.ok
  rec.churn = { attempted: r.attempted, ok: r.ok, errors: r.errorCount, errorCodes: r.errors, mismatches: r.mismatches }
  rec.connsPerSec = r.ok / (r.ms / 1000)
  if (r.stalled) fail(rec, r.stalled)
  if (r.mismatches) fail(rec, `CONTENT MISMATCH: ${r.mismatches} connections got back a different echo`)
  if (r.errorCount) fail(rec, `${r.errorCount} of ${r.attempted} connections failed: ${JSON.stringify(r.errors)}`)
  const st = await serverStats()
  rec.sink = st
  if (!r.errorCount && st.echoBytes !== r.bytesSent) fail(rec, `BYTE COUNT MISMATCH: sent ${r.bytesSent} bytes, the echo server counted ${st.echoBytes}`)
  if (!r.errorCount && st.echoConns !== r.attempted) fail(rec, `the echo server saw ${st.echoConns} connections, expected ${r.attempted}`)
  progress(rec, `${fmt(rec.connsPerSec)} connections/s  (${r.ok}/${r.attempted} ok, ${r.errorCount} errors)`)
  const echoed = r.ok * V.churnSize
  return { client: echoed, server: echoed, connections: r.attempted, exact: r.errorCount === 0 }
}

async function runWriterCase(round) {
  const rec = { round, phase: 'bulk1', case: 'writer', ok: true, errors: [] }
  let w
  try {
    w = new Helper(join(BENCH, 'disk-writer.mjs'), [], 'plain writer')
    await w.wait('ready', 20_000)
    const file = join(writerDir, `round${round}.bin`)
    const bytes = V.writer
    const rssAtStart = memory(w.pid).rss
    const t0 = cpuTimes(w.pid)
    const c0 = t0.user + t0.sys
    const written = await w.request({ cmd: 'write', file, bytes }, 'written', 600_000)
    const t1 = cpuTimes(w.pid)
    const c1 = t1.user + t1.sys
    rec.cpuUserS = round3(t1.user - t0.user)
    rec.cpuSysS = round3(t1.sys - t0.sys)
    const synced = await w.request({ cmd: 'fsync' }, 'synced', 600_000)
    const c2 = cpuSeconds(w.pid)
    const mem = memory(w.pid)
    await w.request({ cmd: 'remove' }, 'removed', 60_000)
    rec.bytes = bytes
    rec.ms = written.ms
    rec.fsyncMs = synced.ms
    rec.mibps = bytes / MiB / (written.ms / 1000)
    rec.mibpsWithFsync = bytes / MiB / ((written.ms + synced.ms) / 1000)
    rec.cpuS = c1 - c0
    rec.cpuPerGiB = (c1 - c0) / (bytes / GiB)
    rec.cpuPerGiBWithFsync = (c2 - c0) / (bytes / GiB)
    rec.peakRss = mem.hwm
    rec.rssGrowth = mem.hwm - rssAtStart
    rec.fileBytes = synced.size
    if (synced.size !== bytes) fail(rec, `BYTE COUNT MISMATCH: the plain writer's file holds ${synced.size} bytes, expected ${bytes}`)
    progress(rec, `${fmt(rec.mibps)} MiB/s writev, ${fmt(rec.mibpsWithFsync)} MiB/s with fsync, ${fmt(rec.cpuPerGiB, 2)} CPU s/GiB`)
  } catch (err) {
    fail(rec, err.message)
  } finally {
    if (w) await w.close()
    rmSync(writerDir, { recursive: true, force: true })
    mkdirSync(writerDir, { recursive: true })
  }
  return rec
}

/** CPU seconds of this process's reaped children so far (cutime + cstime of /proc/self/stat). */
function childrenCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[13]) + Number(fields[14])) / CLK_TCK
}

/**
 * The disk's own limit for tcpscope's O_DIRECT writer: the same volume written with
 * `dd oflag=direct` in the writer's block size (direct-writer.ts: 2 MiB staging buffers),
 * then fsynced. Node's fs cannot ask for aligned memory, and dd's is aligned; dd keeps one
 * write in flight where the writer keeps up to three, so this is the disk at queue depth 1.
 */
const DIRECT_BLOCK = 2 * MiB
async function runDirectWriterCase(round) {
  const rec = { round, phase: 'bulk1', case: 'odirect', ok: true, errors: [] }
  const file = join(writerDir, `round${round}-direct.bin`)
  try {
    const blocks = Math.ceil(V.writer / DIRECT_BLOCK)
    const cpu0 = childrenCpuSeconds()
    const t0 = performance.now()
    const ddArgs = ['if=/dev/zero', `of=${file}`, `bs=${DIRECT_BLOCK}`, `count=${blocks}`, 'oflag=direct', 'conv=fsync']
    const dd = spawnSync(...(diskLimit ? diskLimit.wrap('dd', ddArgs) : ['dd', ddArgs]), { encoding: 'utf8', timeout: 600_000 })
    const ms = performance.now() - t0
    if (dd.error) throw new Error(`dd: ${dd.error.message}`)
    if (dd.status !== 0) throw new Error(`dd oflag=direct failed (${dd.status}): ${dd.stderr.trim().split('\n').pop()} (a file system without O_DIRECT, e.g. tmpfs, cannot give this row)`)
    rec.bytes = blocks * DIRECT_BLOCK
    rec.fileBytes = statSync(file).size
    if (rec.fileBytes !== rec.bytes) fail(rec, `BYTE COUNT MISMATCH: dd's file holds ${rec.fileBytes} bytes, expected ${rec.bytes}`)
    rec.ms = ms
    rec.mibps = rec.bytes / MiB / (ms / 1000)
    rec.mibpsWithFsync = rec.mibps
    rec.cpuS = childrenCpuSeconds() - cpu0
    rec.cpuPerGiB = rec.cpuS / (rec.bytes / GiB)
    rec.cpuPerGiBWithFsync = rec.cpuPerGiB
    progress(rec, `${fmt(rec.mibps)} MiB/s O_DIRECT in ${fmtBytes(DIRECT_BLOCK)} blocks incl. fsync, ${fmt(rec.cpuPerGiB, 2)} CPU s/GiB`)
  } catch (err) {
    fail(rec, err.message)
  } finally {
    rmSync(file, { force: true })
  }
  return rec
}

// ---------------------------------------------------------------------------------------
// Summary

/**
 * The writer's pace from tcpscope's summary (WriterPace): the share of the run it had a write
 * in flight, the share it held the traffic back, and what the disk gave while busy.
 */
function pace(r) {
  const w = r.proxy?.summary?.writer
  if (!w || !(w.elapsedMs > 0)) return undefined
  return { busyPct: (100 * w.busyMs) / w.elapsedMs, behindPct: (100 * w.behindMs) / w.elapsedMs, busyMibps: w.busyMs > 0 ? w.written / MiB / (w.busyMs / 1000) : NaN }
}

function summarize(records) {
  const pick = (phase, kase, get) => records.filter((r) => r.phase === phase && r.case === kase && r.ok).map(get)
  const stat = (phase, kase, get) => {
    const all = records.filter((r) => r.phase === phase && r.case === kase)
    const v = pick(phase, kase, get).filter((x) => Number.isFinite(x))
    return { median: median(v), spreadPct: spread(v), values: v, okRounds: all.filter((r) => r.ok).length, rounds: all.length }
  }
  const M = {}
  const want = {
    bulk1: { mibps: (r) => r.mibps, mainThreadCpuPerGiB: (r) => r.proxyMainThreadCpuPerGiB, writerBusyPct: (r) => pace(r)?.busyPct, writerBehindPct: (r) => pace(r)?.behindPct, writerBusyMibps: (r) => pace(r)?.busyMibps, proxyCpuPerGiB: (r) => r.proxyCpuPerGiB ?? r.cpuPerGiB, proxyCpuWithFsyncPerGiB: (r) => r.proxyCpuWithFsyncPerGiB ?? r.cpuPerGiBWithFsync, peakRssMiB: (r) => (r.proxy?.peakRss ?? r.peakRss) / MiB, rssGrowthMiB: (r) => (r.proxy?.rssGrowth ?? r.rssGrowth) / MiB, captureBytes: (r) => r.captureBytes, stopS: (r) => r.proxy?.stop?.ms / 1000, mibpsWithFsync: (r) => r.mibpsWithFsync, cpuPerGiBWithFsync: (r) => r.cpuPerGiBWithFsync, fsyncS: (r) => r.fsyncMs / 1000, serverCpuPerGiB: (r) => r.serverCpuS / (r.bytes / GiB), clientCpuPerGiB: (r) => r.clientCpuS / (r.bytes / GiB) },
    bulk8: { mibps: (r) => r.mibps, mainThreadCpuPerGiB: (r) => r.proxyMainThreadCpuPerGiB, writerBusyPct: (r) => pace(r)?.busyPct, writerBehindPct: (r) => pace(r)?.behindPct, writerBusyMibps: (r) => pace(r)?.busyMibps, proxyCpuPerGiB: (r) => r.proxyCpuPerGiB, proxyCpuWithFsyncPerGiB: (r) => r.proxyCpuWithFsyncPerGiB, peakRssMiB: (r) => r.proxy?.peakRss / MiB, rssGrowthMiB: (r) => r.proxy?.rssGrowth / MiB, captureBytes: (r) => r.captureBytes, stopS: (r) => r.proxy?.stop?.ms / 1000, serverCpuPerGiB: (r) => r.serverCpuS / (r.bytes / GiB), clientCpuPerGiB: (r) => r.clientCpuS / (r.bytes / GiB) },
    latency: { p50: (r) => r.us.p50, p90: (r) => r.us.p90, p99: (r) => r.us.p99, p999: (r) => r.us.p999, max: (r) => r.us.max, proxyCpuPerEchoUs: (r) => r.proxyCpuPerEchoUs, peakRssMiB: (r) => r.proxy?.peakRss / MiB, rssGrowthMiB: (r) => r.proxy?.rssGrowth / MiB },
    echo1: { mibps: (r) => r.mibps, proxyCpuPerGiB: (r) => r.proxyCpuPerGiB, peakRssMiB: (r) => r.proxy?.peakRss / MiB },
    echo8: { mibps: (r) => r.mibps, proxyCpuPerGiB: (r) => r.proxyCpuPerGiB, peakRssMiB: (r) => r.proxy?.peakRss / MiB },
    redis: { setPlain: (r) => r.redis.plain.SET, getPlain: (r) => r.redis.plain.GET, setPiped: (r) => r.redis.pipelined.SET, getPiped: (r) => r.redis.pipelined.GET, proxyCpuPerRequestUs: (r) => r.proxyCpuPerRequestUs, peakRssMiB: (r) => r.proxy?.peakRss / MiB },
    churn: { connsPerSec: (r) => r.connsPerSec, errors: (r) => r.churn.errors, proxyCpuPerConnMs: (r) => r.proxyCpuPerConnMs, peakRssMiB: (r) => r.proxy?.peakRss / MiB, rssGrowthMiB: (r) => r.proxy?.rssGrowth / MiB, stopS: (r) => r.proxy?.stop?.ms / 1000 }
  }
  for (const p of PHASES) {
    M[p.id] = {}
    for (const kase of p.cases) {
      M[p.id][kase] = {}
      for (const [k, get] of Object.entries(want[p.id])) M[p.id][kase][k] = stat(p.id, kase, (r) => get(r))
    }
  }
  // Churn errors must count failed rounds too.
  if (M.churn) for (const kase of Object.keys(M.churn)) M.churn[kase].errors.values = records.filter((r) => r.phase === 'churn' && r.case === kase).map((r) => r.churn?.errors ?? NaN)

  const m = (phase, kase, key) => M[phase]?.[kase]?.[key]?.median ?? NaN
  // tcpscope against the bare forwarder round by round: the two cases of a round run back to
  // back, so this cancels the machine's drift between rounds (10-30% on a shared VM), which
  // a ratio of the two medians, taken from different rounds, does not.
  const perRound = (phase, f, kase = 'tcpscope', ref = 'bare') => {
    const values = []
    for (let n = 1; n <= opts.rounds; n++) {
      const of = (k) => records.find((r) => r.phase === phase && r.case === k && r.round === n && r.ok)
      const t = of(kase)
      const b = of(ref)
      const v = t && b ? f(t, b) : NaN
      if (Number.isFinite(v)) values.push(v)
    }
    return { median: median(values), min: Math.min(...values), max: Math.max(...values), values }
  }
  const ratios = {}
  for (const b of ['bulk1', 'bulk8']) {
    if (!M[b]) continue
    const writerMibps = m('bulk1', 'writer', 'mibps')
    const writerMibpsFsync = m('bulk1', 'writer', 'mibpsWithFsync')
    const cpuBaseline = m(b, 'bare', 'proxyCpuPerGiB') + m('bulk1', 'writer', 'proxyCpuPerGiB')
    ratios[b] = {
      throughputVsBare: m(b, 'tcpscope', 'mibps') / m(b, 'bare', 'mibps'),
      throughputVsDirect: m(b, 'tcpscope', 'mibps') / m(b, 'direct', 'mibps'),
      throughputVsWriter: m(b, 'tcpscope', 'mibps') / writerMibps,
      throughputVsWriterWithFsync: m(b, 'tcpscope', 'mibps') / writerMibpsFsync,
      cpuPerGiBTcpscope: m(b, 'tcpscope', 'proxyCpuPerGiB'),
      cpuPerGiBBarePlusWriter: cpuBaseline,
      cpuVsBarePlusWriter: m(b, 'tcpscope', 'proxyCpuPerGiB') / cpuBaseline,
      cpuTarget: 1.15
    }
  }
  if (M.bulk1) {
    ratios.rssGrowthMiB = m('bulk1', 'tcpscope', 'rssGrowthMiB')
    ratios.rssGrowthCapturedBytes = V.bulk1
    ratios.rssTargetMiB = 100
    const caps = records.filter((r) => r.phase === 'bulk1' && r.case === 'tcpscope').map((r) => r.captureBytes)
    ratios.captureBytesAfterBulk1 = caps
  }
  if (M.latency) {
    const turns = records.filter((r) => r.phase === 'latency-turns' && r.ok)
    const med = (get) => median(turns.map(get))
    const diffs = (q) => {
      const values = turns.map((r) => r.us.tcpscope[q] - r.us.bare[q])
      return { median: median(values), min: Math.min(...values), max: Math.max(...values), values }
    }
    ratios.latencyTurns = {
      rounds: turns.length,
      p50: { direct: med((r) => r.us.direct.p50), bare: med((r) => r.us.bare.p50), haproxy: med((r) => r.us.haproxy.p50), tcpscope: med((r) => r.us.tcpscope.p50) },
      p99: { direct: med((r) => r.us.direct.p99), bare: med((r) => r.us.bare.p99), haproxy: med((r) => r.us.haproxy.p99), tcpscope: med((r) => r.us.tcpscope.p99) },
      cpuPerEchoUs: { bare: med((r) => r.proxyCpuPerEchoUs.bare), haproxy: med((r) => r.proxyCpuPerEchoUs.haproxy), tcpscope: med((r) => r.proxyCpuPerEchoUs.tcpscope) },
      p50DiffUs: diffs('p50'),
      p99DiffUs: diffs('p99')
    }
    ratios.latency = {
      p50DiffUs: perRound('latency', (t, b) => t.us.p50 - b.us.p50),
      p99DiffUs: perRound('latency', (t, b) => t.us.p99 - b.us.p99),
      p50TargetUs: 10,
      p50DiffVsDirectUs: m('latency', 'tcpscope', 'p50') - m('latency', 'direct', 'p50'),
      p99DiffVsDirectUs: m('latency', 'tcpscope', 'p99') - m('latency', 'direct', 'p99')
    }
  }
  if (M.churn) {
    ratios.churn = {
      connsPerSecVsBare: perRound('churn', (t, b) => t.connsPerSec / b.connsPerSec),
      cpuPerConnVsBare: perRound('churn', (t, b) => t.proxyCpuPerConnMs / b.proxyCpuPerConnMs),
      connsPerSecTarget: 0.9
    }
  }
  ratios.vsHaproxy = haproxyRatios(records, perRound)
  return { medians: M, ratios }
}

/**
 * Issue 18's table: tcpscope ÷ haproxy (and the bare forwarder ÷ haproxy, for scale), each
 * round's ratio of the two cases run back to back, median over rounds. `better` says which
 * way is good: 'higher' for rates (target >= 1), 'lower' for latency and CPU (target <= 1).
 */
function haproxyRatios(records, perRound) {
  const rows = []
  // The disk's limit in a round: the O_DIRECT writer's MiB/s (bulk1's `odirect` case).
  const diskOf = (round) => records.find((r) => r.phase === 'bulk1' && r.case === 'odirect' && r.round === round && r.ok)?.mibps
  /** tcpscope ÷ min(haproxy, disk), each round's, median over rounds: what the proxy reaches of what the slower of the two allows. */
  const vsLimit = (phase, kase) => {
    const values = []
    for (let n = 1; n <= opts.rounds; n++) {
      const of = (k) => records.find((r) => r.phase === phase && r.case === k && r.round === n && r.ok)
      const t = of(kase)
      const h = of('haproxy')
      const d = diskOf(n)
      const v = t && h && d ? t.mibps / Math.min(h.mibps, d) : NaN
      if (Number.isFinite(v)) values.push(v)
    }
    return { median: median(values), min: Math.min(...values), max: Math.max(...values), values }
  }
  const add = (label, phase, get, better, { kase = 'tcpscope', limit = false } = {}) => {
    if (!PHASES.some((p) => p.id === phase)) return
    const f = (a, b) => get(a) / get(b)
    // A variant of tcpscope (workers, the second --dir) gets a row of its own, without the baselines again.
    const baselines = kase === 'tcpscope' ? { bare: perRound(phase, f, 'bare', 'haproxy') } : {}
    rows.push({ label, better, tcpscope: perRound(phase, f, kase, 'haproxy'), ...baselines, ...(limit ? { vsLimit: vsLimit(phase, kase) } : {}) })
  }
  const mibps = (r) => r.mibps
  add(`bulk, 1 connection (${fmtBytes(V.bulk1)}): throughput`, 'bulk1', mibps, 'higher', { limit: true })
  add('  the same, tcpscope --workers auto', 'bulk1', mibps, 'higher', { kase: 'tcpscope-w', limit: true })
  if (opts.dirs.length > 1) add(`  the same, capture in ${opts.dirs[1]}`, 'bulk1', mibps, 'higher', { kase: 'tcpscope2', limit: true })
  add(`bulk, ${V.bulk8Conns} connections: throughput`, 'bulk8', mibps, 'higher', { limit: true })
  add('  the same, tcpscope --workers auto', 'bulk8', mibps, 'higher', { kase: 'tcpscope-w', limit: true })
  if (opts.dirs.length > 1) add(`  the same, capture in ${opts.dirs[1]}`, 'bulk8', mibps, 'higher', { kase: 'tcpscope2', limit: true })
  add('echo with SHA checks, 1 connection: throughput', 'echo1', mibps, 'higher')
  add(`echo with SHA checks, ${V.bulk8Conns} connections: throughput`, 'echo8', mibps, 'higher')
  add('  the same, tcpscope --workers auto', 'echo8', mibps, 'higher', { kase: 'tcpscope-w' })
  add('connections per second (churn)', 'churn', (r) => r.connsPerSec, 'higher')
  add('  the same, tcpscope --workers auto', 'churn', (r) => r.connsPerSec, 'higher', { kase: 'tcpscope-w' })
  add('redis-benchmark SET, 50 clients', 'redis', (r) => r.redis.plain.SET, 'higher')
  add('redis-benchmark GET, 50 clients', 'redis', (r) => r.redis.plain.GET, 'higher')
  add(`redis-benchmark SET, 50 clients, -P ${V.redisPipeline}`, 'redis', (r) => r.redis.pipelined.SET, 'higher')
  add(`redis-benchmark GET, 50 clients, -P ${V.redisPipeline}`, 'redis', (r) => r.redis.pipelined.GET, 'higher')
  add('p50 latency, case after case', 'latency', (r) => r.us.p50, 'lower')
  if (PHASES.some((p) => p.id === 'latency')) {
    const turns = records.filter((r) => r.phase === 'latency-turns' && r.ok)
    const of = (k) => {
      const values = turns.map((r) => r.us[k].p50 / r.us.haproxy.p50).filter(Number.isFinite)
      return { median: median(values), min: Math.min(...values), max: Math.max(...values), values }
    }
    rows.push({ label: 'p50 latency, taking turns', better: 'lower', tcpscope: of('tcpscope'), bare: of('bare') })
  }
  add('proxy CPU per connection (churn)', 'churn', (r) => r.proxyCpuPerConnMs, 'lower')
  add('proxy CPU per GiB, bulk 1 connection', 'bulk1', (r) => r.proxyCpuPerGiB, 'lower')
  add(`proxy CPU per GiB, bulk ${V.bulk8Conns} connections`, 'bulk8', (r) => r.proxyCpuPerGiB, 'lower')
  // The goal's allowance: haproxy's CPU plus what writing the bytes to disk costs, taken as
  // the same round's plain writer (page-cache writev, no forwarding).
  if (PHASES.some((p) => p.id === 'bulk1')) {
    const writerOf = (round) => records.find((r) => r.phase === 'bulk1' && r.case === 'writer' && r.round === round && r.ok)?.cpuPerGiB
    for (const [label, phase] of [['bulk 1 connection', 'bulk1'], [`bulk ${V.bulk8Conns} connections`, 'bulk8']]) {
      if (!PHASES.some((p) => p.id === phase)) continue
      const f = (a, b) => a.proxyCpuPerGiB / (b.proxyCpuPerGiB + writerOf(a.round))
      rows.push({ label: `proxy CPU per GiB, ${label}, vs haproxy + plain writer`, better: 'lower', tcpscope: perRound(phase, f, 'tcpscope', 'haproxy'), bare: perRound(phase, f, 'bare', 'haproxy') })
    }
  }
  add('proxy CPU per GiB, echo 1 connection', 'echo1', (r) => r.proxyCpuPerGiB, 'lower')
  add(`proxy CPU per GiB, echo ${V.bulk8Conns} connections`, 'echo8', (r) => r.proxyCpuPerGiB, 'lower')
  add('proxy CPU per redis request', 'redis', (r) => r.proxyCpuPerRequestUs, 'lower')
  return rows
}

function printReport(meta, summary) {
  const { medians: M, ratios: R } = summary
  const out = []
  const cell = (s, digits = 1) => {
    if (!s || s.okRounds === 0) return s && s.rounds ? 'FAILED' : '-'
    let t = fmt(s.median, digits)
    if (Number.isFinite(s.spreadPct)) t += ` ±${fmt(s.spreadPct / 2, 0)}%`
    if (s.okRounds < s.rounds) t += ` (${s.okRounds}/${s.rounds} ok)`
    return t
  }
  out.push('')
  out.push(`tcpscope bench — ${meta.rounds} round(s), ${meta.quick ? 'QUICK volumes (smoke test)' : 'full volumes'}, interleaved ${PHASES.map((p) => p.cases.length).join('/')} cases per phase`)
  out.push(`node ${meta.node}, ${meta.cpus} CPU(s), CLK_TCK ${meta.clkTck}, commit ${meta.commit.slice(0, 10)}, ${meta.date}`)
  out.push(`capture and writer files under ${meta.tmp} (same filesystem: ${meta.sameDisk ? 'yes' : 'NO'})${meta.tmp2 ? `; "tcpscope 2" captures under ${meta.tmp2}` : ''}; values are medians over rounds, ±half the spread`)
  if (meta.diskLimit) out.push(`--disk-limit: writes to ${meta.diskLimit.disk} throttled to ${meta.diskLimit.mbps} MB/s for tcpscope (first --dir) and the O_DIRECT row`)
  for (const p of PHASES) {
    const cases = p.cases
    const head = ['', ...cases.map((c) => CASE_TITLE[c])]
    const row = (label, key, digits, only) => [label, ...cases.map((c) => (only && !only.includes(c) ? '' : cell(M[p.id][c][key], digits)))]
    const rows = [head]
    if (p.group === 'bulk') {
      rows.push(row('throughput MiB/s', 'mibps', 1))
      if (p.cases.includes('writer')) rows.push(row('  writer incl. fsync MiB/s', 'mibpsWithFsync', 1, ['writer', 'odirect']))
      rows.push(row('proxy/writer CPU s/GiB', 'proxyCpuPerGiB', 2, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2', 'writer', 'odirect']))
      // The part no thread but the main one can take (with workers: applying batches, the index, writing): what bounds more cores.
      rows.push(row('  of it, the main thread', 'mainThreadCpuPerGiB', 2, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('peak RSS MiB (VmHWM)', 'peakRssMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2', 'writer']))
      rows.push(row('RSS growth MiB', 'rssGrowthMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2', 'writer']))
      rows.push(['capture file MiB', ...cases.map((c) => (isTcpscope(c) ? fmt(M[p.id][c].captureBytes.median / MiB, 1) : ''))])
      rows.push(row('stop (flush+fsync) s', 'stopS', 2, ['tcpscope', 'tcpscope-w', 'tcpscope2']))
      // Who set the pace: a writer busy nearly all the time, holding the traffic back, means the disk did.
      rows.push(row('  writer busy %', 'writerBusyPct', 0, ['tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('  traffic held back %', 'writerBehindPct', 0, ['tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('  disk MiB/s while busy', 'writerBusyMibps', 0, ['tcpscope', 'tcpscope-w', 'tcpscope2']))
      if (p.cases.includes('writer')) rows.push(row('writer fsync s', 'fsyncS', 2, ['writer']))
      rows.push(row('sink CPU s/GiB', 'serverCpuPerGiB', 2, ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('client CPU s/GiB', 'clientCpuPerGiB', 2, ['direct', 'bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
    } else if (p.group === 'latency') {
      rows.push(row('p50 µs', 'p50', 1))
      rows.push(row('p90 µs', 'p90', 1))
      rows.push(row('p99 µs', 'p99', 1))
      rows.push(row('p99.9 µs', 'p999', 1))
      rows.push(row('max µs', 'max', 0))
      rows.push(row('proxy CPU µs/echo', 'proxyCpuPerEchoUs', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('RSS growth MiB', 'rssGrowthMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
    } else if (p.group === 'echo') {
      rows.push(row('throughput MiB/s each way', 'mibps', 1))
      rows.push(row('proxy CPU s/GiB (both ways)', 'proxyCpuPerGiB', 2, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('peak RSS MiB (VmHWM)', 'peakRssMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
    } else if (p.group === 'redis') {
      rows.push(row('SET requests/s', 'setPlain', 0))
      rows.push(row('GET requests/s', 'getPlain', 0))
      rows.push(row(`SET requests/s, -P ${V.redisPipeline}`, 'setPiped', 0))
      rows.push(row(`GET requests/s, -P ${V.redisPipeline}`, 'getPiped', 0))
      rows.push(row('proxy CPU µs/request', 'proxyCpuPerRequestUs', 2, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('peak RSS MiB (VmHWM)', 'peakRssMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
    } else {
      rows.push(row('connections/s', 'connsPerSec', 0))
      rows.push(['errors (all rounds)', ...cases.map((c) => String(M[p.id][c].errors.values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0)))])
      rows.push(row('proxy CPU ms/connection', 'proxyCpuPerConnMs', 3, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('peak RSS MiB (VmHWM)', 'peakRssMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
      rows.push(row('RSS growth MiB', 'rssGrowthMiB', 1, ['bare', 'haproxy', 'tcpscope', 'tcpscope-w', 'tcpscope2']))
    }
    out.push('')
    out.push(p.title)
    out.push(table(rows))
    if (p.group === 'latency' && R.latencyTurns?.rounds) {
      const T = R.latencyTurns
      out.push('')
      out.push(`The same, taking turns echo by echo, the three proxies running (medians over ${T.rounds} round(s))`)
      out.push(
        table([
          ['', 'direct', 'bare fwd', 'haproxy', 'tcpscope'],
          ['p50 µs', fmt(T.p50.direct, 1), fmt(T.p50.bare, 1), fmt(T.p50.haproxy, 1), fmt(T.p50.tcpscope, 1)],
          ['p99 µs', fmt(T.p99.direct, 1), fmt(T.p99.bare, 1), fmt(T.p99.haproxy, 1), fmt(T.p99.tcpscope, 1)],
          ['proxy CPU µs/echo', '', fmt(T.cpuPerEchoUs.bare, 1), fmt(T.cpuPerEchoUs.haproxy, 1), fmt(T.cpuPerEchoUs.tcpscope, 1)]
        ])
      )
    }
  }

  out.push('')
  out.push('Ratios: bulk from the medians; latency and churn the median of each round\'s tcpscope against that round\'s bare forwarder (range over rounds)')
  const rows = []
  const mark = (ok) => (ok === undefined ? '' : ok ? 'ok' : 'MISSED')
  const r2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-')
  for (const b of ['bulk1', 'bulk8']) {
    const x = R[b]
    if (!x) continue
    const name = b === 'bulk1' ? `1 x ${fmtBytes(V.bulk1)}` : `${V.bulk8Conns} x ${fmtBytes(V.bulk8Each)}`
    rows.push([`bulk ${name}: throughput tcpscope / bare`, r2(x.throughputVsBare), ''])
    rows.push([`bulk ${name}: throughput tcpscope / direct`, r2(x.throughputVsDirect), ''])
    rows.push([`bulk ${name}: throughput tcpscope / plain writer (writev)`, r2(x.throughputVsWriter), ''])
    rows.push([`bulk ${name}: throughput tcpscope / plain writer (incl. fsync)`, r2(x.throughputVsWriterWithFsync), ''])
    rows.push([
      `bulk ${name}: CPU/GiB tcpscope / (bare + writer) = ${fmt(x.cpuPerGiBTcpscope, 2)} / ${fmt(x.cpuPerGiBBarePlusWriter, 2)}`,
      r2(x.cpuVsBarePlusWriter),
      Number.isFinite(x.cpuVsBarePlusWriter) ? `target <= ${x.cpuTarget}: ${mark(x.cpuVsBarePlusWriter <= x.cpuTarget)}` : ''
    ])
  }
  const range = (x, show) => (x.values.length > 1 ? `(${show(x.min)} to ${show(x.max)})` : '')
  const f1 = (x) => fmt(x, 1)
  if (R.latency) {
    const t = R.latencyTurns.p50DiffUs
    const target = R.latency.p50TargetUs
    rows.push(['latency p50 tcpscope - bare, µs, taking turns', f1(t.median), `${range(t, f1)} target <= +${target}: ${mark(Number.isFinite(t.median) ? t.median <= target : undefined)}`])
    rows.push(['latency p99 tcpscope - bare, µs, taking turns', f1(R.latencyTurns.p99DiffUs.median), range(R.latencyTurns.p99DiffUs, f1)])
    const p50 = R.latency.p50DiffUs
    rows.push(['latency p50 tcpscope - bare, µs, case after case', f1(p50.median), `${range(p50, f1)} (vs direct ${f1(R.latency.p50DiffVsDirectUs)})`])
    rows.push(['latency p99 tcpscope - bare, µs, case after case', f1(R.latency.p99DiffUs.median), `${range(R.latency.p99DiffUs, f1)} (vs direct ${f1(R.latency.p99DiffVsDirectUs)})`])
  }
  if (R.churn) {
    const c = R.churn.connsPerSecVsBare
    rows.push(['churn connections/s tcpscope / bare', r2(c.median), `${range(c, r2)} target >= ${R.churn.connsPerSecTarget}: ${mark(Number.isFinite(c.median) ? c.median >= R.churn.connsPerSecTarget : undefined)}`])
    rows.push(['churn CPU per connection tcpscope / bare', r2(R.churn.cpuPerConnVsBare.median), range(R.churn.cpuPerConnVsBare, r2)])
  }
  if (R.rssGrowthMiB !== undefined) {
    rows.push([
      `RSS growth for ${fmtBytes(V.bulk1)} captured, MiB`,
      fmt(R.rssGrowthMiB, 1),
      Number.isFinite(R.rssGrowthMiB) ? `target < ${R.rssTargetMiB}: ${mark(R.rssGrowthMiB < R.rssTargetMiB)}${V.bulk1 < GiB ? ' (quick volume, not 1 GiB)' : ''}` : ''
    ])
    const caps = R.captureBytesAfterBulk1.map((b) => (b === undefined ? 'none' : `${b.toLocaleString('en-US')}`))
    const allOk = R.captureBytesAfterBulk1.length > 0 && R.captureBytesAfterBulk1.every((b) => b >= V.bulk1)
    rows.push([`capture file >= ${fmtBytes(V.bulk1)} after the ${fmtBytes(V.bulk1)} run`, allOk ? 'ok' : 'NO', `bytes per round: ${caps.join(', ')}`])
  }
  out.push(table(rows))
  if (R.vsHaproxy.length) {
    out.push('')
    out.push(`Against haproxy ${V.churnWarmup || V.echoWarmup ? '(with warm-up)' : '(every process from a cold start, no warm-up)'}: each round's ratio, median over rounds (range)`)
    const hrows = [['', 'tcpscope ÷ haproxy', 'tcpscope ÷ min(haproxy, disk)', 'bare ÷ haproxy', 'goal']]
    for (const x of R.vsHaproxy) {
      const t = x.tcpscope.median
      const met = !Number.isFinite(t) ? undefined : x.better === 'higher' ? t >= 1 : t <= 1
      const limit = x.vsLimit ? `${r2(x.vsLimit.median)} ${range(x.vsLimit, r2)}` : ''
      hrows.push([x.label, `${r2(t)} ${range(x.tcpscope, r2)}`, limit, x.bare ? r2(x.bare.median) : '', `${x.better === 'higher' ? '>= 1' : '<= 1'}: ${mark(met)}`])
    }
    out.push(`  (disk: the same round's O_DIRECT writer, dd oflag=direct in 2 MiB blocks, in the first --dir${meta.diskLimit ? `, its disk (${meta.diskLimit.disk}) throttled to ${meta.diskLimit.mbps} MB/s for it and tcpscope's capture` : ''})`)
    out.push(table(hrows))
  }
  out.push('')
  if (failures.length) {
    out.push(`FAILED: ${failures.length} error(s) — these results are not valid:`)
    for (const f of failures) out.push(`  [${f.where}] ${f.message}`)
  } else out.push('All byte counts and contents verified: no mismatches, no errors.')
  out.push(`Raw results: ${relative(process.cwd(), opts.out) || opts.out}`)
  console.log(out.join('\n'))
}

// ---------------------------------------------------------------------------------------
// Main

async function main() {
  const records = []
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memBytes: totalmem(),
    clkTck: CLK_TCK,
    rounds: opts.rounds,
    quick: opts.quick,
    only: opts.only,
    cli: opts.cli,
    volumes: V,
    commit: gitCommit(ROOT)
  }
  const setup = { round: 0, phase: '', case: '', ok: true, errors: [] }
  try {
    if (!existsSync(opts.cli)) throw new Error(`the tcpscope CLI ${opts.cli} does not exist`)
    if (opts.cli === join(ROOT, 'bin', 'tcpscope.js') && !existsSync(join(ROOT, 'out', 'cli', 'index.cjs'))) {
      throw new Error('the CLI is not built (out/cli/index.cjs is missing): run `npm run build:cli`, or use `npm run bench`')
    }
    tmpRoot = mkdtempSync(join(opts.dirs[0], 'tcpscope-bench-'))
    captureDir = join(tmpRoot, 'capture')
    if (opts.dirs.length > 1) {
      tmpRoot2 = mkdtempSync(join(opts.dirs[1], 'tcpscope-bench-'))
      captureDir2 = join(tmpRoot2, 'capture')
      mkdirSync(captureDir2)
      meta.tmp2 = tmpRoot2
    }
    writerDir = join(tmpRoot, 'writer')
    mkdirSync(captureDir)
    mkdirSync(writerDir)
    meta.tmp = tmpRoot
    meta.sameDisk = statSync(captureDir).dev === statSync(writerDir).dev
    if (opts.diskLimit) {
      diskLimit = limitDisk(captureDir, opts.diskLimit)
      meta.diskLimit = { mbps: opts.diskLimit, disk: diskLimit.disk }
    }

    requireProgram('haproxy', 'haproxy')
    if (PHASES.some((p) => p.group === 'redis')) {
      requireProgram('redis-server', 'redis-server')
      requireProgram('redis-benchmark', 'redis-tools')
      redis = await startRedis(HOST)
      redis.target = `${redis.host}:${redis.port}`
    }
    server = new Helper(join(BENCH, 'sink-server.mjs'), [], 'sink/echo server')
    const ready = await server.wait('ready', 20_000)
    server.sink = ready.sink
    server.echo = ready.echo
    meta.server = { pid: server.pid, sink: ready.sink, echo: ready.echo }

    console.error(`bench: ${opts.rounds} round(s) of ${PHASES.map((p) => p.id).join(', ')}${opts.quick ? ' (quick)' : ''}; temp files in ${tmpRoot}`)
    for (let round = 1; round <= opts.rounds; round++) {
      for (const phase of PHASES) {
        for (const kase of phase.cases) {
          const rec = kase === 'writer' ? await runWriterCase(round) : kase === 'odirect' ? await runDirectWriterCase(round) : await runNetworkCase(phase, kase, round)
          records.push(rec)
        }
        if (phase.group === 'latency') records.push(await runTakingTurnsLatency(round))
      }
    }
  } catch (err) {
    fail(setup, err.message)
  } finally {
    if (server) await server.close()
    if (redis) await redis.stop(10_000)
    const left = liveChildren()
    if (left.length) fail(setup, `child processes still running at the end (killed now): ${left.join(', ')}`)
    cleanupSync()
    diskLimit?.remove()
  }

  const summary = summarize(records)
  mkdirSync(dirname(opts.out), { recursive: true })
  writeFileSync(opts.out, JSON.stringify({ meta, ...summary, records, failures }, null, 2) + '\n')
  printReport(meta, summary)
  return failures.length ? 1 : 0
}

process.exitCode = await main().catch((err) => {
  console.error(`bench: ${err.stack ?? err}`)
  cleanupSync()
  diskLimit?.remove()
  return 1
})
