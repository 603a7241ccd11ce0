#!/usr/bin/env node
// What HTTP decoding costs (issue 16's figures):
//  - decoder: typical exchanges through the connection decoder alone, in memory;
//  - chunked: chunked bodies through the decoder alone (16 KiB, 8 KiB and 1-byte chunks);
//  - h2: HTTP/2 requests from Node's http2 client, 10-100 streams per connection, through the
//    decoder alone and through the engine from a capture file;
//  - engine: a capture of typical exchanges recorded through the CLI proxy, decoded by the
//    engine (exchange.page until its scan is done), and a 1 GiB Content-Length download,
//    whose body must not be read (the capture reader's byte count says what was);
//  - proxy: `tcpscope proxy` with live decoding against the same with TCPSCOPE_DECODE=off,
//    case after case in each round, on keep-alive exchanges and downloads.
//   npm run bench:decode            (builds the CLI first)
//  - messages: raw protocols as messages: a redis-benchmark -P 16 run and a pgbench run,
//    recorded in memory and cut by their codecs alone, and redis's through the engine (msg.page);
//   node bench/decode.mjs [--parts decoder,chunked,engine,h2,proxy,messages] [--quick] [--rounds N] [--exchanges N] [--dir DIR] [--out FILE]
// See bench/README.md.
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FILE_BATCH, chunkedBatches, feedAll, keepAliveBatches, pack, skipDownload } from './lib/decoder-runs.mjs'
import { download, keepAlive } from './lib/http-client.mjs'
import { decodeThroughEngine } from './lib/engine-decode.mjs'
import { h2Load, h2Server, recordH2 } from './lib/h2-traffic.mjs'
import { chunkedDownload, contentLengthDownload } from './lib/http-traffic.mjs'
import { Helper, cpuTimes, gitCommit, cleanUpOnExit, liveChildren } from './lib/proc.mjs'
import { recordCapture } from './lib/record-capture.mjs'
import { fmt, median, table } from './lib/stats.mjs'
import { hasWrk, runWrk } from './lib/wrk.mjs'
import { cutAll, hasProgram, recordThrough, run as runProgram, startPostgres, startRedis } from './lib/message-traffic.mjs'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(HERE)
const BUNDLE_DIR = join(ROOT, 'out', 'bench')
const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const PARTS = ['decoder', 'chunked', 'engine', 'h2', 'proxy', 'messages']

const { values: args } = parseArgs({
  options: {
    parts: { type: 'string', default: PARTS.join(',') },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    exchanges: { type: 'string' },
    dir: { type: 'string', default: tmpdir() },
    out: { type: 'string', default: join(HERE, 'results', 'decode.json') },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false }
  }
})
if (args.help) {
  console.log('usage: node bench/decode.mjs [--parts decoder,chunked,engine,h2,proxy,messages] [--quick] [--rounds N] [--exchanges N] [--dir DIR] [--out FILE] [--no-build]')
  process.exit(0)
}
const parts = args.parts.split(',').map((s) => s.trim())
const badPart = parts.find((p) => !PARTS.includes(p))
if (badPart) {
  console.error(`bench: --parts takes some of ${PARTS.join(',')}; got "${badPart}"`)
  process.exit(2)
}
const Q = args.quick
const V = {
  exchanges: Number(args.exchanges ?? (Q ? 20_000 : 100_000)),
  connections: 100,
  /** HTTP/2: connections of exchanges / h2Connections requests each, 10 to 100 streams in flight on each. */
  h2Connections: Q ? 200 : 1000,
  runs: Q ? 2 : 3,
  chunkedBody: Q ? 64 * MiB : 256 * MiB,
  tinyChunkBody: Q ? 1 * MiB : 4 * MiB,
  download: 1 * GiB,
  rounds: Number(args.rounds ?? (Q ? 1 : 3)),
  shortConnections: Q ? 20_000 : 100_000,
  proxyExchanges: Q ? 20_000 : 60_000,
  proxyConnections: 32,
  proxyDownload: Q ? 256 * MiB : 1 * GiB,
  proxyChunked: Q ? 128 * MiB : 512 * MiB,
  proxyChunkSize: 16 * KiB,
  wrkSeconds: Q ? 3 : 5
}
if (!(V.exchanges >= V.connections) || !(V.rounds >= 1)) {
  console.error('bench: --exchanges must be at least 100 and --rounds at least 1')
  process.exit(2)
}

const log = (s) => process.stderr.write(s + '\n')
const failures = []
function fail(where, message) {
  failures.push({ where, message })
  log(`\n!!! ERROR [${where}]: ${message}\n`)
}

let tmpRoot
const cleanupSync = cleanUpOnExit(() => tmpRoot)

// ---------------------------------------------------------------------------------------
// The engine's internals, bundled like the CLI (its bundle exports none of them)

async function buildInternals() {
  const { build } = await import('vite')
  const { builtinModules } = await import('node:module')
  const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'bufferutil', 'utf-8-validate']
  // Two bundles, as vite.cli.config.ts makes them: the engine finds the decode worker beside itself.
  const bundle = (entry, file, emptyOutDir) =>
    build({
      root: ROOT,
      configFile: false,
      logLevel: 'warn',
      ssr: { noExternal: true },
      build: { ssr: entry, outDir: BUNDLE_DIR, target: 'node20', emptyOutDir, minify: false, rollupOptions: { external, output: { format: 'cjs', entryFileNames: file } } }
    })
  await bundle(join(HERE, 'lib', 'decode-internals.mjs'), 'decode-internals.cjs', true)
  await bundle(join(ROOT, 'src', 'core', 'decode', 'decode-worker.ts'), 'decode-worker.cjs', false)
}

function loadInternals() {
  return createRequire(import.meta.url)(join(BUNDLE_DIR, 'decode-internals.cjs'))
}

// ---------------------------------------------------------------------------------------
// Parts

const rate = (n, ms) => n / (ms / 1000)
const medianRun = (runs, get) => median(runs.map(get))

/** Typical exchanges through DecoderSet.feed, batched as a file is read and one record at a time (live). */
function decoderPart(I) {
  log(`decoder: ${V.exchanges.toLocaleString('en-US')} exchanges over ${V.connections} connections, in memory ...`)
  const out = {}
  for (const [label, batch] of [
    ['file', FILE_BATCH],
    ['live', { records: 1, bytes: Infinity }]
  ]) {
    const conns = keepAliveBatches(V.exchanges, V.connections, batch)
    const bytes = conns.reduce((a, c) => a + c.reduce((b, x) => b + x.bytes.length, 0), 0)
    feedAll(I, conns.slice(0, Math.ceil(conns.length / 4))) // warm-up: the JIT, unmeasured
    const runs = Array.from({ length: V.runs }, () => feedAll(I, conns))
    for (const r of runs) if (r.exchanges !== V.exchanges) fail(`decoder ${label}`, `the decoder finished ${r.exchanges} exchanges of ${V.exchanges}`)
    const ms = medianRun(runs, (r) => r.ms)
    out[label] = { ms, exchangesPerSec: rate(V.exchanges, ms), mibPerSec: rate(bytes / MiB, ms), bytes, problems: runs[0].problems, runsMs: runs.map((r) => r.ms) }
    log(`  ${label}: ${fmt(out[label].exchangesPerSec, 0)} exchanges/s`)
  }
  return out
}

/** Chunked bodies through the decoder alone, pushed as 64 KiB reads. */
function chunkedPart(I) {
  const out = {}
  for (const [label, size, body] of [
    ['16 KiB chunks', 16 * KiB, V.chunkedBody],
    ['8 KiB chunks', 8 * KiB, V.chunkedBody],
    ['1-byte chunks', 1, V.tinyChunkBody]
  ]) {
    log(`chunked: ${label}, ${fmt(body / MiB, 0)} MiB of body ...`)
    const c = chunkedBatches(body, size)
    feedAll(I, [c.conns[0].slice(0, 64)]) // warm-up
    const runs = Array.from({ length: V.runs }, () => feedAll(I, c.conns))
    for (const r of runs) if (r.exchanges !== 1 || r.problems !== 0) fail(`chunked ${label}`, `${r.exchanges} exchange(s) finished, ${r.problems} problem(s); expected 1 and none`)
    const ms = medianRun(runs, (r) => r.ms)
    out[label] = { ms, body: c.body, wire: c.wire, chunks: c.chunks, bodyMiBps: rate(c.body / MiB, ms), wireMiBps: rate(c.wire / MiB, ms), chunksPerSec: rate(c.chunks, ms) }
  }
  return out
}

/**
 * HTTP/2: the same number of requests made by Node's http2 client, 10 to 100 streams in
 * flight per connection; the decoder alone on them recorded in memory, then the engine on a
 * capture of them recorded through tcpscope proxy (exchange.page until its scan is done).
 */
async function h2Part(I) {
  const out = {}
  log(`h2: recording ${V.exchanges.toLocaleString('en-US')} HTTP/2 requests over ${V.h2Connections} connections (10-100 streams in flight each) in memory ...`)
  const recorded = await recordH2({ requests: V.exchanges, connections: V.h2Connections })
  for (const [label, batch] of [
    ['file', FILE_BATCH],
    ['live', { records: 1, bytes: Infinity }]
  ]) {
    const conns = recorded.map((records) => pack(records, batch))
    const bytes = recorded.reduce((a, c) => a + c.reduce((b, x) => b + (x.bytes?.length ?? 0), 0), 0)
    feedAll(I, conns.slice(0, Math.ceil(conns.length / 4)))
    const runs = Array.from({ length: V.runs }, () => feedAll(I, conns))
    for (const r of runs) if (r.exchanges !== V.exchanges || r.problems !== 0) fail(`h2 decoder ${label}`, `the decoder finished ${r.exchanges} exchanges of ${V.exchanges}, ${r.problems} problem(s)`)
    const ms = medianRun(runs, (r) => r.ms)
    out[label] = { ms, exchangesPerSec: rate(V.exchanges, ms), mibPerSec: rate(bytes / MiB, ms), bytes, runsMs: runs.map((r) => r.ms) }
    log(`  ${label}: ${fmt(out[label].exchangesPerSec, 0)} exchanges/s`)
  }

  const file = join(tmpRoot, 'h2.tcap')
  log('h2: recording the same through tcpscope proxy ...')
  const target = await h2Server()
  let p
  try {
    p = await startProxy(file, { TCPSCOPE_DECODE: 'off' }, `127.0.0.1:${target.port}`)
    const rec = await h2Load({ host: p.host, port: p.port, requests: V.exchanges, connections: V.h2Connections })
    await stopProxy(p)
    p = undefined
    out.recorded = { seconds: rec.ms / 1000, fileBytes: statSync(file).size }
    flushToDisk(file)
  } finally {
    if (p) await p.close()
    await target.close()
  }
  const engine = await I.Engine.create({ capturePath: join(tmpRoot, 'engine-h2.tcap') })
  try {
    out.decodingMode = engine.decoding?.mode
    const runs = []
    for (let i = 0; i < 2; i++) {
      const { openMs, decodeMs, exchanges } = await decodeThroughEngine(engine, file)
      if (exchanges !== V.exchanges) fail('h2 engine', `the engine decoded ${exchanges} HTTP/2 exchanges of ${V.exchanges}`)
      runs.push({ openMs, decodeMs, exchanges, exchangesPerSec: rate(exchanges, decodeMs) })
    }
    out.engine = runs
  } finally {
    await engine.close()
  }
  rmSync(file, { force: true })
  return out
}

/** Messages per second of one recorded conversation through its codec: cut and noted (the index), and described too (a page's summaries and fields). */
function codecRates(I, conns, spec, label) {
  // Warm-up: the JIT, unmeasured, on all of it (the first connections are redis-benchmark's few CONFIG GETs).
  cutAll(I, conns, spec)
  cutAll(I, conns, spec, true)
  const cut = Array.from({ length: V.runs }, () => cutAll(I, conns, spec))
  const described = Array.from({ length: V.runs }, () => cutAll(I, conns, spec, true))
  const messages = cut[0].messages
  if (cut[0].errors > 0) fail(`messages ${label}`, `${cut[0].errors} of ${messages} messages did not fit the ${label} framing`)
  const ms = medianRun(cut, (r) => r.ms)
  const dms = medianRun(described, (r) => r.ms)
  const out = { messages, bytes: cut[0].bytes, connections: conns.length, cutMs: ms, perSec: rate(messages, ms), mibPerSec: rate(cut[0].bytes / MiB, ms), describedMs: dms, describedPerSec: rate(messages, dms) }
  log(`  ${label}: ${messages.toLocaleString('en-US')} messages, ${fmt(out.perSec, 0)} messages/s cut, ${fmt(out.describedPerSec, 0)} described`)
  return out
}

/** redis-benchmark -P 16 and pgbench conversations as messages: each codec alone in memory, and redis's through the engine from a capture file. */
async function messagesPart(I) {
  const out = {}
  if (!hasProgram('redis-server') || !hasProgram('redis-benchmark')) fail('messages', 'redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)')
  else {
    const redis = await startRedis()
    try {
      const n = Q ? 20_000 : 200_000
      const bench = (port) => runProgram('redis-benchmark', ['-p', String(port), '-P', '16', '-n', String(n), '-c', '4', '-t', 'set,get', '-q'])
      log(`messages: redis-benchmark -P 16 -n ${n.toLocaleString('en-US')} -c 4 -t set,get, recorded in memory ...`)
      const conns = await recordThrough(redis.port, async (port) => bench(port))
      out.resp = codecRates(I, conns, { kind: 'protocol', protocol: 'resp' }, 'RESP')
      const file = join(tmpRoot, 'redis.tcap')
      log('messages: the same through tcpscope proxy, then msg.page over every connection ...')
      let p = await startProxy(file, { TCPSCOPE_DECODE: 'off' }, `127.0.0.1:${redis.port}`)
      try {
        await bench(p.port)
        await stopProxy(p)
        p = undefined
      } finally {
        if (p) await p.close()
      }
      const engine = await I.Engine.create({ capturePath: join(tmpRoot, 'engine-messages.tcap') })
      try {
        const t0 = performance.now()
        const info = await engine['capture.open']({ path: file })
        let messages = 0
        for (let offset = 0; ; offset += 1000) {
          const conns = await engine['conn.page']({ capture: info.id, offset, limit: 1000, protocols: false })
          for (const c of conns.rows) {
            for (let from = 0; ; from += 500) {
              const page = await engine['msg.page']({ capture: info.id, connId: c.id, from, limit: 500 })
              messages += page.messages.length
              if (from + 500 >= page.total) break
            }
          }
          if (offset + 1000 >= conns.total) break
        }
        const ms = performance.now() - t0
        out.respEngine = { messages, ms, perSec: rate(messages, ms), fileBytes: statSync(file).size }
        log(`  engine: ${messages.toLocaleString('en-US')} messages listed with summaries in ${fmt(ms, 0)} ms`)
        if (messages < out.resp.messages * 0.9) fail('messages engine', `the engine listed ${messages} messages, the codec alone ${out.resp.messages}`)
      } finally {
        await engine.close()
      }
    } finally {
      redis.close()
    }
  }
  if (!I.codecFor({ kind: 'protocol', protocol: 'postgres' })) log('messages: no PostgreSQL codec in this build: its row is left out')
  else if (!hasProgram('pgbench')) fail('messages', 'pgbench is needed (apt-get install postgresql)')
  else {
    const pg = await startPostgres()
    try {
      const tx = Q ? 500 : 5000
      await runProgram('pgbench', ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-i', '-s', '1', 'postgres'])
      log(`messages: pgbench -t ${tx} -c 2 -M extended, recorded in memory ...`)
      const conns = await recordThrough(pg.port, async (port) => runProgram('pgbench', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-t', String(tx), '-c', '2', '-M', 'extended', 'postgres']))
      out.postgres = codecRates(I, conns, { kind: 'protocol', protocol: 'postgres' }, 'PostgreSQL')
    } finally {
      pg.close()
    }
  }
  return out
}

let server
async function httpServer() {
  if (!server) {
    server = new Helper(join(HERE, 'http-server.mjs'), [], 'http server')
    const ready = await server.wait('ready', 20_000)
    server.addr = ready.http
  }
  return server.addr
}

/**
 * The proxy under test: the engine as `tcpscope proxy` runs it, from this bench's bundle
 * (bench/live-proxy.mjs), which says how many exchanges live decoding has listed.
 */
async function startProxy(capture, env = {}, to = undefined) {
  const target = to ?? (await httpServer())
  const p = new Helper(join(HERE, 'live-proxy.mjs'), [capture, target], 'proxy under test', { env })
  const ready = await p.wait('ready', 20_000)
  p.host = ready.host
  p.port = ready.port
  return p
}

const progressOf = (p) => p.request({ type: 'progress' }, 'progress', 10_000)

async function stopProxy(p) {
  await p.request({ type: 'stop' }, 'stopped', 120_000)
  await p.close()
}

/** Each file's bytes on the disk (fsync), so no writeback of them runs beside what is timed next. */
/** bench/decode-fresh.mjs on `file`: one cold decoding in a process of its own. */
function freshDecode(file) {
  const r = spawnSync(process.execPath, [join(HERE, 'decode-fresh.mjs'), file], { encoding: 'utf8', timeout: 120_000 })
  const line = r.stdout?.trim().split('\n').pop()
  if (r.status !== 0 || !line) throw new Error(`decode-fresh.mjs: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop()}`)
  return JSON.parse(line)
}

function flushToDisk(...files) {
  for (const file of files) {
    const fd = openSync(file, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

/** Records typical exchanges and a 1 GiB download through the CLI proxy, then times the engine decoding each file. */
async function enginePart(I) {
  const out = {}
  const many = join(tmpRoot, 'exchanges.tcap')
  log(`engine: recording ${V.exchanges.toLocaleString('en-US')} exchanges over ${V.connections} keep-alive connections through tcpscope proxy ...`)
  let p = await startProxy(many, { TCPSCOPE_DECODE: 'off' })
  const rec = await keepAlive({ host: p.host, port: p.port, exchanges: V.exchanges, connections: V.connections })
  await stopProxy(p)
  out.recorded = { exchanges: V.exchanges, seconds: rec.ms / 1000, fileBytes: statSync(many).size }

  const big = join(tmpRoot, 'download.tcap')
  const dl = contentLengthDownload(V.download)
  log(`engine: recording one ${fmt(V.download / MiB, 0)} MiB Content-Length download through tcpscope proxy ...`)
  p = await startProxy(big, { TCPSCOPE_DECODE: 'off' })
  const got = await download({ host: p.host, port: p.port, path: dl.path, wire: dl.wire })
  await stopProxy(p)
  out.recordedDownload = { bytes: got.bytes, seconds: got.ms / 1000, fileBytes: statSync(big).size }

  // The files just written are flushed first, so the kernel's writeback of the GiB just
  // recorded does not run beside the decoding timed next.
  flushToDisk(many, big)
  const engine = await I.Engine.create({ capturePath: join(tmpRoot, 'engine-live.tcap') })
  try {
    out.decodingMode = engine.decoding?.mode
    const decodeFile = async (file) => {
      const read0 = { ...I.readStats }
      const { openMs, decodeMs, exchanges, calls, page } = await decodeThroughEngine(engine, file)
      return { openMs, decodeMs, exchanges, calls, bytesRead: I.readStats.bytes - read0.bytes, directRead: I.readStats.direct - read0.direct, first: page.rows[0] }
    }
    log('engine: decoding the exchanges capture (exchange.page until its scan is done), twice ...')
    const runs = [await decodeFile(many), await decodeFile(many)]
    for (const r of runs) if (r.exchanges !== V.exchanges) fail('engine exchanges', `the engine decoded ${r.exchanges} exchanges of ${V.exchanges}`)
    out.exchanges = runs.map((r) => ({ ...r, exchangesPerSec: rate(r.exchanges, r.decodeMs), withOpenPerSec: rate(r.exchanges, r.decodeMs + r.openMs), first: undefined }))
    // The same cold decoding in a process of its own, with nothing of the bench in it.
    log('engine: decoding the exchanges capture in a fresh process ...')
    const fresh = freshDecode(many)
    if (fresh.exchanges !== V.exchanges) fail('engine fresh process', `decoded ${fresh.exchanges} exchanges of ${V.exchanges}`)
    out.fresh = { ...fresh, exchangesPerSec: rate(fresh.exchanges, fresh.decodeMs), withOpenPerSec: rate(fresh.exchanges, fresh.decodeMs + fresh.openMs) }
    // Many connections of one exchange each: what decoding costs per connection (the exchange list bench's capture).
    const short = join(tmpRoot, 'short.tcap')
    log(`engine: recording ${V.shortConnections.toLocaleString('en-US')} connections of one exchange each through tcpscope proxy ...`)
    const recShort = await recordCapture({ cli: join(ROOT, 'bin', 'tcpscope.js'), file: short, connections: V.shortConnections, total: V.shortConnections, http: true })
    out.recordedShort = { connections: V.shortConnections, seconds: recShort.seconds, fileBytes: statSync(short).size }
    flushToDisk(short)
    log('engine: decoding the short connections capture ...')
    const s = await decodeFile(short)
    rmSync(short, { force: true })
    if (s.exchanges !== V.shortConnections) fail('engine short connections', `the engine decoded ${s.exchanges} exchanges of ${V.shortConnections}`)
    out.short = { ...s, exchangesPerSec: rate(s.exchanges, s.decodeMs), first: undefined }
    log('engine: decoding the download capture ...')
    const d = await decodeFile(big)
    if (d.exchanges !== 1) fail('engine download', `the engine decoded ${d.exchanges} exchanges, expected 1`)
    else if (d.first?.state !== 'complete' || d.first?.responseSize !== V.download) fail('engine download', `the exchange reads ${d.first?.state}, response ${d.first?.responseSize} bytes; expected complete, ${V.download}`)
    out.download = d
  } finally {
    await engine.close()
  }
  out.skipAlone = skipDownload(I.createConnectionDecoder, V.download)
  rmSync(many, { force: true })
  rmSync(big, { force: true })
  return out
}

/**
 * After the load: how many exchanges live decoding had listed when it ended, and how long it
 * took to list `want` of them, complete (a run that leaves decoding behind is not cheaper,
 * only later). Gives up after LIST_WAIT_MS.
 */
const LIST_WAIT_MS = 60_000
async function listed(p, want, wantMax = want) {
  const atEnd = await progressOf(p)
  const t0 = performance.now()
  let now = atEnd
  while ((now.exchanges < want || now.complete < want) && performance.now() - t0 < LIST_WAIT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    now = await progressOf(p)
  }
  const lagMs = performance.now() - t0
  const ok = now.exchanges >= want && now.complete >= want && now.exchanges <= wantMax
  return { atEnd: atEnd.exchanges, exchanges: now.exchanges, complete: now.complete, lagMs, ok, mode: now.mode }
}

/**
 * The proxy (the engine as `tcpscope proxy` runs it) with live decoding, the default, and
 * with TCPSCOPE_DECODE=off: fresh processes case after case, the order swapped every round so
 * drift does not favour one. With decoding on, every exchange proxied must be listed after.
 */
async function proxyPart() {
  const wrk = hasWrk()
  const kinds = [
    { id: 'exchanges', title: `keep-alive exchanges, Node client checking every byte: ${V.proxyExchanges.toLocaleString('en-US')} over ${V.proxyConnections} connections`, unit: 'exchanges/s' },
    ...(wrk ? [{ id: 'wrk', title: `wrk -c${V.proxyConnections} -t1 -d${V.wrkSeconds}s, keep-alive GETs of one ~1 KiB answer`, unit: 'requests/s' }] : []),
    { id: 'download', title: `Content-Length download of ${fmt(V.proxyDownload / MiB, 0)} MiB, 1 connection`, unit: 'MiB/s', dl: contentLengthDownload(V.proxyDownload) },
    { id: 'chunked', title: `chunked download of ${fmt(V.proxyChunked / MiB, 0)} MiB in ${V.proxyChunkSize / KiB} KiB chunks, 1 connection`, unit: 'MiB/s', dl: chunkedDownload(V.proxyChunked, V.proxyChunkSize) }
  ]
  if (!wrk) log('proxy: wrk is not installed: its case is left out')
  const records = []
  for (let round = 1; round <= V.rounds; round++) {
    for (const kind of kinds) {
      const modes = round % 2 ? ['off', 'on'] : ['on', 'off']
      for (const mode of modes) {
        const where = `proxy round ${round} ${kind.id} decoding ${mode}`
        const capture = join(tmpRoot, `proxy-${round}-${kind.id}-${mode}.tcap`)
        const rec = { round, kind: kind.id, mode }
        let p
        try {
          p = await startProxy(capture, mode === 'off' ? { TCPSCOPE_DECODE: 'off' } : {})
          const cpu0 = cpuTimes(p.pid)
          let count
          if (kind.id === 'exchanges') {
            const r = await keepAlive({ host: p.host, port: p.port, exchanges: V.proxyExchanges, connections: V.proxyConnections })
            rec.value = rate(V.proxyExchanges, r.ms)
            count = V.proxyExchanges
          } else if (kind.id === 'wrk') {
            const r = await runWrk({ url: `http://${p.host}:${p.port}/api/items/7`, connections: V.proxyConnections, seconds: V.wrkSeconds })
            if (r.errors > 0) throw new Error(`wrk counted ${r.errors} error(s)`)
            rec.value = rate(r.requests, r.seconds * 1000)
            count = r.requests
          } else {
            const r = await download({ host: p.host, port: p.port, path: kind.dl.path, wire: kind.dl.wire })
            rec.value = rate(r.bytes / MiB, r.ms)
            rec.bytes = r.bytes
            count = 1
          }
          const cpu1 = cpuTimes(p.pid)
          rec.proxyCpuS = cpu1.user + cpu1.sys - cpu0.user - cpu0.sys
          if (kind.dl) rec.cpuSPerGiB = rec.proxyCpuS / (rec.bytes / GiB)
          else rec.cpuUsPerExchange = (rec.proxyCpuS / count) * 1e6
          if (mode === 'on') {
            // wrk stops with requests in flight: up to one a connection more may be listed (and not complete).
            const l = await listed(p, count, kind.id === 'wrk' ? count + V.proxyConnections : count)
            rec.listed = l
            if (!l.ok) fail(where, `live decoding listed ${l.exchanges} exchange(s), ${l.complete} complete, ${fmt(l.lagMs / 1000, 1)} s after the load; expected ${count}`)
          }
          await stopProxy(p)
          p = undefined
          const lag = rec.listed ? `; listed ${rec.listed.atEnd.toLocaleString('en-US')} at the end, all ${fmt(rec.listed.lagMs, 0)} ms later` : ''
          log(`  [round ${round}] ${kind.id.padEnd(9)} decoding ${mode.padEnd(3)}  ${fmt(rec.value, 0)} ${kind.unit}, proxy CPU ${fmt(rec.proxyCpuS, 2)} s${lag}`)
        } catch (err) {
          fail(where, err.message)
        } finally {
          if (p) p.kill()
          rmSync(capture, { force: true })
        }
        records.push(rec)
      }
    }
  }
  const summary = {}
  for (const kind of kinds) {
    const of = (mode) => records.filter((r) => r.kind === kind.id && r.mode === mode && Number.isFinite(r.value))
    const ratios = []
    for (let round = 1; round <= V.rounds; round++) {
      const on = records.find((r) => r.kind === kind.id && r.mode === 'on' && r.round === round)
      const off = records.find((r) => r.kind === kind.id && r.mode === 'off' && r.round === round)
      if (on?.value && off?.value) ratios.push(on.value / off.value)
    }
    const cpuKey = kind.dl ? 'cpuSPerGiB' : 'cpuUsPerExchange'
    summary[kind.id] = {
      title: kind.title,
      unit: kind.unit,
      cpuUnit: kind.dl ? 'proxy CPU s/GiB' : 'proxy CPU µs/exchange',
      off: median(of('off').map((r) => r.value)),
      on: median(of('on').map((r) => r.value)),
      cpuOff: median(of('off').map((r) => r[cpuKey])),
      cpuOn: median(of('on').map((r) => r[cpuKey])),
      lagMs: median(of('on').map((r) => r.listed?.lagMs)),
      ratio: median(ratios),
      ratios
    }
  }
  return { records, summary }
}

// ---------------------------------------------------------------------------------------
// Report

function report(meta, R) {
  const out = []
  const mark = (ok) => (ok ? 'ok' : 'MISSED')
  out.push('')
  out.push(`tcpscope decoding bench — ${Q ? 'QUICK volumes (smoke test)' : 'full volumes'}; node ${meta.node}, ${meta.cpus} CPU(s), load average at start ${meta.load.map((x) => x.toFixed(2)).join(' ')}, commit ${meta.commit.slice(0, 10)}, ${meta.date}`)
  if (R.decoder) {
    const d = R.decoder
    out.push('')
    out.push(`Decoder alone (DecoderSet.feed, in memory): ${V.exchanges.toLocaleString('en-US')} typical exchanges (requests ~430 B, response heads ~310 B, bodies 0-1.9 KiB) over ${V.connections} connections; median of ${V.runs} runs after a warm-up`)
    out.push(
      table([
        ['', 'exchanges/s', 'MiB/s', 'ms', ''],
        ['batches as a file is read (<= 1,024 records / 256 KiB)', fmt(d.file.exchangesPerSec, 0), fmt(d.file.mibPerSec, 1), fmt(d.file.ms, 1), `target >= 100,000: ${mark(d.file.exchangesPerSec >= 100_000)}`],
        ['one record per batch (live, takeChanges after every read)', fmt(d.live.exchangesPerSec, 0), fmt(d.live.mibPerSec, 1), fmt(d.live.ms, 1), `target >= 100,000: ${mark(d.live.exchangesPerSec >= 100_000)}`]
      ])
    )
  }
  if (R.chunked) {
    out.push('')
    out.push(`Chunked bodies, decoder alone, pushed as 64 KiB reads (every byte pushed; median of ${V.runs} runs)`)
    const rows = [['', 'body MiB/s', 'wire MiB/s', 'chunks/s', 'body MiB', '']]
    for (const [label, c] of Object.entries(R.chunked)) rows.push([label, fmt(c.bodyMiBps, 1), fmt(c.wireMiBps, 1), fmt(c.chunksPerSec, 0), fmt(c.body / MiB, 1), label === '1-byte chunks' ? '(no target: 6 wire bytes per body byte)' : `target >= 500: ${mark(c.bodyMiBps >= 500)}`])
    out.push(table(rows))
  }
  if (R.engine) {
    const e = R.engine
    out.push('')
    out.push(`Engine (in-process, decoders ${e.decodingMode === 'worker' ? 'in the decode worker' : 'on the engine thread'}): a capture of ${V.exchanges.toLocaleString('en-US')} exchanges recorded through tcpscope proxy (${fmt(e.recorded.fileBytes / MiB, 1)} MiB file, recorded in ${fmt(e.recorded.seconds, 1)} s), capture.open then exchange.page until its scan is done`)
    const rows = [['', 'open ms', 'decode ms', 'exchanges/s', 'incl. open', 'MiB read', 'of it O_DIRECT', '']]
    const direct = (r) => (r.directRead === undefined ? '' : fmt(r.directRead / MiB, 1))
    e.exchanges.forEach((r, i) => rows.push([i === 0 ? 'first decode (cold)' : 'again, reopened (warm)', fmt(r.openMs, 1), fmt(r.decodeMs, 0), fmt(r.exchangesPerSec, 0), fmt(r.withOpenPerSec, 0), fmt(r.bytesRead / MiB, 1), direct(r), `target >= 100,000: ${mark(r.exchangesPerSec >= 100_000)}`]))
    if (e.fresh) rows.push(['first decode, a fresh process', fmt(e.fresh.openMs, 1), fmt(e.fresh.decodeMs, 0), fmt(e.fresh.exchangesPerSec, 0), fmt(e.fresh.withOpenPerSec, 0), e.fresh.bytesRead === undefined ? '' : fmt(e.fresh.bytesRead / MiB, 1), direct(e.fresh), `target >= 100,000: ${mark(e.fresh.exchangesPerSec >= 100_000)}`])
    out.push(table(rows))
    out.push('(The proxy writes captures with O_DIRECT and decoding reads its windows of 1 MiB and more so: each decoding reads the file from the disk, not the page cache. The fresh process has nothing of the bench in it.)')
    if (e.short) {
      const r = e.short
      out.push('')
      out.push(`${V.shortConnections.toLocaleString('en-US')} connections of one exchange each (${fmt(e.recordedShort.fileBytes / MiB, 1)} MiB file), capture.open then exchange.page until its scan is done`)
      out.push(
        table([
          ['', 'open ms', 'decode ms', 'exchanges/s', 'MiB read', ''],
          ['first decode (cold)', fmt(r.openMs, 1), fmt(r.decodeMs, 0), fmt(r.exchangesPerSec, 0), fmt(r.bytesRead / MiB, 1), `target >= 100,000: ${mark(r.exchangesPerSec >= 100_000)}`]
        ])
      )
    }
    const d = e.download
    out.push('')
    out.push(`A ${fmt(V.download / MiB, 0)} MiB Content-Length download (${fmt(e.recordedDownload.fileBytes / MiB, 1)} MiB capture file)`)
    out.push(
      table([
        ['', 'ms', 'bytes read', ''],
        ['engine: capture.open', fmt(d.openMs, 1), '', ''],
        ['engine: exchange.page until decoded (head parse + skip)', fmt(d.decodeMs, 1), `${d.bytesRead.toLocaleString('en-US')} (open + decode)`, `target < 50: ${mark(d.decodeMs < 50)}; ${d.first ? `${d.first.state}, ${d.first.status}, response ${d.first.responseSize.toLocaleString('en-US')} B` : 'no exchange'}`],
        ['decoder alone: head, then what wantFrom asks for', fmt(e.skipAlone.ms, 2), `${e.skipAlone.pushed.toLocaleString('en-US')} pushed`, `wantFrom after the head: ${e.skipAlone.want.toLocaleString('en-US')} of ${e.skipAlone.total.toLocaleString('en-US')}; ${e.skipAlone.state}`]
      ])
    )
  }
  if (R.h2) {
    const h = R.h2
    out.push('')
    out.push(`HTTP/2: ${V.exchanges.toLocaleString('en-US')} requests by Node's http2 client over ${V.h2Connections} connections, 10-100 streams in flight each (real HPACK); median of ${V.runs} runs after a warm-up`)
    const http1 = R.decoder ? (label) => ` (HTTP/1: ${fmt(R.decoder[label].exchangesPerSec, 0)})` : () => ''
    const rows = [['', 'exchanges/s', 'MiB/s', 'ms', '']]
    rows.push(['decoder alone, batches as a file is read', fmt(h.file.exchangesPerSec, 0), fmt(h.file.mibPerSec, 1), fmt(h.file.ms, 1), `target >= 100,000: ${mark(h.file.exchangesPerSec >= 100_000)}${http1('file')}`])
    rows.push(['decoder alone, one record per batch (live)', fmt(h.live.exchangesPerSec, 0), fmt(h.live.mibPerSec, 1), fmt(h.live.ms, 1), `target >= 100,000: ${mark(h.live.exchangesPerSec >= 100_000)}${http1('live')}`])
    h.engine?.forEach((r, i) => rows.push([`engine (${h.decodingMode === 'worker' ? 'decode worker' : 'engine thread'}), capture file of ${fmt(h.recorded.fileBytes / MiB, 1)} MiB, ${i === 0 ? 'cold' : 'reopened'}`, fmt(r.exchangesPerSec, 0), '', fmt(r.decodeMs, 0), `target >= 100,000: ${mark(r.exchangesPerSec >= 100_000)}`]))
    out.push(table(rows))
  }
  if (R.proxy) {
    out.push('')
    out.push(`The proxy (the engine as tcpscope proxy runs it) with live decoding, the default, against TCPSCOPE_DECODE=off: fresh processes case after case, the order swapped each round; medians over ${V.rounds} round(s). CPU: the proxy process, all threads (the decode worker's included). "All listed": how long after the load live decoding had every exchange listed (checked: none missing)`)
    const rows = [['', 'decoding off', 'decoding on', 'on / off (range)', '', 'CPU off', 'CPU on', '', 'all listed']]
    for (const s of Object.values(R.proxy.summary)) {
      const range = s.ratios.length > 1 ? `(${Math.min(...s.ratios).toFixed(2)}-${Math.max(...s.ratios).toFixed(2)})` : ''
      rows.push([`${s.title}, ${s.unit}`, fmt(s.off, 0), fmt(s.on, 0), `${Number.isFinite(s.ratio) ? s.ratio.toFixed(2) : '-'} ${range}`, `target >= 0.90: ${mark(s.ratio >= 0.9)}`, fmt(s.cpuOff, 2), fmt(s.cpuOn, 2), s.cpuUnit, `${fmt(s.lagMs, 0)} ms after`])
    }
    out.push(table(rows))
  }
  if (R.messages) {
    const m = R.messages
    out.push('')
    out.push(`Raw protocols as messages: real conversations recorded in memory, cut by their codecs alone (cut and noted: what the message index does to every message), and described too (summary and field tree: what a page does to the messages on screen); median of ${V.runs} runs after a warm-up`)
    const rows = [['', 'messages', 'messages/s cut', 'MiB/s', 'messages/s described', '']]
    if (m.resp) rows.push([`RESP: redis-benchmark -P 16 -c 4 -t set,get (${m.resp.connections} connections)`, m.resp.messages.toLocaleString('en-US'), fmt(m.resp.perSec, 0), fmt(m.resp.mibPerSec, 1), fmt(m.resp.describedPerSec, 0), `target >= 500,000: ${mark(m.resp.perSec >= 500_000)}`])
    if (m.postgres) rows.push([`PostgreSQL: pgbench -c 2 -M extended (${m.postgres.connections} connections)`, m.postgres.messages.toLocaleString('en-US'), fmt(m.postgres.perSec, 0), fmt(m.postgres.mibPerSec, 1), fmt(m.postgres.describedPerSec, 0), ''])
    if (m.respEngine) rows.push([`RESP through the engine: capture.open, msg.page of every connection (${fmt(m.respEngine.fileBytes / MiB, 1)} MiB file)`, m.respEngine.messages.toLocaleString('en-US'), '', '', fmt(m.respEngine.perSec, 0), '(index built, every message described)'])
    out.push(table(rows))
  }
  out.push('')
  if (failures.length) {
    out.push(`FAILED: ${failures.length} error(s) — these results are not valid:`)
    for (const f of failures) out.push(`  [${f.where}] ${f.message}`)
  } else out.push('Every answer checked byte for byte, every exchange counted: no errors.')
  out.push(`Raw results: ${relative(process.cwd(), args.out) || args.out}`)
  console.log(out.join('\n'))
}

// ---------------------------------------------------------------------------------------

async function main() {
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    load: loadavg(),
    parts,
    volumes: V,
    commit: gitCommit(ROOT)
  }
  const R = {}
  try {
    if (args['no-build'] && !existsSync(join(BUNDLE_DIR, 'decode-internals.cjs'))) throw new Error('--no-build, but out/bench/decode-internals.cjs is not there: run once without it')
    if (!args['no-build']) {
      log('bench: bundling the decoders and the engine (out/bench) ...')
      await buildInternals()
    }
    const I = loadInternals()
    tmpRoot = mkdtempSync(join(resolve(args.dir), 'tcpscope-decode-bench-'))
    // A part that fails is reported and the others still run.
    const run = async (name, f) => {
      if (!parts.includes(name)) return
      try {
        R[name] = await f()
      } catch (err) {
        fail(name, err.stack ?? err.message)
      }
    }
    await run('decoder', () => decoderPart(I))
    await run('chunked', () => chunkedPart(I))
    await run('engine', () => enginePart(I))
    await run('h2', () => h2Part(I))
    await run('proxy', () => proxyPart())
    await run('messages', () => messagesPart(I))
  } catch (err) {
    fail('bench', err.stack ?? err.message)
  } finally {
    if (server) await server.close()
    const left = liveChildren()
    if (left.length) fail('bench', `child processes still running at the end (killed now): ${left.join(', ')}`)
    cleanupSync()
  }
  mkdirSync(dirname(args.out), { recursive: true })
  writeFileSync(args.out, JSON.stringify({ meta, results: R, failures }, null, 2) + '\n')
  report(meta, R)
  return failures.length ? 1 : 0
}

process.exitCode = await main().catch((err) => {
  log(`bench: ${err.stack ?? err}`)
  cleanupSync()
  return 1
})
