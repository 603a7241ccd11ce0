// Turns the engine's event stream into what one front end receives: a snapshot, then at
// most one batch per BATCH_INTERVAL_MS with every change since the last. While the front
// end's transport is congested nothing is sent and changes keep coalescing (a connection's
// latest state replaces its earlier one, data ranges grow); if even that grows past the
// limits below, the details are dropped and the next batch says `resync`, so memory stays
// bounded however slow the reader is. Within a batch a connection's data comes before its
// FIN: the batch is applied whole, and events keep the order they happened in.
// While the engine is busy (its event loop mostly working over the last few batches) batches
// come BUSY_BATCH_INTERVAL_MS apart instead: the page's cost is mostly per batch (a render
// of every view that follows the live capture), and on a machine it shares with the proxy
// every millisecond it spends is one the proxy waits for. In bench/ui.mjs's load part (5,000
// connections, 50 at a time, 2 cores) the page's CPU fell from 2.2-2.5 s to 0.8-1.3 s with
// batches 250 ms apart; the engine's own CPU hardly moved. A busy engine's batches also
// leave out the connections' non-data events (they say `eventsOmitted`): each connection's
// state after them is in `conns`, and they were 40% of a batch's bytes, which no view reads.
// Their data ranges have no preview either: with no binary attachment the page parses a
// frame without a reviver (wire.ts), 4x faster (3.9 ms against 0.9 for 500 connections).
// "Busy" is the load averaged over the last few batches (eventLoopLoad), not since the last
// one alone: under a steady 50 MiB/s plus 200 connections a second (load 0.1-0.3) a GC or a
// burst made one batch in ten look busy, and the 250 ms waits that followed put a new
// connection's row on screen at p95 222-248 ms; averaged, 44-70 ms. The proxy's rate with
// the page attached under full-speed load (0.8-1.0) stayed within the runs' noise (bench/ui.mjs,
// 3 runs each, interleaved). Averaged over 200 ms both ways instead, a 1 GiB transfer was
// 200 ms in before its batches slowed, and the proxy lost 10% of its bulk rate to the page.

import { performance } from 'node:perf_hooks'
import type { CaptureEvent, CaptureInfo, ConnectionSummary } from '../../shared/capture-types'
import type { BreakRule, HeldMessage } from '../../shared/break-types'
import type { Toxic } from '../../shared/fault-types'
import type { RulesState } from '../../shared/rules/rule-args'
import {
  BATCH_INTERVAL_MS,
  DATA_PREVIEW_BYTES,
  type Batch,
  type BatchDataRange,
  type EngineEvent,
  type FrontEvent,
  type OperationProgress,
  type ProxyInfo,
  type Snapshot
} from '../../shared/events'
import type { SessionInfo } from '../../shared/session-types'
import type { CommandOutputChunk, InterceptedBrowser, InterceptedCommand } from '../../shared/intercept-types'
import { OutputTail } from '../../shared/output-tail'

export interface BatchSink {
  /** False while the transport is congested: the batch waits and keeps coalescing. */
  ready(): boolean
  send(event: FrontEvent): void
}

export interface EventSource {
  subscribe(listener: (e: EngineEvent) => void): () => void
  /** Every open capture as it is now (the live one changes with every record). */
  captureList(): CaptureInfo[]
}

/** Past these, a batch's details are dropped for `resync` (progress: the operations longest quiet go first). */
export const BATCH_LIMITS = { conns: 10_000, data: 10_000, events: 10_000, messages: 100, progress: 100 }

/** Above this share of its time working (averaged), the engine is busy: 0.8-1.0 under the bench's full-speed load, near 0 idle. */
export const BUSY_LOAD = 0.6
/** A busy engine's batches: four a second still show a live list moving. */
export const BUSY_BATCH_INTERVAL_MS = 250

/** How the batcher paces itself: `load()` is the engine's busy share (0..1) as of each batch (eventLoopLoad's average). */
export interface BatchPace {
  intervalMs: number
  busyIntervalMs: number
  load(): number
}

/**
 * How long the engine's load is averaged over, rising and falling: a GC or a burst of a few ms
 * is not a busy engine, but the start of a full-speed transfer is one within a few batches.
 */
export const LOAD_RISE_MS = 50
export const LOAD_FALL_MS = 200

/** The event loop's time so far, idle and working, in ms (performance.eventLoopUtilization's). */
export interface LoopTime {
  idle: number
  active: number
}

/**
 * The share of time the event loop worked, averaged (exponentially, weighted by the time since
 * the previous call) over about `riseMs` while it grows and `fallMs` while it shrinks. `sample`
 * reads the loop's time: the process's own, or a test's clock.
 */
export function eventLoopLoad(riseMs = LOAD_RISE_MS, fallMs = LOAD_FALL_MS, sample: () => LoopTime = () => performance.eventLoopUtilization()): () => number {
  let last = sample()
  let smoothed = 0
  return () => {
    const now = sample()
    const idle = now.idle - last.idle
    const active = now.active - last.active
    last = now
    const elapsed = idle + active
    if (elapsed <= 0) return smoothed
    const utilization = active / elapsed
    const over = utilization > smoothed ? riseMs : fallMs
    smoothed += (utilization - smoothed) * (1 - Math.exp(-elapsed / over))
    return smoothed
  }
}

export class EventBatcher {
  private conns = new Map<number, ConnectionSummary>()
  private data = new Map<number, BatchDataRange>()
  private events: Array<{ connId: number; event: CaptureEvent }> = []
  private proxies = new Map<string, ProxyInfo>()
  private sessions = new Map<string, SessionInfo>()
  private browsers = new Map<string, InterceptedBrowser>()
  private commands = new Map<string, InterceptedCommand>()
  /** What each command's streams wrote since the last batch: the last OUTPUT_TAIL_BYTES of each, the rest counted. */
  private output = new Map<string, { chunk: Omit<CommandOutputChunk, 'text' | 'dropped'>; tail: OutputTail }>()
  /** The Held queue and each proxy's rules: only the latest of each matters. */
  private held: HeldMessage[] | undefined
  private breaks = new Map<string, BreakRule[]>()
  private toxics = new Map<string, Toxic[]>()
  private rules = new Map<string, RulesState>()
  private warnings: string[] = []
  private captureErrors: string[] = []
  /** Only the latest report of each operation matters to a progress bar. */
  private progress = new Map<string, OperationProgress>()
  private capturesChanged = false
  private resync = false
  private eventsOmitted = false
  /** The engine was busy at the last batch: events are left out until it is not. */
  private busy = false
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private readonly pace: BatchPace
  /** How long the next batch waits after the change that starts it: set by the load at each batch. */
  private nextIntervalMs: number

  constructor(
    private readonly source: EventSource,
    private readonly sink: BatchSink,
    pace: number | Partial<BatchPace> = {}
  ) {
    const given = typeof pace === 'number' ? { intervalMs: pace } : pace
    this.pace = {
      intervalMs: given.intervalMs ?? BATCH_INTERVAL_MS,
      busyIntervalMs: given.busyIntervalMs ?? BUSY_BATCH_INTERVAL_MS,
      load: given.load ?? eventLoopLoad()
    }
    this.nextIntervalMs = this.pace.intervalMs
  }

  start(): void {
    this.unsubscribe = this.source.subscribe((e) => this.add(e))
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private add(e: EngineEvent): void {
    switch (e.type) {
      case 'snapshot':
        // The first event of a subscription goes out at once, ahead of any batch.
        this.sink.send(e satisfies Snapshot)
        return
      case 'proxy-started':
      case 'proxy-stopped':
      case 'proxy-removed':
        this.proxies.set(e.proxy.id, e.proxy)
        break
      case 'session-updated':
        this.sessions.set(e.session.id, e.session)
        break
      case 'browser-updated':
        this.browsers.set(e.browser.browserId, e.browser)
        break
      case 'command-updated':
        this.commands.set(e.command.commandId, e.command)
        break
      case 'command-output': {
        const key = `${e.commandId}\0${e.stream}`
        let pending = this.output.get(key)
        if (pending === undefined) this.output.set(key, (pending = { chunk: { commandId: e.commandId, stream: e.stream }, tail: new OutputTail() }))
        pending.tail.append(e.text, e.dropped)
        break
      }
      case 'captures-updated':
        this.capturesChanged = true
        break
      case 'conn-opened':
        this.conns.set(e.conn.id, e.conn)
        this.capturesChanged = true
        break
      case 'conn-data': {
        const key = e.connId * 2 + (e.dir === 'client' ? 0 : 1)
        const known = this.data.get(key)
        if (known === undefined) {
          const range: BatchDataRange = { connId: e.connId, dir: e.dir, offset: e.offset, length: e.length }
          if (!this.busy) range.preview = e.preview.slice(0, DATA_PREVIEW_BYTES)
          this.data.set(key, range)
        } else known.length = e.offset + e.length - known.offset
        this.capturesChanged = true
        break
      }
      case 'conn-event':
        this.conns.set(e.conn.id, e.conn)
        if (this.busy) this.eventsOmitted = true
        else this.events.push({ connId: e.conn.id, event: e.event })
        break
      case 'capture-error':
        this.captureErrors.push(e.message)
        this.capturesChanged = true
        break
      case 'warning':
        this.warnings.push(e.message)
        break
      case 'progress':
        // Re-inserted so the map's order is oldest report first, which bound() drops first.
        this.progress.delete(e.operation)
        this.progress.set(e.operation, { operation: e.operation, done: e.done, of: e.of })
        break
      case 'recorded-client':
        // A page reads its recorded servers' reports with replay.servers and replay.stop.
        return
      case 'held-updated':
        this.held = e.held
        break
      case 'breaks-updated':
        this.breaks.set(e.proxyId, e.rules)
        break
      case 'toxics-updated':
        this.toxics.set(e.proxyId, e.toxics)
        break
      case 'rules-updated':
        this.rules.set(e.proxyId, e.state)
        break
    }
    this.bound()
    this.timer ??= setTimeout(this.flush, this.nextIntervalMs)
  }

  /** Keeps what a slow front end waits for bounded: details give way to `resync`. */
  private bound(): void {
    if (this.conns.size > BATCH_LIMITS.conns || this.data.size > BATCH_LIMITS.data || this.events.length > BATCH_LIMITS.events) {
      this.conns.clear()
      this.data.clear()
      this.events = []
      this.resync = true
    }
    if (this.warnings.length > BATCH_LIMITS.messages) this.warnings = this.warnings.slice(-BATCH_LIMITS.messages)
    if (this.captureErrors.length > BATCH_LIMITS.messages) this.captureErrors = this.captureErrors.slice(-BATCH_LIMITS.messages)
    while (this.progress.size > BATCH_LIMITS.progress) this.progress.delete(this.progress.keys().next().value!)
  }

  private readonly flush = (): void => {
    this.timer = undefined
    if (!this.sink.ready()) {
      this.timer = setTimeout(this.flush, this.pace.intervalMs)
      return
    }
    this.busy = this.pace.load() > BUSY_LOAD
    this.nextIntervalMs = this.busy ? this.pace.busyIntervalMs : this.pace.intervalMs
    const batch: Batch = { type: 'batch' }
    if (this.capturesChanged) batch.captures = this.source.captureList()
    if (this.proxies.size) batch.proxies = [...this.proxies.values()]
    if (this.sessions.size) batch.sessions = [...this.sessions.values()]
    if (this.browsers.size) batch.browsers = [...this.browsers.values()]
    if (this.commands.size) batch.commands = [...this.commands.values()]
    if (this.output.size) batch.output = [...this.output.values()].map(({ chunk, tail }) => ({ ...chunk, ...tail.take() }))
    if (this.held !== undefined) batch.held = this.held
    if (this.breaks.size) batch.breaks = Object.fromEntries(this.breaks)
    if (this.toxics.size) batch.toxics = Object.fromEntries(this.toxics)
    if (this.rules.size) batch.rules = Object.fromEntries(this.rules)
    if (this.conns.size) batch.conns = [...this.conns.values()].sort((a, b) => a.id - b.id)
    if (this.data.size) batch.data = [...this.data.values()]
    if (this.events.length) batch.events = this.events
    if (this.warnings.length) batch.warnings = this.warnings
    if (this.captureErrors.length) batch.captureErrors = this.captureErrors
    if (this.progress.size) batch.progress = [...this.progress.values()]
    if (this.resync) batch.resync = true
    if (this.eventsOmitted) batch.eventsOmitted = true
    this.conns = new Map()
    this.data = new Map()
    this.events = []
    this.proxies = new Map()
    this.sessions = new Map()
    this.browsers = new Map()
    this.commands = new Map()
    this.output = new Map()
    this.held = undefined
    this.breaks = new Map()
    this.toxics = new Map()
    this.rules = new Map()
    this.warnings = []
    this.captureErrors = []
    this.progress = new Map()
    this.capturesChanged = false
    this.resync = false
    this.eventsOmitted = false
    this.sink.send(batch)
  }
}
