// One framing script's thread, seen from the engine. A message codec is synchronous (the
// cutter asks frame() where bytes are cut, and a page's describe() as it builds the page),
// while the script is a user's code that may loop: so it runs in a worker thread (the script
// worker in framing mode), and each call is posted, then waited for synchronously, within
// its budget: the answer comes on a port of their own (receiveMessageOnPort), and the worker
// counts each call it begins and each answer up in shared memory, which Atomics.wait sleeps
// on. A call's budget runs from when the thread begins it. A call past its budget
// is the caller's to end (framing-script.ts terminates the thread). Loading is awaited
// without blocking, by polling the port; a call made while a restarted thread still loads
// waits for that load, within its own budget. A call's budget is the thread's CPU time where
// Linux tells it (thread-clock.ts): on a loaded machine a thread waiting its turn has not
// looped, and a call that merely took long on the wall was cut as one.

import { performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import type { Direction } from '../../shared/capture-types'
import { ThreadClock } from '../thread-clock'
import { ARRAYS_EXIT_CODE, arraysPast } from '../rules/script/script-memory'
import { terminateSafely, ZLIB_GUARD_BYTES } from '../rules/script/zlib-guard'
import { BEGUN, EVENTS, RETURNED, SHARED_BYTES, TID, type FramingWorkerData, type FromFraming, type ToFraming } from './framing-messages'

/**
 * Budget of one call of frame() or describe() (as a `.ksy`'s parse: KSY_RUN_BUDGET_MS), from
 * when the thread begins it: the CPU time the thread ran, where Linux tells it, else wall time.
 */
export const SCRIPT_CALL_BUDGET_MS = 250
/**
 * Wall time a call may take however little CPU its thread was given: the engine's thread
 * waits for it, so a machine too busy to run the script at all still cuts it in the end.
 */
const CALL_WALL_BUDGET_MS = 2000
/** Wall time a call has before its thread's clock is first read. */
const CLOCK_AFTER_MS = 5
/**
 * Time a thread has to begin a call: on a busy machine (a CI's two cores under load) a thread
 * may wait its turn, or its garbage collection, for longer than a call's budget without its
 * script doing anything wrong. A thread that never begins one (a script's timer that loops) is
 * ended like one past its budget.
 */
const START_BUDGET_MS = 2000
/**
 * Time a thread has to answer once the script's function returned: it looks at its arrays
 * first, and when they seem past its memory that is a garbage collection (and a new context
 * to run it from, the first time), which a loaded machine can stretch past a call's budget.
 * Cut off there, a script that ran out of memory was told it had looped.
 */
const CHECK_BUDGET_MS = 2000
/** Time a script's thread has to start and import the module (a busy machine's too). */
const LOAD_BUDGET_MS = 20_000
/** A framing script's heap, and its byte arrays apart from it (script-memory.ts): far past what cutting and describing messages needs. */
export const MEMORY_MB = 128
/** How often loading is looked in on (it is awaited, not waited on). */
const LOAD_POLL_MS = 5

/** `stopped`: the thread ended in the call (its arrays passed its memory), and why. */
export type CallAnswer = { value: unknown } | { error: string } | { timedOut: true } | { stopped: string }

export class FramingThread {
  describes = false
  private readonly worker: Worker
  private readonly port: MessagePort
  private readonly counter: Int32Array
  private nextId = 1
  private readonly loadId: number
  /** true once loaded; a sentence when it cannot be; undefined while it loads. */
  private loaded: true | string | undefined
  private readonly answers = new Map<number, FromFraming>()
  private ended: string | undefined
  private readonly zlibGuard = new SharedArrayBuffer(ZLIB_GUARD_BYTES)
  /** The thread's CPU time (undefined until its id is known, null where it cannot be read). */
  private clock: ThreadClock | null | undefined

  constructor(file: string, readonly path: string, source: string) {
    const answers = new SharedArrayBuffer(SHARED_BYTES)
    this.counter = new Int32Array(answers)
    const { port1, port2 } = new MessageChannel()
    this.port = port2
    const workerData: FramingWorkerData = { mode: 'framing', port: port1, answers, memoryMb: MEMORY_MB, zlibGuard: this.zlibGuard }
    // Its output is the engine's stderr (framing-worker.ts sends its console there, never to
    // stdout, which may be --json); read through a stream of ours it would keep the process alive.
    this.worker = new Worker(file, { workerData, transferList: [port1], resourceLimits: { maxOldGenerationSizeMb: MEMORY_MB } })
    // The script alone keeps no process alive: neither its thread nor the port its answers come on.
    this.worker.unref()
    this.port.unref()
    this.worker.on('error', (err: Error & { code?: string }) => {
      this.ended ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it ran out of memory (${MEMORY_MB} MB)` : `its thread failed: ${err.message}`
    })
    this.worker.on('exit', (code) => {
      this.ended ??= code === ARRAYS_EXIT_CODE ? `it ran out of memory (${arraysPast(MEMORY_MB)})` : `it ended its thread (exit code ${code})`
    })
    this.loadId = this.post({ id: 0, op: 'load', path, source })
  }

  /** Resolves once the module loaded (with a frame export); rejects with one line naming the file when it cannot. */
  async loading(): Promise<void> {
    const until = performance.now() + LOAD_BUDGET_MS
    while (this.loaded === undefined) {
      this.pump()
      if (this.loaded !== undefined) break
      if (this.ended !== undefined) this.loaded = `${this.path}: ${this.ended} while loading`
      else if (performance.now() > until) this.loaded = `${this.path} did not load within ${LOAD_BUDGET_MS / 1000} s (does its top level loop?)`
      else await delay(LOAD_POLL_MS)
    }
    if (this.loaded !== true) throw new Error(this.loaded)
  }

  /** One call, waited for synchronously within the budget (a thread still loading: that first). */
  call(op: 'frame' | 'describe', dir: Direction, bytes: Uint8Array, length: number): CallAnswer {
    if (this.loaded === undefined) this.waitFor(() => this.loaded !== undefined, LOAD_BUDGET_MS)
    if (this.loaded === undefined) return { timedOut: true }
    if (this.loaded !== true) return { error: this.loaded }
    // A thread that ended between calls (its arrays, grown by a timer of the script's) is said at once, not waited for.
    if (this.ended !== undefined) return { stopped: this.ended }
    // A copy of its own, handed over whole: a view's whole buffer would be cloned otherwise.
    // new Uint8Array copies a Buffer too, whose slice() is a view of its pool (which Node 22
    // refuses to transfer, and which must not leave this thread).
    const own = new Uint8Array(bytes)
    const id = this.post({ id: 0, op, dir, bytes: own, length }, [own.buffer])
    const begun = (): boolean => Atomics.load(this.counter, BEGUN) >= id
    this.waitFor(() => this.answers.has(id) || begun(), START_BUDGET_MS)
    if (!this.answers.has(id) && begun()) this.waitForScript(id)
    if (!this.answers.has(id) && Atomics.load(this.counter, RETURNED) >= id) this.waitFor(() => this.answers.has(id), CHECK_BUDGET_MS)
    const got = this.answers.get(id)
    this.answers.clear()
    if (got === undefined) return this.ended !== undefined ? { stopped: this.ended } : { timedOut: true }
    if ('ended' in got) return { stopped: got.ended }
    if ('value' in got) return { value: got.value }
    if ('error' in got) return { error: got.error }
    return { error: `${op}(): an answer of the wrong kind came from the script's thread` }
  }

  /** Ends the thread (its calls are answered no more). */
  terminate(): void {
    this.port.close()
    this.clock?.close()
    void terminateSafely(this.worker, this.zlibGuard).then(
      () => undefined,
      () => undefined
    )
  }

  /**
   * Waits while the script runs call `id`, within its budget of the thread's CPU time, and
   * within a wall budget. Most calls answer within CLOCK_AFTER_MS: the thread's clock (a
   * system call a read) is read only for one that does not, and the time before that read is
   * counted as if all of it ran. Its function returned: what follows is the caller's CHECK_BUDGET_MS.
   */
  private waitForScript(id: number): void {
    const done = (): boolean => this.answers.has(id) || Atomics.load(this.counter, RETURNED) >= id
    const t0 = performance.now()
    this.waitFor(done, CLOCK_AFTER_MS)
    if (done()) return
    const clock = this.threadClock()
    const from = clock?.ms()
    const budget = SCRIPT_CALL_BUDGET_MS - (performance.now() - t0)
    if (clock === undefined || from === undefined) return this.waitFor(done, budget)
    const wallUntil = t0 + CALL_WALL_BUDGET_MS
    for (let left = budget; left > 0; ) {
      this.waitFor(done, left)
      const now = done() ? undefined : clock.ms()
      // Answered, returned, or the thread is gone (its end is the caller's to tell).
      if (now === undefined) return
      left = Math.min(budget - (now - from), wallUntil - performance.now())
    }
  }

  private threadClock(): ThreadClock | undefined {
    if (this.clock !== undefined) return this.clock ?? undefined
    const tid = Atomics.load(this.counter, TID)
    // 0 until the thread said (it says before its first call) or where it could not.
    if (tid === 0) return undefined
    this.clock = ThreadClock.of(tid) ?? null
    return this.clock ?? undefined
  }

  private post(m: ToFraming, transfer: ArrayBuffer[] = []): number {
    const id = this.nextId++
    this.port.postMessage({ ...m, id }, transfer)
    return id
  }

  /** Takes every answer there is: the load's is kept as its state, a call's by its id. */
  private pump(): void {
    for (let got = receiveMessageOnPort(this.port); got !== undefined; got = receiveMessageOnPort(this.port)) {
      const m = got.message as FromFraming
      if ('ended' in m) this.ended ??= m.ended
      if (m.id !== this.loadId) this.answers.set(m.id, m)
      else if ('loaded' in m) {
        this.describes = m.loaded.describes
        this.loaded = true
      } else this.loaded = 'failed' in m ? m.failed : `${this.path}: the script's thread answered its load with something else`
    }
  }

  /**
   * Sleeps until `done` or `ms` pass. The worker posts an answer, then counts it: reading the
   * count before looking at the port means an answer that comes meanwhile wakes the wait.
   * Where a thread may not sleep (Atomics.wait refused), it looks again until the time is up.
   */
  private waitFor(done: () => boolean, ms: number): void {
    const until = performance.now() + ms
    for (;;) {
      const seen = Atomics.load(this.counter, EVENTS)
      this.pump()
      if (done()) return
      const left = until - performance.now()
      if (left <= 0) return
      try {
        Atomics.wait(this.counter, EVENTS, seen, left)
      } catch {
        // This thread may not block: look again (the loop ends at the budget).
      }
    }
  }
}
