#!/usr/bin/env node
// TLS -> TLS through a proxy, side by side in one run (issue 28's "Speed"): haproxy (`bind
// ssl`, `server ssl`), tcpscope (`proxy --tls-listen --tls-upstream`, recording everything)
// and a bare Node TLS forwarder, all in front of the same nginx serving HTTPS, plus nginx
// direct for scale. Phases: bulk MiB/s (wrk, keep-alive downloads), new connections per
// second with a full handshake each (openssl s_time -new), and with `Connection: close` as
// wrk sends it (wrk resumes its sessions); ratios to haproxy. Then what one full handshake
// costs a single core, and what a worker pool for handshakes would give.
//   npm run bench:tls              (builds the CLI first)
//   node bench/tls.mjs [--rounds N] [--seconds S] [--quick] [--only bulk,full,resumed,cost] [--cases direct,haproxy,bare,tcpscope,tcp-wkrs] [--cli FILE] [--dir DIR] [--out FILE]
// See bench/README.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { connect } from 'node:tls'
import { parseArgs } from 'node:util'
import { requireProgram } from './lib/peers.mjs'
import { BENCH, GiB, MiB, ROOT, failureList, log, runBench } from './lib/bench.mjs'
import { ProxyProcess, cleanUpOnExit, cpuSeconds, gitCommit } from './lib/proc.mjs'
import { fmt, median, table } from './lib/stats.mjs'
import { busyShare, machineCpu, sTimeFull, wrkTimed } from './lib/tls-load.mjs'
import { handshakeCost, poolEstimate } from './lib/tls-cost.mjs'
import { exportTcpscopeCa, makeCertificates, startHaproxyTls, startNginxTls } from './lib/tls-peers.mjs'

const PHASES = ['bulk', 'full', 'resumed', 'cost']
// tcp-wkrs: tcpscope with --workers auto (a thread per core, at most 8; Node 22.12+ on Linux,
// else one thread and a line saying so): every thread handshakes its own clients.
const CASES = ['direct', 'haproxy', 'bare', 'tcpscope', 'tcp-wkrs']
const isTcpscope = (kase) => kase === 'tcpscope' || kase === 'tcp-wkrs'

const { values: a } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: PHASES.join(',') },
    cases: { type: 'string', default: CASES.join(',') },
    'bulk-connections': { type: 'string', default: '4' },
    'file-mib': { type: 'string', default: '16' },
    'full-clients': { type: 'string', default: '8' },
    'resumed-connections': { type: 'string', default: '32' },
    cli: { type: 'string', default: join(ROOT, 'bin', 'tcpscope.js') },
    dir: { type: 'string', default: tmpdir() },
    out: { type: 'string', default: join(BENCH, 'results', 'tls.json') },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
const USAGE = `usage: node bench/tls.mjs [--rounds N] [--seconds S] [--quick] [--only ${PHASES.join(',')}] [--cases ${CASES.join(',')}]
  [--bulk-connections N] [--file-mib N] [--full-clients N] [--resumed-connections N] [--cli FILE] [--dir DIR] [--out FILE]`
if (a.help) {
  console.log(USAGE)
  process.exit(0)
}
const O = {
  rounds: Number(a.rounds ?? (a.quick ? 1 : 3)),
  seconds: Number(a.seconds ?? (a.quick ? 2 : 5)),
  only: a.only.split(',').filter(Boolean),
  cases: a.cases.split(',').filter(Boolean),
  bulkConns: Number(a['bulk-connections']),
  fileMiB: Number(a['file-mib']),
  fullClients: Number(a['full-clients']),
  resumedConns: Number(a['resumed-connections'])
}
const whole = (n) => Number.isInteger(n) && n >= 1
if (![O.rounds, O.seconds, O.bulkConns, O.fileMiB, O.fullClients, O.resumedConns].every(whole) || O.only.some((p) => !PHASES.includes(p)) || O.cases.some((c) => !CASES.includes(c))) {
  console.error(`bench: bad option (counts are whole numbers >= 1; --only takes some of ${PHASES.join(',')}, --cases some of ${CASES.join(',')})\n${USAGE}`)
  process.exit(2)
}
const cases = CASES.filter((c) => O.cases.includes(c)) // always in this order, rotated per round
const LOAD_PHASES = ['bulk', 'full', 'resumed'].filter((p) => O.only.includes(p))

let tmpRoot
const cleanup = cleanUpOnExit(() => tmpRoot)
const { failures, fail } = failureList()

// ---------------------------------------------------------------------------------------
// Setup: certificates, nginx, tcpscope's CA

let certs, nginx, tcpscopeCa, dataDir, captureDir

async function startCase(kase, capture) {
  const target = `127.0.0.1:${nginx.port}`
  if (kase === 'haproxy') return startHaproxyTls(target, tmpRoot, certs)
  if (kase === 'bare') {
    return ProxyProcess.start('bare TLS forwarder', [join(BENCH, 'bare-tls-forwarder.mjs'), '--listen', '127.0.0.1:0', '--target', target, '--cert', certs.cert, '--key', certs.key, '--ca', certs.ca])
  }
  const argv = [a.cli, 'proxy', '--listen', '127.0.0.1:0', '--target', target, '--tls-listen', '--tls-upstream', '--upstream-ca', certs.ca, '--capture', capture, '--json', '--quiet', ...(kase === 'tcp-wkrs' ? ['--workers', 'auto'] : [])]
  return ProxyProcess.start('tcpscope proxy', argv, { env: { TCPSCOPE_DATA_DIR: dataDir } })
}

/**
 * Two GETs of /hello through `port`, verifying the chain against `ca` for the name localhost,
 * the second offering the first's session: what was negotiated, who issued the leaf, and
 * whether the proxy resumes sessions toward its clients.
 */
async function verifiedGets(port, ca) {
  const first = await verifiedGet(port, readFileSync(ca))
  const second = await verifiedGet(port, readFileSync(ca), first.session)
  return { protocol: first.protocol, cipher: first.cipher, leafIssuer: first.leafIssuer, resumes: second.reused }
}

function verifiedGet(port, ca, session) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', session }, () => s.write('GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'))
    let got = ''
    let ticket
    s.on('session', (t) => (ticket = t))
    s.setEncoding('utf8')
    s.on('data', (d) => (got += d))
    s.on('error', (err) => reject(new Error(`a verified GET /hello failed: ${err.message}`)))
    s.on('end', () => {
      if (!got.endsWith('hello from nginx\n')) return reject(new Error(`GET /hello got an unexpected answer: ${JSON.stringify(got.slice(0, 120))}`))
      resolve({ protocol: s.getProtocol(), cipher: s.getCipher()?.name, leafIssuer: s.getPeerCertificate()?.issuer?.CN, session: ticket, reused: s.isSessionReused() })
    })
  })
}

// ---------------------------------------------------------------------------------------
// One case of one phase: a fresh proxy (cold start, as run.mjs), its load, its CPU

async function load(phase, port) {
  const S = O.seconds
  if (phase === 'bulk') {
    const w = await wrkTimed({ url: `https://localhost:${port}/big`, connections: O.bulkConns, seconds: S })
    return { rate: w.readBytes / MiB / w.seconds, units: w.readBytes / GiB, requests: w.requests, readBytes: w.readBytes, clientErrors: w.errors, clientCpuS: w.cpuS, seconds: w.seconds }
  }
  if (phase === 'full') {
    const t = await sTimeFull({ host: '127.0.0.1', port, path: '/hello', clients: O.fullClients, seconds: S })
    return { rate: t.perSecond, units: t.connections, requests: t.connections, clientErrors: 0, clientCpuS: t.cpuS, seconds: t.wallS, bytesPerConn: t.bytesPerConn }
  }
  const w = await wrkTimed({ url: `https://localhost:${port}/hello`, connections: O.resumedConns, seconds: S, headers: ['Connection: close'] })
  return { rate: w.perSecond, units: w.requests, requests: w.requests, clientErrors: w.errors, clientCpuS: w.cpuS, seconds: w.seconds }
}

async function runCase(phase, kase, round) {
  const rec = { round, phase, case: kase, ok: true, errors: [] }
  const capture = isTcpscope(kase) ? join(captureDir, `round${round}-${phase}-${kase}.tcap`) : undefined
  let proxy
  try {
    proxy = kase === 'direct' ? undefined : await startCase(kase, capture)
    const port = proxy?.port ?? nginx.port
    rec.tls = await verifiedGets(port, isTcpscope(kase) ? tcpscopeCa : certs.ca)
    const p0 = proxy && cpuSeconds(proxy.pid)
    const n0 = cpuSeconds(nginx.pid)
    const m0 = machineCpu()
    Object.assign(rec, await load(phase, port))
    rec.machineBusy = busyShare(m0, machineCpu())
    rec.nginxCpuS = cpuSeconds(nginx.pid) - n0
    if (rec.clientErrors > 0 || !(rec.units > 0)) fail(rec, `the client counted ${rec.clientErrors} errors and ${rec.requests} answers`)
    if (proxy) {
      if (proxy.child.exitCode !== null || proxy.child.signalCode !== null) throw new Error(`${proxy.name} DIED during the case; stderr: ${proxy.stderr.trim().slice(0, 500) || '(empty)'}`)
      rec.proxyCpuS = cpuSeconds(proxy.pid) - p0
      rec.proxyCore = rec.proxyCpuS / rec.seconds
      rec.proxyCpuPerUnit = phase === 'bulk' ? rec.proxyCpuS / rec.units : (rec.proxyCpuS / rec.units) * 1000
      const p = proxy
      proxy = undefined
      const exitedEarly = p.child.exitCode !== null || p.child.signalCode !== null
      const stop = await p.stop(60_000)
      rec.stop = { code: stop.code, signal: stop.signal, ms: Math.round(stop.ms), lines: stop.lines.length, stderr: stop.stderr.slice(0, 2000) }
      if (exitedEarly) fail(rec, `${p.name} exited (code ${stop.code}) after the load and before its stop signal; its output after the listening line: ${stop.lines.join(' | ').slice(0, 300) || '(none)'}`)
      if (stop.timedOut || stop.code !== 0) fail(rec, `${p.name} exited with ${stop.timedOut ? 'nothing (killed after 60 s)' : `code ${stop.code}`} after its stop signal; stderr: ${stop.stderr.trim().slice(0, 500) || '(empty)'}`)
      if (isTcpscope(kase)) {
        // stop() waits 2 s for the output after the exit; a loaded machine can take longer.
        await Promise.race([p.closed, new Promise((r) => setTimeout(r, 15_000))])
        checkRecording(rec, p.lines.slice(1), capture)
      }
    }
  } catch (err) {
    fail(rec, err.message)
  } finally {
    if (proxy) {
      proxy.kill()
      await proxy.exit
    }
    if (capture) rmSync(capture, { force: true })
  }
  const unit = phase === 'bulk' ? 'MiB/s' : 'connections/s'
  log(`  [round ${round}] ${phase.padEnd(7)} ${kase.padEnd(8)} ${rec.ok ? `${fmt(rec.rate, 0)} ${unit}${rec.proxyCore !== undefined ? `, proxy ${fmt(rec.proxyCore * 100, 0)}% of a core` : ''}, machine ${fmt(rec.machineBusy * 100, 0)}% busy` : `FAILED: ${rec.errors[0]}`}`)
  return rec
}

/** tcpscope recorded everything: its summary counts every connection, and the capture holds at least the bytes the client read. */
function checkRecording(rec, lines, capture) {
  const summary = lines.map((l) => {
    try {
      return JSON.parse(l)
    } catch {
      return undefined
    }
  }).findLast((m) => m?.type === 'summary')
  if (!summary) return fail(rec, `tcpscope printed no {"type":"summary"} line on exit; its last output: ${lines.slice(-3).join(' | ').slice(0, 300) || '(none)'}`)
  rec.summary = summary
  // The two check GETs, then every connection the client opened (bulk) or finished (at least).
  const least = 2 + (rec.phase === 'bulk' ? O.bulkConns : rec.requests)
  if (typeof summary.connections === 'number' && summary.connections < least) fail(rec, `tcpscope's summary counts ${summary.connections} connections, the bench at least ${least}`)
  const { bytes, recorded } = summary
  if (bytes && recorded && (bytes.client !== recorded.client || bytes.server !== recorded.server)) fail(rec, `tcpscope forwarded ${bytes.client} + ${bytes.server} bytes but recorded ${recorded.client} + ${recorded.server}`)
  const size = existsSync(capture) ? statSync(capture).size : 0
  rec.captureBytes = size
  if (typeof summary.captureBytes === 'number' && summary.captureBytes !== size) fail(rec, `tcpscope's summary says the capture holds ${summary.captureBytes} bytes, the file has ${size}`)
  // wrk's count of bytes read is rounded to 3 figures.
  if (rec.phase === 'bulk' && size < rec.readBytes * 0.99) fail(rec, `CAPTURE TOO SMALL: ${size} bytes for about ${rec.readBytes} bytes the client read`)
}

// ---------------------------------------------------------------------------------------
// Report

function report(records, cost) {
  const of = (phase, kase, f) => median(records.filter((r) => r.phase === phase && r.case === kase && r.ok).map(f))
  const ratio = (phase, kase) => {
    const xs = []
    for (let r = 1; r <= O.rounds; r++) {
      const x = records.find((q) => q.round === r && q.phase === phase && q.case === kase && q.ok)
      const h = records.find((q) => q.round === r && q.phase === phase && q.case === 'haproxy' && q.ok)
      if (x && h) xs.push(x.rate / h.rate)
    }
    return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) } : undefined
  }
  const TITLE = {
    bulk: `bulk: wrk -c${O.bulkConns} keep-alive GET of a ${O.fileMiB} MiB file, MiB/s`,
    full: `new connections/s, full handshake each: ${O.fullClients} x openssl s_time -new (HTTP/1.0, closes)`,
    resumed: `new connections/s, wrk -c${O.resumedConns} -H 'Connection: close' (wrk resumes its sessions)`
  }
  console.log(`\nTLS -> TLS in front of nginx (ECDSA P-256 certificates), ${O.rounds} round(s) of ${O.seconds} s per case, medians`)
  for (const c of cases) {
    const t = records.find((r) => r.case === c && r.tls)?.tls
    if (t) console.log(`  ${c.padEnd(8)} a verified client got ${t.protocol}, ${t.cipher}, a leaf issued by "${t.leafIssuer}"; a second connection ${t.resumes ? 'resumed' : 'was not resumed'}`)
  }
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`)
  const rows = [['', ...cases]]
  for (const phase of LOAD_PHASES) {
    const per = phase === 'bulk' ? 'proxy CPU s/GiB' : 'proxy CPU ms/connection'
    rows.push([TITLE[phase], ...cases.map((c) => fmt(of(phase, c, (r) => r.rate), phase === 'bulk' ? 0 : 0))])
    rows.push([`  ${per}`, ...cases.map((c) => (c === 'direct' ? '' : fmt(of(phase, c, (r) => r.proxyCpuPerUnit), 2)))])
    rows.push(['  proxy busy, % of one core', ...cases.map((c) => (c === 'direct' ? '' : fmt(of(phase, c, (r) => r.proxyCore * 100), 0)))])
    rows.push(['  nginx CPU per unit (s/GiB, ms/conn)', ...cases.map((c) => fmt(of(phase, c, (r) => (r.nginxCpuS / r.units) * (phase === 'bulk' ? 1 : 1000)), 2))])
    rows.push(['  client CPU per unit (s/GiB, ms/conn)', ...cases.map((c) => fmt(of(phase, c, (r) => (r.clientCpuS / r.units) * (phase === 'bulk' ? 1 : 1000)), 2))])
    rows.push(['  machine busy, % of all cores', ...cases.map((c) => fmt(of(phase, c, (r) => r.machineBusy * 100), 0))])
  }
  console.log(table(rows))
  const GOAL = { bulk: 0.6, full: 0.4, resumed: 0.4 }
  if (cases.includes('haproxy')) {
    console.log(`\nAgainst haproxy: each round's rate ÷ haproxy's, median over rounds (range)`)
    const hrows = [['', ...cases.filter((c) => c !== 'haproxy').map((c) => `${c} ÷ haproxy`), 'goal (tcpscope)']]
    for (const phase of LOAD_PHASES) {
      const cells = cases.filter((c) => c !== 'haproxy').map((c) => {
        const r = ratio(phase, c)
        return r ? `${r.median.toFixed(2)} (${r.min.toFixed(2)}-${r.max.toFixed(2)})` : '-'
      })
      const t = ratio(phase, 'tcpscope')
      hrows.push([phase, ...cells, `>= ${GOAL[phase]}${t ? `: ${t.median >= GOAL[phase] ? 'ok' : 'MISSED'}` : ''}`])
    }
    console.log(table(hrows))
  }
  if (cost) for (const line of cost.lines) console.log(line)
  if (records.length) console.log(`\nFigures are from a ${cpus().length}-core machine shared with other work while they ran; see the machine-busy rows.`)
}

// ---------------------------------------------------------------------------------------

async function main() {
  for (const [program, pkg] of [['nginx', 'nginx'], ['wrk', 'wrk'], ['openssl', 'openssl'], ...(cases.includes('haproxy') ? [['haproxy', 'haproxy']] : [])]) requireProgram(program, pkg)
  tmpRoot = mkdtempSync(join(resolve(a.dir), 'tcpscope-tls-bench-'))
  certs = makeCertificates(join(tmpRoot, 'certs'))
  dataDir = join(tmpRoot, 'data')
  captureDir = join(tmpRoot, 'captures')
  mkdirSync(captureDir, { recursive: true })
  const www = join(tmpRoot, 'www')
  mkdirSync(www)
  // Incompressible content, though nothing on the path compresses: the same bytes as a real download.
  const big = Buffer.alloc(O.fileMiB * MiB)
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i)
  writeFileSync(join(www, 'big'), big)
  if (cases.some(isTcpscope) && LOAD_PHASES.length) tcpscopeCa = exportTcpscopeCa(a.cli, dataDir, join(tmpRoot, 'tcpscope-ca.pem'))
  nginx = await startNginxTls(tmpRoot, certs, www)
  log(`nginx (one process, pid ${nginx.pid}) serves HTTPS on 127.0.0.1:${nginx.port}; cases: ${cases.join(', ')}`)

  const records = []
  for (let round = 1; round <= O.rounds; round++) {
    for (const phase of LOAD_PHASES) {
      // Rotated each round, so no case always runs first (cold page cache, a quiet moment).
      const order = cases.map((_, i) => cases[(i + round - 1) % cases.length])
      for (const kase of order) records.push(await runCase(phase, kase, round))
    }
  }
  let cost
  if (O.only.includes('cost')) {
    log('handshake cost on one core ...')
    cost = await handshakeCost({ certs, nginx, seconds: O.seconds, count: a.quick ? 300 : 1000 })
    const t = records.filter((r) => r.phase === 'full' && r.ok)
    cost.lines.push(...poolEstimate(cost, { tcpscope: t.filter((r) => r.case === 'tcpscope'), haproxy: t.filter((r) => r.case === 'haproxy'), bare: t.filter((r) => r.case === 'bare') }))
  }
  await nginx.stop(10_000)
  report(records, cost)
  mkdirSync(dirname(resolve(a.out)), { recursive: true })
  writeFileSync(resolve(a.out), JSON.stringify({ commit: gitCommit(ROOT), date: new Date().toISOString(), options: O, records, cost, failures }, null, 2))
  console.log(`\nraw results: ${relative(process.cwd(), resolve(a.out))}`)
}

runBench(main, { failures, fail }, cleanup)
