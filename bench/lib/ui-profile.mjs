// --profile's readers for bench/ui.mjs: a CPU profile and a trace of the page (DevTools
// protocol), and a CPU profile's functions by self time (the page's, or the engine's from
// node --cpu-prof). `trace`: a file to keep the trace in (and the profile beside it).
import { writeFileSync } from 'node:fs'

const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }))

/** Starts a CPU profile of the page and a trace of its rendering. */
export async function startProfile(cdp) {
  const events = []
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value))
  cdp.traceEvents = events
  await cdp.send('Tracing.start', { categories: 'toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8.execute', transferMode: 'ReportEvents' })
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.start')
}

/** Prints where the page's main thread spent its time: by function, and by kind of work. */
export async function stopProfile(cdp, trace) {
  const { profile } = await cdp.send('Profiler.stop')
  printProfile(profile)
  if (trace) writeFileSync(`${trace}.cpuprofile`, JSON.stringify(profile))
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r))
  await cdp.send('Tracing.end')
  await done
  // Thread time (not wall time: the machine is busy) of the kinds of work, outermost only.
  const kinds = new Map()
  for (const e of cdp.traceEvents) {
    if (e.ph !== 'X' || !/^(Layout|UpdateLayoutTree|Paint|PrePaint|Layerize|Commit|FunctionCall|EventDispatch|FireAnimationFrame|TimerFire|RunMicrotasks|V8\.GC_[A-Z_]+|MajorGC|MinorGC|ParseHTML|HitTest|RasterTask)$/.test(e.name)) continue
    const k = kinds.get(e.name) ?? { n: 0, ms: 0 }
    k.n++
    k.ms += (e.tdur ?? e.dur ?? 0) / 1000
    kinds.set(e.name, k)
  }
  console.log('  page main thread (RasterTask: its raster workers), thread time by kind of work (ms; nested kinds counted again inside their parent):')
  for (const [name, k] of [...kinds].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12)) console.log(`    ${fmt(k.ms, 1).padStart(8)}  ${name} x${k.n}`)
  // The tasks over 50 ms (wall time, as the long-task observer counts them), by what ran inside.
  const tasks = cdp.traceEvents.filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.dur > 50_000 && cdp.traceEvents.some((f) => f.tid === e.tid && f.name === 'FunctionCall'))
  for (const task of tasks.slice(0, 8)) {
    const inside = new Map()
    for (const e of cdp.traceEvents) {
      if (e.ph !== 'X' || e.tid !== task.tid || e.pid !== task.pid || e === task || e.ts < task.ts || e.ts + (e.dur ?? 0) > task.ts + task.dur) continue
      inside.set(e.name, (inside.get(e.name) ?? 0) + (e.dur ?? 0) / 1000)
    }
    console.log(`  a task of ${fmt(task.dur / 1000, 1)} ms (thread ${fmt((task.tdur ?? 0) / 1000, 1)} ms): ${[...inside].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, ms]) => `${n} ${fmt(ms, 1)}`).join(', ')}`)
  }
  if (trace) writeFileSync(trace, JSON.stringify({ traceEvents: cdp.traceEvents }))
}

/** The functions the page spent most time in (self time), from a CDP CPU profile. */
export function printProfile(profile, whose = 'page main thread') {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map()
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i] / 1000)
  })
  console.log(`  ${whose}, self time by function (ms):`)
  for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`    ${fmt(ms, 1).padStart(8)}  ${k}`)
}
