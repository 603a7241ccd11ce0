#!/usr/bin/env node
// tcpscope as a recording HTTP forward proxy beside the tools a user would pick instead
// (issue 46): HTTP Toolkit's engine (mockttp) and mitmproxy's mitmdump, on the same
// workloads, in front of one nginx on loopback, plain HTTP and HTTPS intercepted (each proxy
// mints certificates from its own CA, which the client trusts; nginx's certificate comes from
// a throwaway CA each proxy verifies). Phases: keep-alive 1 KiB GETs a second, a 256 MiB
// download, new connections a second (HTTPS: a CONNECT and a full TLS handshake each),
// p50/p99 of sequential GETs, and memory and CPU after 1 GiB of 1 MiB GETs. Each proxy is a
// fresh process per case (cold start), the cases rotate every round, every body is checked.
//   npm run bench:peers              (builds the CLI first)
//   node bench/peers.mjs [--rounds N] [--quick] [--only rate,download,connections,latency,volume] [--cases ...] [--schemes http,https] [--cli FILE] [--dir DIR] [--out FILE]
// See bench/README.md.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CLIENT_LEG, PEER_CASES, checkRecording, readCa, requirePeers, startPeer } from './lib/intercepting-peers.mjs'
import { writePatternFile } from './lib/pattern.mjs'
import { requireProgram } from './lib/peers.mjs'
import { printReport } from './lib/peers-report.mjs'
import { BENCH, GiB, KiB, MiB, ROOT, failureList, log, runBench } from './lib/bench.mjs'
import { cleanUpOnExit, cpuSeconds, gitCommit, memory } from './lib/proc.mjs'
import { checkedDownload, getLoop, proxyAgent } from './lib/proxy-client.mjs'
import { fmt } from './lib/stats.mjs'
import { busyShare, machineCpu } from './lib/tls-load.mjs'
import { exportTcpscopeCa, makeCertificates, startNginxTls } from './lib/tls-peers.mjs'

const PHASES = ['rate', 'download', 'connections', 'latency', 'volume']
const CASES = Object.keys(PEER_CASES)
const SCHEMES = ['http', 'https']
/** mitmdump with stream_large_bodies: only where a body is over its 1 MiB threshold. */
const inPhase = (kase, phase) => kase !== 'mitmdump-stream' || phase === 'download'

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: PHASES.join(',') },
    cases: { type: 'string', default: CASES.join(',') },
    schemes: { type: 'string', default: SCHEMES.join(',') },
    seconds: { type: 'string' },
    connections: { type: 'string', default: '8' },
    'limit-seconds': { type: 'string', default: '120' },
    cli: { type: 'string', default: join(ROOT, 'bin', 'tcpscope.js') },
    dir: { type: 'string', default: tmpdir() },
    out: { type: 'string', default: join(BENCH, 'results', 'peers.json') },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
const USAGE = `usage: node bench/peers.mjs [--rounds N] [--quick] [--only ${PHASES.join(',')}] [--cases ${CASES.join(',')}]
  [--schemes http,https] [--seconds S] [--connections N] [--limit-seconds S] [--cli FILE] [--dir DIR] [--out FILE]`
if (a.help) {
  console.log(USAGE)
  process.exit(0)
}
const O = {
  rounds: Number(a.rounds ?? (a.quick ? 1 : 3)),
  seconds: Number(a.seconds ?? (a.quick ? 2 : 5)),
  connections: Number(a.connections),
  limitSeconds: Number(a['limit-seconds']),
  only: a.only.split(',').filter(Boolean),
  cases: a.cases.split(',').filter(Boolean),
  schemes: a.schemes.split(',').filter(Boolean),
  downloadBytes: (a.quick ? 32 : 256) * MiB,
  latencyGets: a.quick ? 300 : 2000,
  volumeBytes: a.quick ? 128 * MiB : GiB,
  volumeConnections: 4
}
const whole = (n) => Number.isInteger(n) && n >= 1
if (![O.rounds, O.seconds, O.connections, O.limitSeconds].every(whole) || O.only.some((p) => !PHASES.includes(p)) || O.cases.some((c) => !CASES.includes(c)) || O.schemes.some((s) => !SCHEMES.includes(s))) {
  console.error(`bench: bad option (counts are whole numbers >= 1; --only takes some of ${PHASES.join(',')}, --cases some of ${CASES.join(',')}, --schemes some of http,https)\n${USAGE}`)
  process.exit(2)
}
const cases = CASES.filter((c) => O.cases.includes(c)) // table order; the run order rotates per round
const phases = PHASES.filter((p) => O.only.includes(p))

let tmpRoot
const cleanup = cleanUpOnExit(() => tmpRoot)
const { failures, fail } = failureList((rec) => `round ${rec.round} ${rec.phase} ${rec.scheme} ${rec.case}`)

let nginx
let ctx // what startPeer needs: cli, dataDir, tcpscopeCa, upstreamCa, tmp
let captureDir
/** `${scheme} ${case}` of a download that delivered nothing within the limit: not run again. */
const timedOut = new Map()

// ---------------------------------------------------------------------------------------
// One case: a fresh proxy, its load, its CPU and memory, what it recorded

/** The phase's load through `proxy`: the client's figures, the answers it got and their body bytes. */
async function load(phase, proxy, origin, ca) {
  const via = (keepAlive, maxSockets) => proxyAgent({ proxy: { host: CLIENT_LEG, port: proxy.port }, origin, ca, keepAlive, maxSockets })
  let agent
  try {
    if (phase === 'rate' || phase === 'connections') {
      agent = via(phase === 'rate', O.connections)
      const r = await getLoop({ agent, path: '/1k', size: KiB, connections: O.connections, seconds: O.seconds })
      return { rate: r.perSecond, requests: r.requests, bodyBytes: r.bytes, seconds: r.seconds }
    }
    if (phase === 'latency') {
      agent = via(true, 1)
      const r = await getLoop({ agent, path: '/1k', size: KiB, connections: 1, count: O.latencyGets, samples: true })
      return { p50Us: r.p50Us, p99Us: r.p99Us, requests: r.requests, bodyBytes: r.bytes, seconds: r.seconds }
    }
    if (phase === 'volume') {
      agent = via(true, O.volumeConnections)
      const r = await getLoop({ agent, path: '/1m', size: MiB, connections: O.volumeConnections, count: O.volumeBytes / MiB })
      return { rate: r.bytes / MiB / r.seconds, requests: r.requests, bodyBytes: r.bytes, seconds: r.seconds }
    }
    agent = via(true, 1)
    const d = await checkedDownload({ agent, path: '/big', size: O.downloadBytes, limitSeconds: O.limitSeconds })
    if (d.timedOut) return { timedOut: true, rate: 0, requests: 0, bodyBytes: 0, received: d.bytes, seconds: d.seconds }
    return { rate: d.mibps, requests: 1, bodyBytes: d.bytes, seconds: d.seconds }
  } finally {
    agent?.destroy()
  }
}

async function runCase(phase, scheme, kase, round) {
  const rec = { round, phase, scheme, case: kase, ok: true, errors: [] }
  const earlier = timedOut.get(`${scheme} ${kase}`)
  if (phase === 'download' && earlier) {
    Object.assign(rec, { timedOut: true, notRun: `delivered nothing within ${O.limitSeconds} s in round ${earlier}` })
    log(`  [round ${round}] ${phase.padEnd(11)} ${scheme.padEnd(5)} ${kase.padEnd(15)} not run: ${rec.notRun}`)
    return rec
  }
  const file = join(captureDir, `round${round}-${phase}-${scheme}-${kase}.${kase === 'tcpscope' ? 'tcap' : 'flows'}`)
  let proxy
  try {
    const peer = await startPeer(kase, ctx, file)
    proxy = peer.proxy
    const origin = { scheme, host: 'localhost', port: scheme === 'https' ? nginx.port : nginx.plainPort }
    const ca = scheme === 'https' ? readCa(peer.ca) : undefined
    rec.rssAtStart = memory(proxy.pid).rss
    const p0 = cpuSeconds(proxy.pid)
    const n0 = cpuSeconds(nginx.pid)
    const c0 = process.cpuUsage()
    const m0 = machineCpu()
    Object.assign(rec, await load(phase, proxy, origin, ca))
    rec.machineBusy = busyShare(m0, machineCpu())
    const c = process.cpuUsage(c0)
    rec.clientCpuS = (c.user + c.system) / 1e6
    rec.nginxCpuS = cpuSeconds(nginx.pid) - n0
    if (proxy.child.exitCode !== null || proxy.child.signalCode !== null) throw new Error(`${proxy.name} DIED during the case; stderr: ${proxy.stderr.trim().slice(0, 500) || '(empty)'}`)
    rec.proxyCpuS = cpuSeconds(proxy.pid) - p0
    const mem = memory(proxy.pid)
    rec.rss = mem.rss
    rec.hwm = mem.hwm
    if (rec.bodyBytes) rec.cpuPerGiB = rec.proxyCpuS / (rec.bodyBytes / GiB)
    if (rec.timedOut) timedOut.set(`${scheme} ${kase}`, round)
    const p = proxy
    proxy = undefined
    const stop = await p.stop(60_000)
    rec.stop = { code: stop.code, signal: stop.signal, ms: Math.round(stop.ms), stderr: stop.stderr.slice(0, 2000) }
    if (stop.timedOut || stop.code !== 0) fail(rec, `${p.name} exited with ${stop.timedOut ? 'nothing (killed after 60 s)' : `code ${stop.code}, signal ${stop.signal}`} after SIGTERM; stderr: ${stop.stderr.trim().slice(0, 500) || '(empty)'}`)
    else if (!rec.timedOut) for (const problem of checkRecording(kase, stop, peer.file, { requests: rec.requests, bodyBytes: rec.bodyBytes, streamed: kase === 'mitmdump-stream' })) fail(rec, problem)
  } catch (err) {
    fail(rec, err.message)
  } finally {
    if (proxy) {
      proxy.kill()
      await proxy.exit
    }
    rmSync(file, { force: true })
  }
  const figure = rec.timedOut
    ? `nothing in ${O.limitSeconds} s (${rec.received} bytes had come)`
    : phase === 'latency'
      ? `p50 ${fmt(rec.p50Us, 0)} µs, p99 ${fmt(rec.p99Us, 0)} µs`
      : phase === 'volume'
        ? `${fmt(rec.rate, 0)} MiB/s, RSS ${fmt(rec.rss / MiB, 0)} MiB (peak ${fmt(rec.hwm / MiB, 0)}), ${fmt(rec.cpuPerGiB, 2)} CPU s/GiB`
        : `${fmt(rec.rate, 0)} ${phase === 'download' ? 'MiB/s' : '/s'}`
  log(`  [round ${round}] ${phase.padEnd(11)} ${scheme.padEnd(5)} ${kase.padEnd(15)} ${rec.ok ? `${figure}, proxy ${fmt((rec.proxyCpuS / rec.seconds) * 100, 0)}% of a core, machine ${fmt(rec.machineBusy * 100, 0)}% busy` : `FAILED: ${rec.errors[0]}`}`)
  return rec
}

// ---------------------------------------------------------------------------------------

async function main() {
  for (const [program, pkg] of [['nginx', 'nginx'], ['openssl', 'openssl']]) requireProgram(program, pkg)
  await requirePeers(cases)
  const load0 = loadavg()
  tmpRoot = mkdtempSync(join(resolve(a.dir), 'tcpscope-peers-bench-'))
  const certs = makeCertificates(join(tmpRoot, 'certs'))
  captureDir = join(tmpRoot, 'captures')
  mkdirSync(captureDir)
  const www = join(tmpRoot, 'www')
  mkdirSync(www)
  writePatternFile(join(www, '1k'), KiB)
  writePatternFile(join(www, '1m'), MiB)
  if (phases.includes('download')) writePatternFile(join(www, 'big'), O.downloadBytes)
  ctx = { cli: a.cli, dataDir: join(tmpRoot, 'data'), upstreamCa: certs.ca, tmp: tmpRoot }
  if (cases.includes('tcpscope')) ctx.tcpscopeCa = exportTcpscopeCa(a.cli, ctx.dataDir, join(tmpRoot, 'tcpscope-ca.pem'))
  nginx = await startNginxTls(tmpRoot, certs, www)
  log(`nginx (one process, pid ${nginx.pid}): HTTP on 127.0.0.1:${nginx.plainPort}, HTTPS on ${nginx.port}; the client reaches the proxies on ${CLIENT_LEG}; cases ${cases.join(', ')}; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`)

  const records = []
  for (let round = 1; round <= O.rounds; round++) {
    for (const phase of phases) {
      for (const scheme of O.schemes) {
        const here = cases.filter((c) => inPhase(c, phase))
        const order = here.map((_, i) => here[(i + round - 1) % here.length]) // rotated: no case always first
        for (const kase of order) records.push(await runCase(phase, scheme, kase, round))
      }
    }
  }
  await nginx.stop(10_000)
  const load1 = loadavg()
  console.log(`\nRecording HTTP forward proxies in front of nginx on loopback, ${O.rounds} round(s); ${O.connections} connections for keep-alive and new-connection GETs (${O.seconds} s each),`)
  console.log(`a ${O.downloadBytes / MiB} MiB download (limit ${O.limitSeconds} s), ${O.latencyGets} sequential GETs, ${O.volumeBytes / MiB} MiB as 1 MiB GETs on ${O.volumeConnections} connections for memory and CPU`)
  console.log(`machine: ${cpus().length} cores, load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end`)
  printReport(records, { cases, schemes: O.schemes, phases, rounds: O.rounds, limitSeconds: O.limitSeconds, titles: PEER_CASES })
  mkdirSync(dirname(resolve(a.out)), { recursive: true })
  writeFileSync(resolve(a.out), JSON.stringify({ commit: gitCommit(ROOT), date: new Date().toISOString(), options: O, loadavg: { start: load0, end: load1 }, records, failures }, null, 2))
  console.log(`\nraw results: ${relative(process.cwd(), resolve(a.out))}`)
}

runBench(main, { failures, fail }, cleanup)
