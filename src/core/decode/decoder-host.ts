// Where connection decoders run: on this thread, or in a worker_threads worker so their CPU
// never competes with forwarding (the live capture's thread). Either way a caller hands over
// a batch of records' bytes and gets back what changed and where each direction's decoding
// wants its next bytes from. The worker is a built file (out/cli/decode-worker.cjs,
// out/main/decode-worker.js); run from TypeScript source (tests) there is none, and decoding
// stays on this thread: `mode` says which, in one place.

import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { builtWorkerFile } from '../built-worker'
import { scavengeOnCollectingThread } from '../v8-flags'
import { DecoderSet, type FeedOptions, type FeedResult } from './decoder-set'
import type { FeedOps } from './feed-ops'
import { ExchangeBatch, ExchangeBatchWriter } from './exchange-batch'
import { resultOf, unpackReplies, type PackedReplies } from './feed-replies'
import { dropRequest, END_WORKER, feedRequest, packRequests, type FeedRequest } from './feed-requests'

/**
 * Feeds' bytes that go to the worker at once rather than at the end of the turn: a file's
 * first run prepares 64 connections' batches in one turn, and the worker would otherwise
 * wait for all of them (and this thread for all its answers) before starting.
 */
const FLUSH_BYTES = 512 * 1024
/**
 * ... and this many requests, however few their bytes: answers come a message at a time,
 * and a message of one-exchange connections' answers sets off a turn that feeds as many
 * connections again, the worker waiting out the whole turn. 100,000 one-exchange
 * connections cold (bench/decode.mjs's file), three runs each in turns: 40.4-41.9k a second
 * without, 46.4-49.4k with 32, 49.2-49.8k with 48, 48.2-48.3k with 64, 45.1-47.6k with 96;
 * 100,000 keep-alive exchanges and HTTP/2's 100,000 streams level either way.
 */
const FLUSH_REQUESTS = 48

export interface DecoderHost {
  readonly mode: 'worker' | 'in-thread'
  /** Feeds decoder `key` (made with `opts` on first use); `last`: the connection's last records, after which the decoder is dropped. */
  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts?: FeedOptions, last?: boolean): Promise<FeedResult>
  /** The decoder is no longer needed. */
  drop(key: number): void
  close(): Promise<void>
}

class InThreadHost implements DecoderHost {
  readonly mode = 'in-thread'
  private readonly set = new DecoderSet()

  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts?: FeedOptions, last = false): Promise<FeedResult> {
    const out = new ExchangeBatchWriter()
    const reply = this.set.feed(key, ops, bytes, opts, out, last)
    return Promise.resolve(resultOf(reply, new ExchangeBatch(out.pack())))
  }
  drop(key: number): void {
    this.set.drop(key)
  }
  close(): Promise<void> {
    this.set.clear()
    return Promise.resolve()
  }
}

/** The decoder of a key was in a worker that failed: the caller starts that decoding over (with a new key). */
export class DecoderLostError extends Error {
  constructor(why: string) {
    super(`the decode worker failed (${why}); decoding goes on on the engine's thread`)
  }
}

/**
 * Decoders in the decode worker. Should the worker fail (an exit, an error), decoding goes
 * on on this thread: what the worker held is lost, and a feed of a key it held says so
 * (DecoderLostError) once, so the caller starts that connection over.
 */
export class WorkerHost implements DecoderHost {
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (r: FeedResult) => void; reject: (e: Error) => void }>()
  private readonly onWorker = new Set<number>()
  private fallback: InThreadHost | undefined
  private closed = false
  private exited = false
  /**
   * Requests made in one turn of the event loop go as one message, answered by one: a
   * message each way per connection cost the worker more than decoding it (100,000
   * one-exchange connections: ~45% of its time in postMessage).
   */
  private outbox: FeedRequest[] = []
  private outboxBytes = 0
  private flushing: NodeJS.Immediate | undefined

  constructor(private readonly worker: Worker) {
    worker.on('message', (packed: PackedReplies) => {
      for (const reply of unpackReplies(packed)) {
        const w = this.waiting.get(reply.id)
        if (!w) continue
        this.waiting.delete(reply.id)
        w.resolve(reply.result)
      }
      // Not once closing: terminate() refs the worker until it has exited, and a reply still
      // in flight then must not undo that (the process ran dry and exited mid-close, with 0).
      if (this.waiting.size === 0 && !this.closed) worker.unref()
    })
    worker.on('error', (err) => this.fail(err.message))
    worker.on('exit', (code) => {
      this.exited = true
      this.fail(`it exited with code ${code}`)
    })
    // Idle, it must not keep the process alive; while it owes an answer it must (feed refs it).
    worker.unref()
  }

  get mode(): 'worker' | 'in-thread' {
    return this.fallback ? 'in-thread' : 'worker'
  }

  /** Feeds sent and not answered yet. */
  get pending(): number {
    return this.waiting.size
  }

  private fail(why: string): void {
    if (this.fallback) return
    this.fallback = new InThreadHost()
    const lost = new DecoderLostError(why)
    for (const w of this.waiting.values()) w.reject(lost)
    this.waiting.clear()
  }

  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts?: FeedOptions, last = false): Promise<FeedResult> {
    if (this.closed) return Promise.reject(new Error('decoding closed'))
    if (this.fallback) {
      if (this.onWorker.delete(key)) return Promise.reject(new DecoderLostError('earlier'))
      return this.fallback.feed(key, ops, bytes, opts, last)
    }
    if (last) this.onWorker.delete(key)
    else this.onWorker.add(key)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      if (this.waiting.size === 1) this.worker.ref()
      this.send(feedRequest(id, key, ops, bytes, opts, last))
    })
  }
  drop(key: number): void {
    this.onWorker.delete(key)
    // Queued behind the key's feeds, which it must follow.
    if (this.fallback) this.fallback.drop(key)
    else this.send(dropRequest(key))
  }

  private send(request: FeedRequest): void {
    this.outbox.push(request)
    this.outboxBytes += request.bytes?.byteLength ?? 0
    // A message of many bytes, or many requests, goes at once: the worker decodes it while this thread reads the next feeds.
    if (this.outboxBytes >= FLUSH_BYTES || this.outbox.length >= FLUSH_REQUESTS) {
      this.flush()
      return
    }
    this.flushing ??= setImmediate(() => this.flush())
  }

  private flush(): void {
    if (this.flushing) clearImmediate(this.flushing)
    this.flushing = undefined
    const requests = this.outbox
    this.outbox = []
    this.outboxBytes = 0
    if (requests.length === 0 || this.fallback || this.closed) return
    const moved: ArrayBuffer[] = []
    this.worker.postMessage(packRequests(requests, moved), moved)
  }
  /**
   * Ends the worker between two messages (END_WORKER says why not terminate()), and by
   * terminate() only if it has not ended within END_WAIT_MS (a decode that never ends).
   */
  async close(): Promise<void> {
    this.closed = true
    this.fallback ??= new InThreadHost()
    if (this.exited) return
    // Referenced until it has ended, as terminate() does: the process waits for its end.
    this.worker.ref()
    const ended = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
    this.worker.postMessage(END_WORKER)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), END_WAIT_MS)))
    if ((await Promise.race([ended, late])) === 'late') await this.worker.terminate()
    clearTimeout(timer)
  }

  /** Ends the worker as a crash would (tests). */
  crashForTest(): Promise<number> {
    return this.worker.terminate()
  }
}

/** How long close() waits for the decode worker to end between two messages before it terminates it. */
const END_WAIT_MS = 5000

/**
 * Feeds waiting on every started worker before a new connection starts another (WorkerPool):
 * a file of fewer connections than this decodes in one worker, as a second would cost more
 * to start than it saves (CI's suite, with its many small captures, took 562 s with one
 * worker and 587 s with two starting at eight); a file's first run feeds up to 64
 * connections at once, so a big one gets two.
 */
const BUSY = 32

/**
 * Decoders spread over several workers, each connection's in one of them for its whole life:
 * a file's connections then decode side by side on the machine's cores. One worker starts
 * with the first connection; another only when a new connection comes while every started
 * one has BUSY feeds waiting (a big file opened), so a small file keeps to one worker. Each
 * worker falls back to this thread on its own should it fail. Measured on 2 cores (bench/decode.mjs, 100,000 HTTP/1 exchanges reopened): one
 * worker 75,000 exchanges a second, two 100,000-110,000, three fewer than two.
 */
export class WorkerPool implements DecoderHost {
  private readonly hosts: DecoderHost[] = []
  /** Which worker holds each key's decoder. */
  private readonly slots = new Map<number, DecoderHost>()
  /** How many connections' decoders each worker holds. */
  private readonly keys = new Map<DecoderHost, number>()

  constructor(
    private readonly size: number,
    private readonly start: () => DecoderHost,
    private readonly pending: (host: DecoderHost) => number,
    /** Feeds waiting on every started worker before a new connection starts another. */
    private readonly busy = BUSY
  ) {}

  get mode(): 'worker' | 'in-thread' {
    return this.hosts.some((h) => h.mode === 'in-thread') ? 'in-thread' : 'worker'
  }

  /** How many workers it started. */
  get started(): number {
    return this.hosts.length
  }

  private host(key: number, spread: boolean): DecoderHost {
    let h = this.slots.get(key)
    if (h) return h
    let least: DecoderHost | undefined
    for (const c of spread ? this.hosts : this.hosts.slice(0, 1)) if (!least || this.pending(c) < this.pending(least)) least = c
    if (!least || (spread && this.pending(least) >= this.busy && this.hosts.length < this.size)) {
      least = this.start()
      this.hosts.push(least)
      this.keys.set(least, 0)
    } else if (spread) {
      // A new connection goes to the worker holding the fewest: by feeds waiting, a worker
      // still starting looked as busy as the first and got fewer (100,000 keep-alive
      // exchanges on 100 connections split about 64 to 36, and the first worker's share
      // was the wait).
      for (const c of this.hosts) if ((this.keys.get(c) ?? 0) < (this.keys.get(least) ?? 0)) least = c
    }
    h = least
    this.slots.set(key, h)
    this.keys.set(h, (this.keys.get(h) ?? 0) + 1)
    return h
  }

  private unhold(h: DecoderHost): void {
    this.keys.set(h, (this.keys.get(h) ?? 1) - 1)
  }

  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts?: FeedOptions, last?: boolean, spread = true): Promise<FeedResult> {
    const h = this.host(key, spread)
    if (!last) return h.feed(key, ops, bytes, opts, last)
    // Its decoder goes with this feed, but it is the worker's until the answer comes: a file
    // of one-exchange connections, each fed once, is then spread by what each worker has on
    // hand (counted as it was fed, one worker holding a connection that runs on got none).
    this.slots.delete(key)
    return h.feed(key, ops, bytes, opts, last).finally(() => this.unhold(h))
  }

  /**
   * The pool as a live capture uses it: every connection in the first worker. Spread over
   * two, live decoding took more of the cores from forwarding (wrk through the proxy, on 2
   * cores: 0.89 of its requests a second with decoding off, against 0.97-1.00 with one).
   */
  readonly oneWorker: DecoderHost = new FirstWorker(this)
  drop(key: number): void {
    // A key never fed holds no decoder to drop.
    const h = this.slots.get(key)
    if (!h) return
    h.drop(key)
    this.slots.delete(key)
    this.unhold(h)
  }
  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.close()))
  }

  /** Ends every worker as a crash would (tests). */
  async crashForTest(): Promise<void> {
    await Promise.all(this.hosts.map((h) => (h instanceof WorkerHost ? h.crashForTest() : undefined)))
  }
}

/** A pool's connections all in its first worker (WorkerPool.oneWorker). */
class FirstWorker implements DecoderHost {
  constructor(private readonly pool: WorkerPool) {}
  get mode(): 'worker' | 'in-thread' {
    return this.pool.mode
  }
  feed(key: number, ops: FeedOps, bytes: Uint8Array, opts?: FeedOptions, last?: boolean): Promise<FeedResult> {
    return this.pool.feed(key, ops, bytes, opts, last, false)
  }
  drop(key: number): void {
    this.pool.drop(key)
  }
  close(): Promise<void> {
    return this.pool.close()
  }
}

/**
 * How many decode workers a host may start: one a core, at most four (TCPSCOPE_DECODE_WORKERS
 * overrides). On 2 cores two beat one by a third on a file, and three were slower than two.
 */
export function decodeWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.TCPSCOPE_DECODE_WORKERS)
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, 8)
  return Math.max(1, Math.min(4, availableParallelism()))
}

export interface HostOptions {
  /** How many workers it may start (decodeWorkers() when not given). */
  workers?: number
  /** Feeds waiting on each started worker before another starts (tests: 0 spreads connections over every worker). */
  busy?: number
  /** false: decode on this thread even where the worker is built. */
  worker?: boolean
  /** The worker's file, instead of the one beside this bundle (tests running from source name the built one). */
  workerFile?: string
}

/** A worker when the built one is there, else this thread. */
export function createDecoderHost(opts: HostOptions = {}): DecoderHost {
  const file = opts.worker === false ? undefined : (opts.workerFile ?? builtWorkerFile('decode-worker'))
  if (file === undefined || !existsSync(file)) return new InThreadHost()
  try {
    scavengeOnCollectingThread()
    const workers = opts.workers ?? decodeWorkers()
    const start = (): DecoderHost => {
      try {
        return new WorkerHost(new Worker(file))
      } catch {
        return new InThreadHost()
      }
    }
    return workers === 1 ? start() : new WorkerPool(workers, start, (h) => (h instanceof WorkerHost ? h.pending : 0), opts.busy)
  } catch {
    return new InThreadHost()
  }
}
