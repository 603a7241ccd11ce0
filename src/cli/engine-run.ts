// What the commands share that run the engine in this process: an engine on a capture file
// (a temporary one unless --capture is given), and for the long-running ones (proxy, serve,
// connect, web) event printing and stopping cleanly on SIGINT/SIGTERM. The commands that
// read a capture file (ls, export, replay) run theirs through open-capture.ts.

import { rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Engine, type EngineOptions } from '../core/engine'
import type { UploadOptions } from '../core/files/uploads'
import type { EngineEvent } from '../shared/events'
import type { WhenDiskIsSlow } from '../shared/capture-types'
import { formatBytes } from '../shared/human-readable'
import { readRange } from './capture-reads'
import type { ChunkView, DataEvent } from './chunk-view'
import { eventJson, eventText } from './event-lines'
import { OrderedLines, type Pending } from './ordered-lines'
import { line, type Io } from './output'

export interface EngineRun {
  engine: Engine
  /** The capture path to show the user, or null for a temporary capture. */
  shownCapture: string | null
  /** Closes the engine (completing the capture) and removes a temporary capture; says what became of it. */
  finish(): Promise<FinishedCapture>
  /**
   * Closes the engine of a command whose start failed (a port in use, a rules file with a
   * mistake): its capture, holding nothing, is removed too, so a refused command leaves no file.
   */
  abandon(): Promise<void>
}

/** What became of the live capture when the engine closed. */
export interface FinishedCapture {
  path: string
  /** False for a temporary capture: it is deleted. */
  kept: boolean
  connections: number
  /** Bytes of the completed file. */
  size: number
  /** Connections changed since the last save (or none was made). */
  unsaved: boolean
  savedTo?: string
}

export interface EngineRunOptions {
  /** --capture: where to record; a temporary file (deleted at exit) when not given. */
  capture?: string
  /** --force: replace an existing file at --capture. */
  force?: boolean
  checksumPayloads?: boolean
  /** --when-disk-is-slow: pause the traffic (default) or drop what the capture cannot keep up with, recording gaps. */
  whenDiskIsSlow?: WhenDiskIsSlow
  /** Capture files the page may upload (web mode). */
  uploads?: UploadOptions
  /**
   * For a command that reads a capture file (ls, export, replay): its live capture records
   * little or nothing, so it is written without O_DIRECT (whose probe costs a write) and
   * decoded only when asked.
   */
  readsFiles?: boolean
  /** false: nothing is decoded while it runs, only when asked (a command that shows nothing decoding would find). */
  liveDecoding?: boolean
  /** Where its decoders run (EngineOptions.decoding): on its own thread for a small file. */
  decoding?: EngineOptions['decoding']
  /** Keep what runs as the last setup in the data folder (web mode, like the app). */
  keepLastSetup?: boolean
  /** Whether a stored setup's parts may send files' contents (web mode: only with --allow-files). */
  setupFilePayloads?: { allowed: boolean; hint: string }
}

export async function startEngine({ capture, force, checksumPayloads, whenDiskIsSlow, uploads, readsFiles, liveDecoding, decoding, keepLastSetup, setupFilePayloads }: EngineRunOptions): Promise<EngineRun> {
  const capturePath = capture ?? join(tmpdir(), `tcpscope-${process.pid}-${Date.now()}.tcap`)
  const light = readsFiles === true ? ({ writeMode: 'buffered', liveDecoding: false } as const) : liveDecoding === false ? { liveDecoding: false } : {}
  // A temporary capture holds whatever crossed the proxy: readable by its owner only.
  // A temporary capture goes at exit, a hurried one (a second signal, even while the engine starts) too.
  const dropTemporary = (): void => rmSync(capturePath, { force: true })
  if (capture === undefined) beforeHurriedExit.add(dropTemporary)
  let engine: Engine
  try {
    engine = await Engine.create({ capturePath, checksumPayloads, whenDiskIsSlow, overwrite: force ?? false, uploads, keepLastSetup, setupFilePayloads, decoding, ...light, ...(capture === undefined ? { mode: 0o600 } : {}) })
  } catch (err) {
    beforeHurriedExit.delete(dropTemporary)
    throw err
  }
  const finish = async (): Promise<FinishedCapture> => {
    const before = engine.captureList()[0]
    await engine.close()
    beforeHurriedExit.delete(dropTemporary)
    const size = engine.captureList()[0].size
    if (capture === undefined) rmSync(capturePath, { force: true })
    return {
      path: capturePath,
      kept: capture !== undefined,
      connections: before.connections,
      size,
      unsaved: before.unsaved === true,
      ...(before.savedTo !== undefined ? { savedTo: before.savedTo } : {})
    }
  }
  return {
    engine,
    shownCapture: capture ?? null,
    finish,
    abandon: async () => {
      const finished = await finish()
      if (finished.kept && finished.connections === 0) await rm(capturePath, { force: true })
    }
  }
}

const connectionCount = (n: number): string => `${n} connection${n === 1 ? '' : 's'}`

/** One line on what became of the live capture, for a user who may not know a temporary file was there. */
export function describeFinished(f: FinishedCapture): string {
  const what = `the live capture (${connectionCount(f.connections)}, ${formatBytes(f.size)})`
  if (f.kept) return `tcpscope: ${what} is kept at ${f.path}`
  if (f.connections === 0) return `tcpscope: the live capture held no connections; its temporary file is deleted: ${f.path}`
  if (!f.unsaved && f.savedTo !== undefined) return `tcpscope: ${what} was saved to ${f.savedTo}; its temporary file is deleted: ${f.path}`
  // Saved with nothing since, but by no path: the page downloaded it.
  if (!f.unsaved) return `tcpscope: ${what} was downloaded from the page; its temporary file is deleted: ${f.path}`
  const last = f.savedTo !== undefined ? ` since its last save to ${f.savedTo}` : ''
  return `tcpscope: ${what} was not saved${last} and is deleted: ${f.path}`
}

export interface PrintOptions {
  json: boolean
  quiet?: boolean
  /** Events to leave out (e.g. data that the command prints in full itself). */
  skip?: (e: EngineEvent) => boolean
  /** Sees every event, printed or not (the one subscription a command needs). */
  watch?: (e: EngineEvent) => void
  /** Shows data events with their bytes, read back from the capture, instead of a preview. */
  chunks?: ChunkView
}

export interface EventPrinter {
  unsubscribe: () => void
  /** Resolves once every event so far is printed; call it before the capture closes. */
  drained: () => Promise<void>
  /** A line of the command's own, in order with the event lines (none with --quiet). */
  say: (text: string) => void
}

/** Prints engine events as lines (or JSON lines); errors and warnings always go to stderr. */
export function printEvents(engine: Engine, io: Io, opts: PrintOptions): EventPrinter {
  const out = new OrderedLines(io.out)
  const { chunks } = opts
  const showChunk = (view: ChunkView, e: DataEvent): Pending => {
    const time = Date.now()
    return async () => {
      // A read that fails (the capture closing under it) still shows what the event carried.
      const bytes = await readRange(engine, { ...e, length: view.shownLength(e) }).catch(() => Buffer.from(e.preview))
      return opts.json ? view.json(e, bytes) + '\n' : view.text(e, bytes, time)
    }
  }
  const print = (event: EngineEvent): void => {
    printEvent(event)
    // After printing, so that a line the watcher says about an event comes after the event's.
    opts.watch?.(event)
  }
  const printEvent = (event: EngineEvent): void => {
    if (event.type === 'snapshot' || opts.skip?.(event)) return
    if (event.type === 'capture-error' || event.type === 'warning') {
      line(io.err, opts.json ? eventJson(event) : `tcpscope: ${event.message}`)
      return
    }
    if (opts.quiet) return
    if (event.type === 'conn-data' && chunks) return out.push(showChunk(chunks, event))
    const text = opts.json ? eventJson(event) : eventText(event)
    if (text !== undefined) out.push(text + '\n')
    if (chunks && event.type === 'conn-event' && event.event.kind === 'close') {
      const id = event.conn.id
      out.push(() => {
        chunks.forget(id)
        return ''
      })
    }
  }
  const unsubscribe = engine.subscribe(print, { connections: !opts.quiet || opts.watch !== undefined })
  return {
    unsubscribe,
    drained: () => out.drained(),
    say: (text) => {
      if (!opts.quiet) out.push(text + '\n')
    }
  }
}
/**
 * The engine of a command that runs until SIGINT or SIGTERM: the signals are watched before
 * it starts, so one at any moment after is a clean stop; a start that fails unwatches them.
 */
export async function startEngineUntilStopped(opts: EngineRunOptions): Promise<{ run: EngineRun; stop: ReturnType<typeof untilStopSignal> }> {
  const stop = untilStopSignal()
  try {
    return { run: await startEngine(opts), stop }
  } catch (err) {
    stop.dispose()
    throw err
  }
}

/**
 * What must not outlive an exit that does not wait for a clean stop (a second signal): each
 * runs synchronously, just before the process exits. A temporary capture's file is one.
 */
const beforeHurriedExit = new Set<() => void>()

/** Exits now, after what must not outlive the process (a temporary capture): a second signal's way out. */
export function hurriedExit(code: number): never {
  for (const f of beforeHurriedExit) {
    try {
      f()
    } catch {
      // Exiting anyway: what is left is at worst what a crash leaves.
    }
  }
  process.exit(code)
}

/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once. Call it before
 * anything starts, so a signal that comes at any moment after is a clean stop.
 */
export function untilStopSignal(): { signal: Promise<NodeJS.Signals>; dispose: () => void } {
  let stop: (signal: NodeJS.Signals) => void = () => {}
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    stop = (s: NodeJS.Signals): void => {
      dispose()
      // Every signal after the first (not only the next): one more while the process exits must not kill it before its cleanup.
      process.on('SIGINT', () => hurriedExit(130))
      process.on('SIGTERM', () => hurriedExit(143))
      resolve(s)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  const dispose = (): void => {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  return { signal, dispose }
}
