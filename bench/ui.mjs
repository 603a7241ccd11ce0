// The UI under load, in real Chromium against `tcpscope web` (issue 10):
//  - a capture of 100,000 connections: the list's first paint, scrolling it top to bottom
//    (frame times), and a filter over all of it;
//  - a capture of 100,000 HTTP exchanges (one per connection, through the real proxy): the
//    exchange list's first rows, its scroll and a filter, against the same targets (issue 16);
//  - one connection of 1 GiB: the hex view's first paint, a jump to its end, and a find of a
//    4-byte pattern near its end (from the UI's find bar);
//  - live: a proxy carrying a steady 50 MiB/s plus 200 new connections a second while the
//    page shows the list and the busy connection's hex view: the longest main-thread task,
//    event-to-screen delay, and the page's JS heap;
//  - following: 2,000 new connections a second through the proxy while the list follows its
//    end (nothing selected): the longest main-thread task and how many pass 50 ms;
//  - following exchanges: 2,000 HTTP exchanges a second (keep-alive) while the exchange list
//    follows its end, with the same figures;
//  - the proxy's bulk throughput and churn with the page attached (a connection's hex view
//    open, or the list following live traffic) against without it.
// Figures are printed beside their targets; nothing is asserted.
//
//   node bench/ui.mjs [--connections N] [--parts list,exchanges,hex,live,follow,follow-exchanges,load] [--rate N] [--dir DIR] [--seconds N] [--profile] [--trace FILE] [--ui DIR] [--cli FILE] [--list-capture FILE] [--exchanges-capture FILE]
// --profile prints where the page's main thread spent its time while scrolling and during the live
// and follow parts, and what ran in its tasks over 50 ms; --trace FILE keeps that trace (DevTools).
// --ui DIR serves another build of the renderer (to compare two builds in one session); --cli FILE
// runs another build of the engine (`node FILE web`, and the recordings).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { firstJsonLine, recordCapture, startSink } from './lib/record-capture.mjs'
import { connectEngine } from './lib/ws-engine.mjs'
import { installProbes } from './lib/ui-probes.mjs'
import { cpuSeconds, treeCpuSeconds } from './lib/proc.mjs'
import { printProfile, startProfile, stopProfile } from './lib/ui-profile.mjs'

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '100000' },
    parts: { type: 'string', default: 'list,exchanges,hex,live,follow,follow-exchanges,load' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    dir: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    profile: { type: 'boolean' },
    trace: { type: 'string' },
    ui: { type: 'string' },
    cli: { type: 'string' },
    'list-capture': { type: 'string' },
    'exchanges-capture': { type: 'string' }
  }
})
const CONNECTIONS = Number(values.connections)
const PARTS = new Set(values.parts.split(','))
const LIVE_SECONDS = Number(values.seconds)
const root = resolve(import.meta.dirname, '..')
const CLI = values.cli ? resolve(values.cli) : join(root, 'bin', 'tcpscope.js')
const dir = mkdtempSync(join(values.dir ?? tmpdir(), 'tcpscope-ui-bench-'))
const log = (s) => process.stderr.write(s + '\n')
const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }))
const row = (label, value, note = '') => console.log(`  ${label.padEnd(60)} ${value.padStart(10)}  ${note}`)
const verdict = (v, target) => `target < ${target}: ${v < target ? 'ok' : 'MISSED'}`
const pct = (xs, p) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : NaN)

async function startWeb(args) {
  const ui = values.ui ? ['--ui', resolve(values.ui)] : []
  // --profile: the engine's own CPU profile too (whole run), printed when it stops.
  const profDir = values.profile ? mkdtempSync(join(dir, 'engine-profile-')) : undefined
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
  const child = spawn(process.execPath, [...prof, CLI, 'web', '--json', ...ui, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const { url } = await firstJsonLine(child)
  const engine = await connectEngine(url)
  return {
    url,
    engine,
    pid: child.pid,
    stop: async () => {
      engine.close()
      child.kill('SIGINT')
      await once(child, 'exit')
      // node names each thread's file CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main one.
      for (const f of profDir ? readdirSync(profDir).sort() : []) {
        const whose = /\.\d+\.0\.\d+\.cpuprofile$/.test(f) ? "the engine's main thread" : 'an engine worker thread (decoding, scripts)'
        printProfile(JSON.parse(readFileSync(join(profDir, f), 'utf8')), `${whose}, the whole run`)
      }
    }
  }
}

/** A scroll's figures (scrollGrid in lib/ui-probes.mjs). Frame times are the frames' own start times. */
function scrollRows(scroll, used) {
  row(`scroll top to bottom in ${scroll.frames} frames: frame time p50, ms`, fmt(scroll.p50, 1))
  row('  page main-thread CPU per frame, ms', fmt(used.thread / scroll.frames, 2), `script ${fmt(used.script / scroll.frames, 2)}, style and layout ${fmt(used.layout / scroll.frames, 2)}`)
  // The two cores are shared by the page, the rest of Chromium and the engine: what each took.
  row('  CPU per frame: the engine / all of Chromium, ms', `${fmt(used.engine / scroll.frames, 2)} / ${fmt(used.browser / scroll.frames, 2)}`, `list queries ${fmt(scroll.queries)}, ${fmt(scroll.bytes / 1024)} KiB received`)
  // One 60 Hz refresh is 16.67 ms; the page's clock steps 0.1 ms with jitter, so one refresh reads 16.6-16.8.
  row('  frame time p95, ms', fmt(scroll.p95, 1), `target <= 16.7 (one refresh, read on a 0.1 ms clock): ${scroll.p95 <= 16.85 ? 'ok' : 'MISSED'}`)
  row('  frames missed (began over 1.5 refreshes after the one before)', String(scroll.missed))
  row('  longest frame, ms; long tasks (> 50 ms)', fmt(scroll.max, 1), `${scroll.longTasks} long tasks, longest ${fmt(scroll.longestTask, 0)} ms`)
  row('  when each frame\'s script ended: interval p95 / max, ms', `${fmt(scroll.callbackP95, 1)} / ${fmt(scroll.callbackMax, 1)}`)
  row('  rows shown blank (not yet fetched) at the end of the scroll', String(scroll.blankAtEnd))
}

/**
 * A fresh Chromium, once it has done starting. For most of a second after launch returns,
 * Chromium keeps both cores busy with its own pages (its omnibox and other WebUI, loaded even
 * headless: about a second of CPU on the 2-core VM); a page loaded in that time shares the
 * cores with it, which a person's browser, started long before, does not. So it waits until
 * Chromium's processes take under 10% of a core (at most 5 s).
 */
async function launchBrowser() {
  const profile = mkdtempSync(join(dir, 'profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: values.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info', '--disable-background-timer-throttling', '--disable-renderer-backgrounding']
  })
  const browserCpu = () => treeCpuSeconds(process.pid) - cpuSeconds(process.pid)
  const t0 = performance.now()
  for (let last = browserCpu(); performance.now() - t0 < 5000; ) {
    await new Promise((r) => setTimeout(r, 250))
    const now = browserCpu()
    if (now - last < 0.025) break
    last = now
  }
  return context
}

/** `url` in a page of `context` (a Chromium launched for it when not given). */
async function openPage(url, context) {
  context ??= await launchBrowser()
  const page = context.pages()[0] ?? (await context.newPage())
  await page.addInitScript(installProbes)
  await page.goto(url)
  await page.getByRole('grid', { name: 'Connections' }).waitFor()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  const heapMiB = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20
  }
  // The page's main-thread CPU (and the script and layout inside it) over `work`: unlike frame
  // times, these hardly move when other processes share the machine's cores.
  // With the engine's pid, also its CPU and that of every Chromium process (this bench's other
  // children) over `work`, from /proc.
  const cpu = async (work, enginePid) => {
    const read = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]))
    const procs = () => {
      const engine = enginePid ? cpuSeconds(enginePid) : NaN
      return { engine, browser: treeCpuSeconds(process.pid) - cpuSeconds(process.pid) - engine }
    }
    const a = await read()
    const pa = procs()
    const result = await work()
    const pb = procs()
    const b = await read()
    const ms = (k) => (b[k] - a[k]) * 1000
    return { result, thread: ms('ThreadTime'), script: ms('ScriptDuration'), layout: ms('LayoutDuration') + ms('RecalcStyleDuration'), engine: (pb.engine - pa.engine) * 1000, browser: (pb.browser - pa.browser) * 1000 }
  }
  return { page, context, heapMiB, cdp, cpu, close: () => context.close() }
}

const captureTab = (page, name) => page.getByRole('navigation', { name: 'Open captures' }).getByRole('button', { name: new RegExp(`^${name.replace('.', '\\.')} \\d+$`) })

async function listPart() {
  // --list-capture FILE: recorded there once and kept, so that runs compared skip the recording.
  const kept = values['list-capture'] ? resolve(values['list-capture']) : undefined
  const file = kept ?? join(dir, 'list.tcap')
  if (!kept || !existsSync(kept)) {
    log(`recording ${fmt(CONNECTIONS)} connections through tcpscope proxy ...`)
    await recordCapture({ cli: CLI, file, connections: CONNECTIONS, total: CONNECTIONS * 1024, log })
  }
  // The page shows the last file `--open` gives: a one-connection file goes last, so that the
  // click on the big one's tab is the first time its list is shown (timed to its row #2).
  const front = join(dir, 'front.tcap')
  await recordCapture({ cli: CLI, file: front, connections: 1, total: 1024 * 1024 })
  // The browser first: the engine opens the big file as it starts, and the page loads at once.
  const browser = await launchBrowser()
  const w = await startWeb(['--open', file, '--open', front])
  const p = await openPage(w.url, browser)
  try {
    const { page } = p
    console.log(`\nThe list of ${fmt(CONNECTIONS)} connections (Chromium ${p.context.browser()?.version() ?? ''}, tcpscope web)`)
    await captureTab(page, basename(front)).waitFor()
    // First paint: from the click on the capture's tab to the frame after its first rows show.
    const tab = await captureTab(page, basename(file)).elementHandle()
    await page.evaluate(() => window.__probes.mark('first paint'))
    const firstPaint = await page.evaluate((el) => window.__probes.timeToRows(() => el.click(), '2'), tab).catch(async (e) => {
      await page.screenshot({ path: '/tmp/shots/bench-fail.png' })
      throw e
    })
    row('list first paint (click -> first rows painted), ms', fmt(firstPaint, 1), verdict(firstPaint, 300))
    if (values.profile) await startProfile(p.cdp)
    await page.evaluate(() => window.__probes.mark('scroll'))
    const { result: scroll, ...used } = await p.cpu(() => page.evaluate(() => window.__probes.scrollGrid(600)), w.pid)
    if (values.profile) await stopProfile(p.cdp, values.trace)
    scrollRows(scroll, used)
    await page.evaluate(() => window.__probes.mark('filter'))
    const filter = await page.evaluate(() => window.__probes.filterList('client:127.0.0.1:4'))
    row('filter "client:127.0.0.1:4" over all: query sent -> painted, ms', fmt(filter.queryToPaint, 1), `${verdict(filter.queryToPaint, 100)} (rows: ${fmt(filter.rows)})`)
    row('  query sent -> answer received, ms (the engine and the socket)', fmt(filter.queryToAnswer, 1))
    row('  typed -> painted, ms (includes the 150 ms typing pause)', fmt(filter.typedToPaint, 1))
    const clear = await page.evaluate(() => window.__probes.filterList(''))
    row('clear the filter: query sent -> painted, ms', fmt(clear.queryToPaint, 1))
    row('page JS heap after, MiB', fmt(await p.heapMiB(), 1))
    // What the page keeps, not what a collection has yet to free: the figure that grows with what the list holds.
    await p.cdp.send('HeapProfiler.collectGarbage')
    row('  after a garbage collection, MiB', fmt(await p.heapMiB(), 1), verdict(await p.heapMiB(), 20))
    const longest = await page.evaluate(() => window.__probes.longestTask())
    row('longest main-thread task, from page load to here, ms', fmt(longest.ms, 1), `${verdict(longest.ms, 100)} (in: ${longest.phase}; ${longest.count} tasks over 50 ms)`)
  } finally {
    await p.close()
    await w.stop()
  }
  try {
    await coldOpen(file)
  } finally {
    if (!kept) rmSync(file, { force: true })
  }
}

/** Web mode started on the big capture alone, the page then loaded: how long until its first rows show. */
async function coldOpen(file) {
  const browser = await launchBrowser()
  const t0 = performance.now()
  const w = await startWeb(['--open', file])
  const started = performance.now() - t0
  const p = await openPage(w.url, browser)
  try {
    const rows = await p.page.evaluate(() => window.__probes.rowsSinceLoad('2'))
    row('cold start on the capture: tcpscope web -> URL printed, ms', fmt(started, 0))
    row('  page navigation -> first rows painted, ms', fmt(rows, 0))
    const longest = await p.page.evaluate(() => window.__probes.longestTask())
    row('  longest main-thread task in that page load, ms', fmt(longest.ms, 1), `${verdict(longest.ms, 100)} (${longest.count} tasks over 50 ms)`)
  } finally {
    await p.close()
    await w.stop()
  }
}

async function exchangesPart() {
  const kept = values['exchanges-capture'] ? resolve(values['exchanges-capture']) : undefined
  const file = kept ?? join(dir, 'exchanges.tcap')
  if (!kept || !existsSync(kept)) {
    log(`recording ${fmt(CONNECTIONS)} HTTP exchanges through tcpscope proxy ...`)
    await recordCapture({ cli: CLI, file, connections: CONNECTIONS, total: CONNECTIONS, http: true, log })
  }
  const w = await startWeb(['--open', file])
  const p = await openPage(w.url)
  try {
    const { page } = p
    console.log(`\nThe exchange list of ${fmt(CONNECTIONS)} HTTP exchanges (as the connection list's figures above)`)
    await captureTab(page, basename(file)).click()
    await page.getByRole('grid', { name: 'Connections' }).getByRole('row').nth(1).waitFor()
    await page.evaluate(() => window.__probes.useList('HTTP exchanges', 'exchange.page'))
    // First rows: from the click on the view's switch to the frame after its first rows show;
    // the engine decodes the capture's connections on the way (its `scan`).
    const radio = await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).elementHandle()
    const t0 = performance.now()
    const firstPaint = await page.evaluate((el) => window.__probes.timeToRows(() => el.click(), 'GET'), radio)
    row('exchange list first rows (click -> first rows painted), ms', fmt(firstPaint, 1), verdict(firstPaint, 300))
    const status = page.getByRole('status').filter({ hasText: / exchanges$/ })
    await status.filter({ hasText: new RegExp(`^${fmt(CONNECTIONS)} of ${fmt(CONNECTIONS)} exchanges$`) }).waitFor({ timeout: 600_000 })
    row('  every exchange decoded and counted (click -> count shown), ms', fmt(performance.now() - t0, 0))
    if (values.profile) await startProfile(p.cdp)
    const { result: scroll, ...used } = await p.cpu(() => page.evaluate(() => window.__probes.scrollGrid(600)), w.pid)
    if (values.profile) await stopProfile(p.cdp, values.trace)
    scrollRows(scroll, used)
    const filter = await page.evaluate(() => window.__probes.filterList('path:/items/4', 'Filter exchanges'))
    row('filter "path:/items/4" over all: query sent -> painted, ms', fmt(filter.queryToPaint, 1), `${verdict(filter.queryToPaint, 100)} (rows: ${fmt(filter.rows)})`)
    row('  typed -> painted, ms (includes the 150 ms typing pause)', fmt(filter.typedToPaint, 1))
    const clear = await page.evaluate(() => window.__probes.filterList('', 'Filter exchanges'))
    row('clear the filter: query sent -> painted, ms', fmt(clear.queryToPaint, 1))
    row('page JS heap after, MiB', fmt(await p.heapMiB(), 1))
  } finally {
    await p.close()
    await w.stop()
    if (!kept) rmSync(file, { force: true })
  }
}

async function hexPart() {
  const file = join(dir, 'one-gib.tcap')
  log('recording one connection of 1 GiB ...')
  const marker = Buffer.from('\xfe\xed\xfa\xce', 'latin1')
  await recordCapture({ cli: CLI, file, connections: 1, total: 1024 ** 3, marker })
  const w = await startWeb(['--open', file])
  const p = await openPage(w.url)
  try {
    const { page } = p
    console.log('\nOne connection of 1 GiB: the hex view')
    await captureTab(page, 'one-gib.tcap').click()
    await page.getByRole('grid', { name: 'Connections' }).getByRole('row').nth(1).click()
    const hexTab = await page.getByRole('tab', { name: 'Hex' }).elementHandle()
    const first = await page.evaluate((el) => window.__probes.timeToText(() => el.click(), '^0*00000000\\b'), hexTab)
    row('hex view first paint (tab click -> first row painted), ms', fmt(first, 1), verdict(first, 200))
    // Real key presses; the page times from the key's arrival to the frame that shows it.
    const timeKeys = async (keys, source) => {
      await page.evaluate((src) => window.__probes.armText(src), source)
      await page.keyboard.press(keys)
      return page.evaluate(() => window.__probes.armed())
    }
    await page.getByRole('grid', { name: 'Hex bytes' }).focus()
    const end = await timeKeys('Control+End', '^0*3ffffff0\\b')
    row('jump to the end (Ctrl+End -> last row painted), ms', fmt(end, 1), verdict(end, 100))
    await page.keyboard.press('Control+Home')
    await page.keyboard.press('Control+f')
    const find = page.getByRole('search', { name: 'Find in the stream' })
    await find.getByRole('radio', { name: 'Hex' }).click()
    await find.getByRole('textbox', { name: 'Find', exact: true }).fill('fe ed fa ce')
    const found = await timeKeys('Enter', '^0*3ffff000\\b')
    row('find 4 bytes 4 KiB before the end (Enter -> match shown), ms', fmt(found, 1), verdict(found, 2000))
    row('page JS heap after, MiB', fmt(await p.heapMiB(), 1))
  } finally {
    await p.close()
    await w.stop()
    rmSync(file, { force: true })
  }
}

/** Bulk bytes at a steady rate on one connection until `stopAt`; resolves to the bytes sent. */
function bulkAtRate(port, mibPerSecond, stopAt) {
  return new Promise((done) => {
    let sent = 0
    const c = connect({ port, host: '127.0.0.1' })
    c.resume()
    c.on('error', () => {})
    const chunk = Buffer.alloc(256 * 1024, 'live bench ')
    const t0 = performance.now()
    c.on('connect', function pump() {
      while (performance.now() < stopAt()) {
        const due = ((performance.now() - t0) / 1000) * mibPerSecond * 2 ** 20
        if (sent >= due) return setTimeout(pump, 5)
        sent += chunk.length
        if (!c.write(chunk)) return c.once('drain', pump)
      }
      c.end()
      c.on('close', () => done(sent))
    })
  })
}

/** New short connections (1 KiB each) at a steady rate for `seconds`; resolves to how many. */
function churnAtRate(port, perSecond, seconds, onConnect) {
  return new Promise((done) => {
    const t0 = performance.now()
    const stopAt = t0 + seconds * 1000
    let made = 0
    let open = 0
    const tick = () => {
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond)
      while (made < due && performance.now() < stopAt) {
        made++
        open++
        const c = connect({ port, host: '127.0.0.1' })
        c.on('connect', () => {
          onConnect(c.localPort, Date.now())
          c.end(Buffer.alloc(1024, 'x'))
        })
        c.resume()
        c.on('error', () => {})
        c.on('close', () => {
          open--
          if (performance.now() >= stopAt && open === 0) done(made)
        })
      }
      if (performance.now() < stopAt) setTimeout(tick, 5)
      else if (open === 0) done(made)
    }
    tick()
  })
}

/** HTTP exchanges (GETs on keep-alive connections) at a steady rate for `seconds`; resolves to how many were sent. */
function exchangesAtRate(port, perSecond, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
  return new Promise((done) => {
    const t0 = performance.now()
    const stopAt = t0 + seconds * 1000
    let made = 0
    let open = 0
    const settled = () => {
      open--
      if (performance.now() >= stopAt && open === 0) {
        agent.destroy()
        done(made)
      }
    }
    const tick = () => {
      const due = Math.floor(((performance.now() - t0) / 1000) * perSecond)
      // At most so many waiting: a proxy that lags is not buried under requests.
      while (made < due && open < 256 && performance.now() < stopAt) {
        made++
        open++
        let once = false
        const end = () => !once && (once = true) && settled()
        const req = http.get({ host: '127.0.0.1', port, path: `/items/${made}`, agent, headers: { host: 'bench.example' } }, (res) => {
          res.on('end', end)
          res.on('error', end)
          res.resume()
        })
        req.on('error', end)
      }
      if (performance.now() < stopAt) setTimeout(tick, 5)
      else if (open === 0) {
        agent.destroy()
        done(made)
      }
    }
    tick()
  })
}

/** An HTTP server answering every request with a small JSON body, on keep-alive connections. */
async function startHttpServer() {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"bench":"item"}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

/**
 * A list following the end of a live capture: the connection list under `--rate` new
 * connections a second, or the exchange list (`exchanges`) under `--rate` HTTP exchanges a
 * second on keep-alive connections. Nothing is selected.
 */
async function followPart(exchanges = false) {
  const w = await startWeb(['--capture', join(dir, exchanges ? 'follow-exchanges.tcap' : 'follow.tcap')])
  const server = exchanges ? await startHttpServer() : await startSink()
  const p = await openPage(w.url)
  try {
    const { page } = p
    const proxy = await w.engine.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${server.address().port}` })
    const port = Number(proxy.listen.split(':').pop())
    const gridName = exchanges ? 'HTTP exchanges' : 'Connections'
    if (exchanges) {
      await page.getByRole('radiogroup', { name: 'Connection view' }).getByRole('radio', { name: 'Exchanges' }).click()
      await page.getByRole('grid', { name: gridName }).waitFor()
    }
    await page.evaluate(() => window.__probes.startLongTasks())
    if (values.profile) await startProfile(p.cdp)
    const t0 = performance.now()
    const rate = Number(values.rate)
    const { result: made, ...used } = await p.cpu(() => (exchanges ? exchangesAtRate(port, rate, LIVE_SECONDS) : churnAtRate(port, rate, LIVE_SECONDS, () => {})))
    const seconds = (performance.now() - t0) / 1000
    if (values.profile) await stopProfile(p.cdp, values.trace)
    await new Promise((r) => setTimeout(r, 1000))
    const tasks = await page.evaluate(() => window.__probes.stopLongTasks())
    // Whether it still follows: once the count has stopped growing (the engine may still be
    // recording what the clients sent), the list's last row is among those drawn.
    const atEnd = await page.evaluate(async (name) => {
      const g = document.querySelector(`[role=grid][aria-label="${name}"]`)
      const count = () => g.getAttribute('aria-rowcount')
      const frame = () => new Promise((r) => requestAnimationFrame(r))
      for (let i = 0, last = count(); i < 20; i++) {
        await new Promise((r) => setTimeout(r, 300))
        if (count() === last) break
        last = count()
      }
      await frame()
      await frame()
      const drawn = [...g.querySelectorAll('[role=row][aria-rowindex]')].map((r) => Number(r.getAttribute('aria-rowindex')))
      return Math.max(...drawn) === Number(count())
    }, gridName)
    const shown = await page.getByRole('grid', { name: gridName }).getAttribute('aria-rowcount')
    const what = exchanges ? 'HTTP exchanges on keep-alive connections' : 'new connections'
    // No event-to-screen figure here: at this rate client ports are reused within the run.
    console.log(`\nFollowing: ${fmt(made)} ${what} in ${fmt(seconds, 1)} s (${fmt(made / seconds)}/s), the ${exchanges ? 'exchange ' : ''}list following its end (${fmt(Number(shown) - 1)} rows at the end, the last ${atEnd ? '' : 'NOT '}on screen)`)
    row('longest main-thread task, ms', fmt(tasks.longest, 1), `${verdict(tasks.longest, 50)} (${tasks.count} tasks over 50 ms)`)
    // Per row listed: a loaded machine's proxy lags the clients, and the page only sees what it recorded.
    const listed = Number(shown) - 1
    row('page main-thread CPU per 1,000 rows listed, ms', fmt((used.thread / listed) * 1000, 0), `script ${fmt((used.script / listed) * 1000, 0)}, style and layout ${fmt((used.layout / listed) * 1000, 0)}`)
    row('page JS heap, MiB', fmt(await p.heapMiB(), 1))
  } finally {
    await p.close()
    await w.stop()
    server.close()
  }
}

async function livePart() {
  const w = await startWeb(['--capture', join(dir, 'live.tcap')])
  const sink = await startSink()
  const p = await openPage(w.url)
  try {
    const { page } = p
    const proxy = await w.engine.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${sink.address().port}` })
    const port = Number(proxy.listen.split(':').pop())
    // The busy connection first, so it is #1: select it and open its hex view; then the churn.
    let stopAt = Infinity
    const bulk = bulkAtRate(port, 50, () => stopAt)
    await page.getByRole('grid', { name: 'Connections' }).getByRole('gridcell', { name: '1', exact: true }).click()
    await page.getByRole('tab', { name: 'Hex' }).click()
    const connected = new Map()
    await page.evaluate(() => window.__probes.watchNewRows())
    await page.evaluate(() => window.__probes.startLongTasks())
    if (values.profile) await startProfile(p.cdp)
    const t0 = performance.now()
    const made = await churnAtRate(port, 200, LIVE_SECONDS, (localPort, at) => connected.set(localPort, at))
    stopAt = 0
    const bulkBytes = await bulk
    const seconds = (performance.now() - t0) / 1000
    if (values.profile) await stopProfile(p.cdp, values.trace)
    await new Promise((r) => setTimeout(r, 1000))
    const seen = await page.evaluate(() => window.__probes.takeNewRows())
    const tasks = await page.evaluate(() => window.__probes.stopLongTasks())
    const delays = []
    for (const [localPort, at] of Object.entries(seen)) {
      const t = connected.get(Number(localPort))
      if (t !== undefined) delays.push(at - t)
    }
    const heap = await p.heapMiB()
    await p.cdp.send('HeapProfiler.collectGarbage')
    const heapAfterGc = await p.heapMiB()
    console.log(`\nLive: ${fmt(bulkBytes / 2 ** 20)} MiB on one connection (${fmt(bulkBytes / 2 ** 20 / seconds, 1)} MiB/s while measured) plus ${fmt(made)} new connections in ${fmt(seconds, 1)} s (${fmt(made / seconds)}/s); the list and the busy connection's hex view on screen`)
    row('longest main-thread task, ms', fmt(tasks.longest, 1), `${verdict(tasks.longest, 50)} (${tasks.count} tasks over 50 ms)`)
    row(`event to screen (connected -> row on screen), p95 of ${delays.length}, ms`, fmt(pct(delays, 95), 0), `${verdict(pct(delays, 95), 100)} (p50 ${fmt(pct(delays, 50), 0)})`)
    row('page JS heap, MiB (after a forced GC)', fmt(heap, 1), `${verdict(heapAfterGc, 200)} (${fmt(heapAfterGc, 1)} after GC)`)
  } finally {
    await p.close()
    await w.stop()
    sink.close()
  }
}

/** Bulk MiB/s through the proxy (1 GiB as fast as it goes) and churn (connections a second). */
async function proxyLoad(port) {
  const total = 1024 ** 3
  const chunk = Buffer.alloc(1024 * 1024, 'load ')
  const c = connect({ port, host: '127.0.0.1' })
  await once(c, 'connect')
  c.resume()
  const t0 = performance.now()
  for (let sent = 0; sent < total; sent += chunk.length) if (!c.write(chunk)) await once(c, 'drain')
  c.end()
  await once(c, 'close')
  const bulk = total / 2 ** 20 / ((performance.now() - t0) / 1000)
  const n = 5000
  let started = 0
  const t1 = performance.now()
  await new Promise((done) => {
    let closed = 0
    const next = () => {
      if (started >= n) return
      started++
      const s = connect({ port, host: '127.0.0.1' }, () => s.end(Buffer.alloc(1024)))
      s.resume()
      s.on('error', () => {})
      s.on('close', () => (++closed === n ? done() : next()))
    }
    for (let i = 0; i < 50; i++) next()
  })
  return { bulk, churn: n / ((performance.now() - t1) / 1000) }
}

async function loadPart() {
  // The page two ways: one connection selected with its hex view open; or following the live
  // list's end with nothing selected (the "with the UI attached and following live traffic").
  const modes = ['without', 'selected', 'following']
  console.log(`\nThe proxy with and without the UI attached (1 GiB bulk, then 5,000 connections 50 at a time; ${modes.join(', ')} in turn, 2 rounds each)`)
  const results = Object.fromEntries(modes.map((m) => [m, []]))
  for (let round = 0; round < 2; round++) {
    for (const mode of modes) {
      const file = join(dir, `load-${round}-${mode}.tcap`)
      const w = await startWeb(['--capture', file])
      const sink = await startSink()
      const p = mode === 'without' ? undefined : await openPage(w.url)
      try {
        const proxy = await w.engine.call('proxy.start', { listen: '127.0.0.1:0', target: `127.0.0.1:${sink.address().port}` })
        const port = Number(proxy.listen.split(':').pop())
        if (p && mode === 'selected') {
          // Something to show while it runs: one connection selected, its hex view open.
          const warm = connect({ port, host: '127.0.0.1' }, () => warm.end('warm'))
          warm.resume()
          await once(warm, 'close')
          await p.page.getByRole('grid', { name: 'Connections' }).getByRole('row').nth(1).click()
          await p.page.getByRole('tab', { name: 'Hex' }).click()
        }
        // Following: the live list opens at its end and follows it; nothing to do.
        results[mode].push(await proxyLoad(port))
      } finally {
        await p?.close()
        await w.stop()
        sink.close()
        rmSync(file, { force: true })
      }
    }
  }
  const med = (mode, k) => pct(results[mode].map((x) => x[k]), 50)
  for (const [k, what, unit] of [
    ['bulk', 'bulk', 'MiB/s'],
    ['churn', 'churn', 'conn/s']
  ]) {
    row(`${what} without the UI, ${unit}`, fmt(med('without', k)))
    for (const [mode, label] of [
      ['selected', 'with the UI (a connection selected, its hex view)'],
      ['following', 'with the UI following the live list']
    ]) {
      const ratio = med(mode, k) / med('without', k)
      row(`${what} ${label}, ${unit}`, fmt(med(mode, k)), `${fmt(ratio, 2)}x  target >= 0.90x: ${ratio >= 0.9 ? 'ok' : 'MISSED'}`)
    }
  }
}

mkdirSync(dir, { recursive: true })
try {
  if (PARTS.has('list')) await listPart()
  if (PARTS.has('exchanges')) await exchangesPart()
  if (PARTS.has('hex')) await hexPart()
  if (PARTS.has('live')) await livePart()
  if (PARTS.has('follow')) await followPart()
  if (PARTS.has('follow-exchanges')) await followPart(true)
  if (PARTS.has('load')) await loadPart()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
