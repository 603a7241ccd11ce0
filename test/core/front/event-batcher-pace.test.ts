// A front end's batches slow down while the engine is busy: a burst of real connections
// through a real proxy reaches the front end in a few batches, not one per frame, and the
// changes they carry still account for every connection (their states, without the events
// that led there); once the engine is idle again changes go out at the short interval.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { performance } from 'node:perf_hooks'
import { BUSY_LOAD, EventBatcher, eventLoopLoad, LOAD_FALL_MS, LOAD_RISE_MS } from '../../../src/core/front/event-batcher'
import type { ConnectionSummary } from '../../../src/shared/capture-types'
import type { Batch, EngineEvent, FrontEvent } from '../../../src/shared/events'
import { encodeFrame } from '../../../src/shared/wire'
import { portOf, testEngine } from '../../helpers/engine'
import { burst, startServer, waitFor } from '../../helpers/net'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function pacedEngine(busyIntervalMs: number): Promise<{ port: number; sent: Array<{ at: number; event: FrontEvent }>; load: { busy: boolean } }> {
  const t = await testEngine()
  cleanups.push(t.dispose)
  const server = await startServer((s) => s.resume().on('end', () => s.end()))
  cleanups.push(server.close)
  const proxy = await t.engine['proxy.start']({ listen: '127.0.0.1:0', target: `127.0.0.1:${server.port}` })
  const sent: Array<{ at: number; event: FrontEvent }> = []
  const load = { busy: false }
  const batcher = new EventBatcher(t.engine, { ready: () => true, send: (event) => sent.push({ at: performance.now(), event }) }, {
    intervalMs: 5,
    busyIntervalMs,
    load: () => (load.busy ? 1 : 0)
  })
  batcher.start()
  cleanups.push(() => batcher.stop())
  return { port: portOf(proxy.listen), sent, load }
}

const batches = (sent: Array<{ event: FrontEvent }>): Batch[] => sent.flatMap(({ event }) => (event.type === 'batch' ? [event] : []))

/**
 * A batcher on fake timers (16 ms, or 250 while busy) fed by hand: `emit` is the engine's
 * event stream, `engine.busy` its load (busy at first).
 */
function fakeTimedBatcher(): { sent: Batch[]; emit: (e: EngineEvent) => void; engine: { busy: boolean } } {
  vi.useFakeTimers()
  cleanups.push(() => vi.useRealTimers())
  let listener: (e: EngineEvent) => void = () => undefined
  const sent: Batch[] = []
  const engine = { busy: true }
  const batcher = new EventBatcher(
    { subscribe: (l) => ((listener = l), () => undefined), captureList: () => [] },
    { ready: () => true, send: (e) => sent.push(e as Batch) },
    { intervalMs: 16, busyIntervalMs: 250, load: () => (engine.busy ? 1 : 0) }
  )
  batcher.start()
  cleanups.push(() => batcher.stop())
  return { sent, emit: (e) => listener(e), engine }
}

describe('batches while the engine is busy', () => {
  it('a burst of 600 connections comes in batches at most one per busy interval, and they account for every connection', async () => {
    const busyMs = 200
    const { port, sent, load } = await pacedEngine(busyMs)
    load.busy = true
    const t0 = performance.now()
    await burst(port, 600, 50)
    const during = sent.filter((s) => s.at >= t0).length
    const elapsed = performance.now() - t0
    load.busy = false

    // The first batch of the burst may go at the short interval; after it, each waits busyMs (a
    // timer never fires early), so the count follows from the time the burst took.
    expect(during).toBeLessThanOrEqual(2 + Math.floor(elapsed / busyMs))
    // Each connection's latest state, merged from every batch, is the one the engine ends with.
    const latest = new Map<number, ConnectionSummary>()
    await waitFor(() => {
      for (const b of batches(sent)) for (const c of b.conns ?? []) latest.set(c.id, c)
      const closed = [...latest.values()].filter((c) => c.end === 'closed').length
      return closed === 600 && batches(sent).at(-1)?.captures?.[0]?.connections === 600
    }, 'every connection closed in the batches')
    expect([...latest.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    // Past the first batch, the busy engine's batches carry states, not every event.
    const busyBatches = batches(sent).slice(1, during)
    expect(busyBatches.some((b) => b.eventsOmitted)).toBe(true)
    expect(busyBatches.filter((b) => b.events !== undefined)).toEqual([])
  })

  it('chooses each wait from the load since the last batch: long while busy, short again once idle', () => {
    const { sent, emit, engine } = fakeTimedBatcher()
    const warn = (message: string): void => emit({ type: 'warning', message })

    warn('a')
    vi.advanceTimersByTime(16)
    expect(sent).toHaveLength(1)
    // That batch found the engine busy: the next change waits the long interval.
    warn('b')
    vi.advanceTimersByTime(249)
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sent).toHaveLength(2)
    engine.busy = false
    // The batch just sent still saw a busy engine; the one after it sees it idle.
    warn('c')
    vi.advanceTimersByTime(250)
    expect(sent).toHaveLength(3)
    warn('d')
    vi.advanceTimersByTime(16)
    expect(sent).toHaveLength(4)
    expect(sent.map((e) => e.warnings)).toEqual([['a'], ['b'], ['c'], ['d']])
  })

  it('leaves connection events and data previews out while busy, says so, and carries them again once idle', () => {
    const { sent, emit: listener, engine } = fakeTimedBatcher()
    const conn: ConnectionSummary = { id: 1, kind: 'proxy', ownerId: 'p1', target: 'x:1', openedAt: 0, bytes: { client: 0, server: 0 }, fin: { client: false, server: false }, end: 'open' }
    const fin = (seq: number, dir: 'client' | 'server'): void =>
      listener({ type: 'conn-event', event: { seq, kind: 'fin', time: 0, mono: 0, dir }, conn: { ...conn, fin: { client: true, server: dir === 'server' } } })

    const data = (offset: number): void => listener({ type: 'conn-data', connId: 1, dir: 'server', offset, length: 5, preview: new TextEncoder().encode('hello') })

    fin(1, 'client')
    data(0)
    vi.advanceTimersByTime(16)
    expect(sent[0].events).toHaveLength(1)
    expect(sent[0].data).toEqual([{ connId: 1, dir: 'server', offset: 0, length: 5, preview: new TextEncoder().encode('hello') }])
    // Busy: states and where the bytes end, no events and no previews (and so no attachment in the frame).
    data(5)
    fin(2, 'server')
    vi.advanceTimersByTime(250)
    expect(sent[1]).toMatchObject({ eventsOmitted: true, conns: [{ id: 1, fin: { client: true, server: true } }] })
    expect(sent[1].events).toBeUndefined()
    expect(sent[1].data).toEqual([{ connId: 1, dir: 'server', offset: 5, length: 5 }])
    expect(encodeFrame({ t: 'event', event: sent[1] }).byteLength).toBe(4 + new TextEncoder().encode(JSON.stringify({ t: 'event', event: sent[1] })).byteLength)
    engine.busy = false
    fin(3, 'server')
    vi.advanceTimersByTime(250)
    fin(4, 'server')
    data(10)
    vi.advanceTimersByTime(16)
    expect(sent[3].events).toHaveLength(1)
    expect(sent[3].eventsOmitted).toBeUndefined()
    expect(sent[3].data?.[0].preview).toEqual(new TextEncoder().encode('hello'))
  })

  it("averages the engine's load over time: a short burst of work is not busy, work that goes on is, and idle time brings it down", () => {
    // The loop's time from a clock of the test's: what the process's own time reads depends
    // on how busy the machine is (a spin of 30 ms read as 0.96 busy with the load average at 9).
    const time = { idle: 0, active: 0 }
    const load = eventLoopLoad(LOAD_RISE_MS, LOAD_FALL_MS, () => ({ ...time }))
    time.idle += 2000
    expect(load()).toBe(0)
    // 30 ms of nothing but work: busy since the last call, not over the last few batches.
    time.active += 30
    const burst = load()
    expect(burst).toBeGreaterThan(0.3)
    expect(burst).toBeLessThan(BUSY_LOAD)
    // Work that goes on is busy within about a tenth of a second.
    time.active += 100
    expect(load()).toBeGreaterThan(BUSY_LOAD)
    // A batch a moment later, with no time passed, changes nothing.
    const held = load()
    expect(load()).toBe(held)
    time.idle += 400
    expect(load()).toBeLessThan(BUSY_LOAD)
    time.idle += 2000
    expect(load()).toBeLessThan(0.01)
  })

  it('reads the process\'s own loop by default: work that goes on reads as busy, whatever else the machine runs', () => {
    const load = eventLoopLoad()
    const end = performance.now() + 300
    while (performance.now() < end);
    expect(load()).toBeGreaterThan(BUSY_LOAD)
  })
})
