// A proxy's forwarding workers (`--workers N`), seen from the main thread: N - 1 worker
// threads listen on the main proxy's port with SO_REUSEPORT (the main thread is worker 0),
// and their records come here in batches, applied to the one LiveCapture in each worker's
// order, so each connection's records stay in order and the live list, events and decoding
// are the main thread's as before. The capture writer's hold reaches every worker, and the
// proxy's toxics are mirrored to them. A worker that dies has its open connections ended in
// the capture with the reason, and is replaced.

import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import type { Direction } from '../../../shared/capture-types'
import type { Toxic } from '../../../shared/fault-types'
import type { ProxyStartArgs } from '../../../shared/proxy-args'
import type { HoldState } from '../../capture/write/hold-state'
import type { LiveCapture } from '../../capture/write/live-capture'
import type { RecordedConnection } from '../../capture/write/recorded-connection'
import type { FromWorker, RecordOp, ToWorker, WorkerStart } from './worker-messages'

export interface WorkerPoolOptions {
  proxyId: string
  /** proxy.start's arguments with `listen` the address the main thread took. */
  args: ProxyStartArgs
  /** Worker threads besides the main thread. */
  extra: number
  file: string
  dataDir: string
  leafKeys?: WorkerStart['leafKeys']
  capture: LiveCapture
  hold: HoldState
  toxics: Toxic[]
  accepting: boolean
  warn(message: string): void
}

/** A connection of a worker's, as the main thread records it: its handle and its last seq. */
interface RemoteConnection {
  rec: RecordedConnection
  seq: number
}

/** Replacements in a row that fail to start before the pool stops replacing (a broken build, no descriptors). */
const MAX_FAILED_STARTS = 3

class PooledWorker {
  readonly conns = new Map<number, RemoteConnection>()
  accepted = 0
  /** Whether its listener is open, as it last said. */
  listening = false
  /** Resolves when the worker answers a stop (or is gone). */
  private stopped: (() => void) | undefined
  exited = false

  constructor(
    readonly index: number,
    readonly worker: Worker
  ) {}

  send(msg: ToWorker): void {
    if (!this.exited) this.worker.postMessage(msg)
  }

  stop(close: boolean): Promise<void> {
    if (this.exited) return Promise.resolve()
    return new Promise((resolve) => {
      this.stopped = resolve
      this.send({ type: 'stop', close })
    })
  }

  answered(): void {
    const done = this.stopped
    this.stopped = undefined
    done?.()
  }
}

export class WorkerPool {
  private readonly workers: PooledWorker[] = []
  private closing = false
  private accepting: boolean
  private toxics: Toxic[]
  private failedStarts = 0
  private readonly unwatch: () => void
  /** When the capture's clock read 0, as an absolute performance time, for the workers' clocks. */
  private readonly monoOrigin: number

  private constructor(private readonly opts: WorkerPoolOptions) {
    this.accepting = opts.accepting
    this.toxics = opts.toxics
    this.monoOrigin = performance.timeOrigin + performance.now() - opts.capture.monoNow()
    this.unwatch = opts.hold.watch((held) => this.sendAll({ type: 'hold', held }))
  }

  /** Starts the workers; resolves once each listens, rejects with the first one's failure. */
  static async start(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts)
    try {
      await Promise.all(Array.from({ length: opts.extra }, (_, i) => pool.spawn(i + 1)))
    } catch (err) {
      await pool.close()
      throw err
    }
    return pool
  }

  private spawn(index: number): Promise<void> {
    const { opts } = this
    const start: WorkerStart = {
      index,
      proxyId: opts.proxyId,
      args: opts.args,
      ids: opts.capture.idCounter,
      monoOrigin: this.monoOrigin,
      dataDir: opts.dataDir,
      ...(opts.leafKeys !== undefined ? { leafKeys: opts.leafKeys } : {}),
      held: opts.hold.held,
      toxics: this.toxics,
      accepting: this.accepting
    }
    const pw = new PooledWorker(index, new Worker(opts.file, { workerData: start }))
    this.workers[index - 1] = pw
    return new Promise((resolve, reject) => {
      let started = false
      pw.worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'batch') return this.apply(pw, msg.ops, msg.bytes)
        if (msg.type === 'accepting') {
          pw.listening = msg.on
          return
        }
        if (msg.type === 'listening') {
          pw.listening = this.accepting
          started = true
          this.failedStarts = 0
          return resolve()
        }
        if (msg.type === 'failed') {
          this.failedStarts++
          void pw.worker.terminate()
          return reject(new Error(msg.message))
        }
        if (msg.type === 'warn') return opts.warn(msg.message)
        pw.answered()
      })
      pw.worker.on('error', (err) => this.lost(pw, `worker ${index} failed: ${err.message.split('\n')[0]}`))
      pw.worker.on('exit', (code) => {
        this.lost(pw, `worker ${index} exited (code ${code})`)
        if (!started) reject(new Error(`proxy ${opts.proxyId}: forwarding worker ${index} exited before it listened`))
      })
    })
  }

  /** A batch of worker `pw`'s records, in its order, into the capture; then the worker may send more. */
  private apply(pw: PooledWorker, ops: RecordOp[], bytes: ArrayBuffer): void {
    const capture = this.opts.capture
    let at = 0
    for (const op of ops) {
      if (op.op === 'open') {
        pw.accepted++
        pw.conns.set(op.id, { rec: capture.openConnectionAs(op.id, op.open, op.time, op.mono), seq: 0 })
        continue
      }
      const c = pw.conns.get(op.id)
      if (op.op === 'data') {
        // A view of the moved buffer, which nothing else holds: the writer may keep it.
        const chunk = Buffer.from(bytes, at, op.length)
        at += op.length
        if (c === undefined) continue
        c.seq = op.seq
        capture.appendData(c.rec, op.seq, op.dir, chunk, op.time, op.mono)
        continue
      }
      if (c === undefined) continue
      c.seq = op.seq
      capture.appendEvent(c.rec, op.seq, op.kind, op.dir, op.info, op.time, op.mono)
      if (op.kind === 'close') pw.conns.delete(op.id)
    }
    pw.send({ type: 'ack', bytes: bytes.byteLength })
  }

  /**
   * Worker `pw` is gone (a crash, a kill, the engine closing it): its sockets went with its
   * thread, so each connection it had open ends in the capture with why, and a new worker
   * takes its place unless the pool is closing.
   */
  private lost(pw: PooledWorker, why: string): void {
    if (pw.exited) return
    pw.exited = true
    pw.listening = false
    pw.answered()
    const capture = this.opts.capture
    for (const [, c] of pw.conns) {
      capture.appendEvent(c.rec, ++c.seq, 'error', undefined, { code: 'EWORKER', message: `proxy ${this.opts.proxyId}: ${why}; its connections were closed` })
      const bytes = (dir: Direction): number => c.rec.bytes(dir)
      capture.appendEvent(c.rec, ++c.seq, 'close', undefined, { end: 'error', bytes: { client: bytes('client'), server: bytes('server') } })
    }
    pw.conns.clear()
    if (this.closing || this.workers[pw.index - 1] !== pw) return
    if (this.failedStarts >= MAX_FAILED_STARTS) {
      this.opts.warn(`proxy ${this.opts.proxyId}: ${why}; not replaced after ${MAX_FAILED_STARTS} failed starts`)
      return
    }
    this.opts.warn(`proxy ${this.opts.proxyId}: ${why}; starting another`)
    this.spawn(pw.index).catch((err: unknown) => this.opts.warn(`proxy ${this.opts.proxyId}: a replacement worker did not start: ${(err as Error).message}`))
  }

  private sendAll(msg: ToWorker): void {
    for (const w of this.workers) w.send(msg)
  }

  /** Whether the workers accept new connections (not while the proxy is stopped, or has rules only the main thread runs). */
  setAccepting(on: boolean): void {
    if (on === this.accepting) return
    this.accepting = on
    this.sendAll({ type: 'accepting', on })
  }

  setToxics(toxics: Toxic[]): void {
    this.toxics = toxics
    this.sendAll({ type: 'toxics', toxics })
  }

  /** Connections each worker accepted (worker 1 first), those open now, and how many workers listen now, for ProxyInfo. */
  counts(): { accepted: number[]; active: number; listening: number } {
    return {
      accepted: this.workers.map((w) => w.accepted),
      active: this.workers.reduce((n, w) => n + w.conns.size, 0),
      listening: this.workers.filter((w) => w.listening).length
    }
  }

  /** Whether connection `connId` is open on one of the workers. */
  has(connId: number): boolean {
    return this.workers.some((w) => w.conns.has(connId))
  }

  /** For tests and faults: ends worker `index` (1-based) as a crash would. */
  kill(index: number): Promise<number> {
    return this.workers[index - 1].worker.terminate()
  }

  /** Stops every worker listening and, with `close`, closes their connections; resolves once their records are in. */
  async stop(close: boolean): Promise<void> {
    this.accepting = false
    await Promise.all(this.workers.map((w) => w.stop(close)))
    for (const w of this.workers) w.listening = false
  }

  /** Closes every worker's connections, records their ends, and ends the threads. */
  async close(): Promise<void> {
    this.closing = true
    this.unwatch()
    await this.stop(true)
    await Promise.all(this.workers.map((w) => w.worker.terminate()))
  }
}
