// One worker thread running one version of a user's script, seen from the engine's thread:
// its calls in flight, each with a deadline of its own, matched to their answers by id. A
// call past its deadline, a heap past its limit or a thread that ends answers every call in
// flight at once with the same sentence, and the thread is gone for good: the host starts
// another. The engine's thread never waits on the script, so a hook that spins stalls only
// its own thread; and once the thread's heartbeat has been missing a while, the calls that
// would queue behind the spinning hook are answered at once, as skipped, not at its deadline.

import { Worker } from 'node:worker_threads'
import { forwardLines } from './script-console'
import { ARRAYS_EXIT_CODE, arraysPast, watchdogLimit } from './script-memory'
import { beatsSoFar, claimUpTo, createSignals } from './script-signals'
import { terminateSafely, ZLIB_GUARD_BYTES } from './zlib-guard'
import type { FromWorker, HookArgs, HookName, HooksWorkerData, ToWorker, WorkerOutcome } from './script-types'

export interface ThreadOptions {
  file: string
  path: string
  timeoutMs: number
  memoryMb: number
  /** the thread stopped by itself (not by terminate or retire): why, in a few words */
  onStop: (thread: ScriptThread, cause: string) => void
  onReport: (line: string) => void
  /** the script's thread is held by a hook, and calls are being skipped: once per spell, with the first skipped call's error */
  onBusy: (line: string) => void
  /** a line the script wrote with console.log or console.error */
  onLog: (line: string) => void
}

/** A thread that could not load the script: the message names the file and, when known, the line. */
export class ScriptStartFailure extends Error {}

export interface CallAnswer {
  outcome: WorkerOutcome
  /** the outcome's error is the thread's (its stop, or a busy spell), which is reported once, not per call */
  reported?: true
}

type Answer = FromWorker | { type: 'stopped'; cause: string } | { type: 'unsent'; message: string } | { type: 'skipped'; error: string }

interface Pending {
  what: HookName | 'loading'
  settle: (answer: Answer) => void
  timer: NodeJS.Timeout
}

const STOPPED = 'stopped, the script restarted'

/**
 * How long the script's thread may go without a heartbeat, with calls in flight, before it
 * counts as busy: calls made meanwhile are then answered at once as skipped (the traffic
 * passes unchanged) instead of queueing behind the hook until its deadline restarts the
 * thread, seconds later. The beat comes every BEAT_MS (100 ms) while the event loop turns, and
 * a hook that awaits lets it turn; so three missed beats is code of the script's that holds
 * the loop, and short of that a GC pause or a hook's brief burst of work is not taken for it.
 */
export const BUSY_AFTER_MS = 300

/** Least time a script's thread has to start and load the module (its top level may still loop: it is bounded). */
const LOAD_TIMEOUT_MS = 15_000

export class ScriptThread {
  hooks: HookName[] = []
  private readonly worker: Worker
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private stopCause: string | undefined
  private retiring = false
  private loaded = false
  private readonly exited: Promise<void>
  private readonly signals = createSignals()
  private readonly zlibGuard = new SharedArrayBuffer(ZLIB_GUARD_BYTES)
  /** the beat count last read, and when the thread last showed it was free: when a read found the count changed, or a message came */
  private beats = 0
  private beatAt = Date.now()
  /** this busy spell was reported (a beat ends the spell) */
  private busyReported = false
  /** a look at the thread's heap statistics is under way */
  private lookingAtArrays = false

  private constructor(private readonly opts: ThreadOptions) {
    // Its console is read, not inherited: a script's console.log must not land in the middle
    // of the CLI's own output (--json on stdout).
    const workerData: HooksWorkerData = { signals: this.signals.buffer, memoryMb: opts.memoryMb, zlibGuard: this.zlibGuard }
    this.worker = new Worker(opts.file, { resourceLimits: { maxOldGenerationSizeMb: opts.memoryMb }, stdout: true, stderr: true, workerData })
    forwardLines(this.worker.stdout, opts.onLog)
    forwardLines(this.worker.stderr, opts.onLog)
    // The script alone must not keep the engine's process alive; a call in flight does, by its deadline.
    this.worker.unref()
    this.worker.on('message', (m: FromWorker) => this.receive(m))
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.stop(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the script ran out of memory (${opts.memoryMb} MB${this.inFlight()})` : `the script's thread failed: ${err.message}`)
    })
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()))
    this.worker.on('exit', (code) => this.stop(code === ARRAYS_EXIT_CODE ? this.outOfArrays() : `the script ended its thread (exit code ${code}${this.inFlight()})`))
  }

  /** A thread with the script loaded and its hooks known; else a ScriptStartFailure, the thread ended. */
  static async start(opts: ThreadOptions, source: string): Promise<ScriptThread> {
    const thread = new ScriptThread(opts)
    const answer = await thread.send('loading', (id) => ({ type: 'load', id, path: opts.path, source }), [])
    if (answer.type === 'loaded') {
      thread.hooks = answer.hooks
      thread.loaded = true
      return thread
    }
    await thread.terminate()
    throw new ScriptStartFailure(answer.type === 'load-failed' ? answer.message : `${opts.path}: ${answer.type === 'stopped' ? answer.cause : answer.type === 'unsent' ? answer.message : "no answer from the script's thread"}`)
  }

  async call(args: HookArgs, transfer: ArrayBuffer[]): Promise<CallAnswer> {
    const silentMs = this.busyFor(Date.now())
    if (silentMs !== undefined) this.skipQueued(silentMs)
    const answer = silentMs === undefined ? await this.send(args.hook, (id) => ({ type: 'call', id, args }), transfer) : { type: 'skipped' as const, error: this.skipped(args.hook, silentMs) }
    if (answer.type === 'result') return { outcome: answer.outcome }
    if (answer.type === 'stopped') return { outcome: { error: `${answer.cause}: ${STOPPED}` }, reported: true }
    if (answer.type === 'skipped') return { outcome: { error: answer.error }, reported: true }
    return { outcome: { error: answer.type === 'unsent' ? answer.message : `${args.hook}: no answer from the script's thread` } }
  }

  /**
   * Looks in on the thread (the host does, every BEAT_MS while calls are in flight):
   * once it is busy, the calls still queued for it are answered as skipped. Whether it has
   * calls in flight still.
   */
  check(now: number): boolean {
    const silentMs = this.busyFor(now)
    if (silentMs !== undefined) this.skipQueued(silentMs)
    if (this.pending.size > 0) this.watchArrays()
    return this.pending.size > 0
  }

  /**
   * A hook that allocates in a loop is cut off here, not at its deadline: the thread checks
   * its own arrays only between calls (script-memory.ts). Its heap statistics come even while
   * a hook holds it (they are taken at an interrupt of its loop).
   */
  private watchArrays(): void {
    // Node 22.16 and later (@types/node 20 does not know it yet).
    const worker = this.worker as Worker & { getHeapStatistics?: () => Promise<{ external_memory: number }> }
    if (this.lookingAtArrays || this.stopCause !== undefined || worker.getHeapStatistics === undefined) return
    this.lookingAtArrays = true
    worker.getHeapStatistics().then(
      (stats) => {
        this.lookingAtArrays = false
        if (stats.external_memory > watchdogLimit(this.opts.memoryMb)) this.stop(this.outOfArrays())
      },
      () => void (this.lookingAtArrays = false)
    )
  }

  private outOfArrays(): string {
    return `the script ran out of memory (${arraysPast(this.opts.memoryMb)}${this.inFlight()})`
  }

  /** Ends the thread once the calls it has in flight are answered (a newer version took its place); resolves when it has ended. */
  retire(): Promise<void> {
    this.retiring = true
    if (this.pending.size === 0) void this.terminate()
    return this.exited
  }

  /** Ends the thread now; calls in flight are answered with an error. */
  async terminate(): Promise<void> {
    this.stopCause ??= 'the script was closed'
    this.settleAll(this.stopCause)
    await terminateSafely(this.worker, this.zlibGuard).catch(() => undefined)
  }

  private send(what: HookName | 'loading', message: (id: number) => ToWorker, transfer: ArrayBuffer[]): Promise<Answer> {
    if (this.stopCause !== undefined) return Promise.resolve({ type: 'stopped', cause: this.stopCause })
    const id = this.nextId++
    return new Promise<Answer>((resolve) => {
      // Loading starts a thread and evaluates the worker's bundle: on a loaded machine that alone
      // can take longer than a hook may, so it gets at least LOAD_TIMEOUT_MS.
      const ms = what === 'loading' ? Math.max(this.opts.timeoutMs, LOAD_TIMEOUT_MS) : this.opts.timeoutMs
      const seconds = (ms / 1000).toFixed(1)
      const timer = setTimeout(() => this.stop(what === 'loading' ? `the script did not finish loading within ${seconds} s` : `${what} did not return within ${seconds} s`), ms)
      this.pending.set(id, { what, settle: resolve, timer })
      try {
        this.worker.postMessage(message(id), transfer)
      } catch (err) {
        this.settle(id, { type: 'unsent', message: `${what} could not be handed to the script: ${(err as Error).message}` })
      }
    })
  }

  /** How long the thread has gone without a beat, once that is past BUSY_AFTER_MS with calls in flight. */
  private busyFor(now: number): number | undefined {
    const beats = beatsSoFar(this.signals)
    if (beats !== this.beats) {
      this.beats = beats
      this.beatAt = now
      this.busyReported = false
      return undefined
    }
    if (!this.loaded || this.stopCause !== undefined || this.pending.size === 0) return undefined
    const silentMs = now - this.beatAt
    return silentMs > BUSY_AFTER_MS ? silentMs : undefined
  }

  /**
   * Answers as skipped the calls the thread has not started: claimed here, the thread will
   * not run them should it come free. Those it started (among them the hook that holds it)
   * keep their deadlines, and the first deadline stops the thread as ever.
   */
  private skipQueued(silentMs: number): void {
    const ids = [...this.pending.keys()]
    const last = ids.at(-1)
    const before = last === undefined ? undefined : claimUpTo(this.signals, last)
    if (before === undefined) return
    for (const id of ids) {
      const pending = this.pending.get(id)
      if (pending && pending.what !== 'loading' && BigInt(id) > before) this.settle(id, { type: 'skipped', error: this.skipped(pending.what, silentMs) })
    }
  }

  /** A skipped call's error; the first of a busy spell is reported. */
  private skipped(hook: HookName, silentMs: number): string {
    const line = `${hook} skipped: the script is busy (a hook has run ${(silentMs / 1000).toFixed(1)} s without yielding); passed unchanged`
    if (!this.busyReported) {
      this.busyReported = true
      this.opts.onBusy(line)
    }
    return line
  }

  private receive(message: FromWorker): void {
    // It was free when it sent this: a message counts as a beat (the first beat comes only BEAT_MS after loading).
    this.beatAt = Date.now()
    this.busyReported = false
    if (message.type === 'report') this.opts.onReport(message.line)
    else this.settle(message.id, message)
  }

  private settle(id: number, answer: Answer): void {
    const pending = this.pending.get(id)
    if (!pending) return
    this.pending.delete(id)
    clearTimeout(pending.timer)
    pending.settle(answer)
    if (this.retiring && this.pending.size === 0) void this.terminate()
  }

  private settleAll(cause: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { type: 'stopped', cause })
  }

  private stop(cause: string): void {
    if (this.stopCause !== undefined) return
    this.stopCause = cause
    this.settleAll(cause)
    void terminateSafely(this.worker, this.zlibGuard).catch(() => undefined)
    if (!this.retiring) this.opts.onStop(this, cause)
  }

  private inFlight(): string {
    return this.pending.size ? `, with ${this.pending.size} call${this.pending.size === 1 ? '' : 's'} in flight` : ''
  }
}
