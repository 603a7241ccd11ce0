// Where connection decoders run: on this thread, or in a worker_threads worker so their CPU
// never competes with forwarding (the live capture's thread). Either way a caller hands over
// a batch of records' bytes and gets back what changed and where each direction's decoding
// wants its next bytes from. The worker is a built file (out/cli/decode-worker.cjs,
// out/main/decode-worker.js); run from TypeScript source (tests) there is none, and decoding
// stays on this thread: `mode` says which, in one place.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Direction } from '../../shared/capture-types'
import type { Protocol, ProtocolSummary } from '../../shared/protocol-types'
import type { DecoderChanges } from '../protocols/stream-decoder'
import { DecoderSet } from './decoder-set'

/** A push of `len` bytes at `at` in the batch's buffer, or (len -1) the end of `dir`. */
export interface FeedOp {
  dir: Direction
  at: number
  len: number
  /** Stream offset of the first byte pushed. */
  offset: number
  time: number
}

/** Options that can cross to a worker (the inflater is the host's own). */
export interface FeedOptions {
  start?: Partial<Record<Direction, number>>
  protocol?: Protocol
}

export interface FeedResult {
  changes: DecoderChanges
  want: Record<Direction, number>
  summary: ProtocolSummary
}

export interface DecoderHost {
  readonly mode: 'worker' | 'in-thread'
  /** Feeds decoder `key` (made with `opts` on first use). */
  feed(key: number, ops: FeedOp[], bytes: Uint8Array, opts?: FeedOptions): Promise<FeedResult>
  /** The decoder is no longer needed. */
  drop(key: number): void
  close(): Promise<void>
}

export class InThreadHost implements DecoderHost {
  readonly mode = 'in-thread'
  private readonly set = new DecoderSet()

  feed(key: number, ops: FeedOp[], bytes: Uint8Array, opts?: FeedOptions): Promise<FeedResult> {
    return Promise.resolve(this.set.feed(key, ops, bytes, opts))
  }
  drop(key: number): void {
    this.set.drop(key)
  }
  close(): Promise<void> {
    this.set.clear()
    return Promise.resolve()
  }
}

/** The built worker beside this bundle (or beside the entry, when this code sits in a chunk folder), if there is one. */
function workerFile(): string | undefined {
  for (const dir of [__dirname, join(__dirname, '..')]) {
    for (const name of ['decode-worker.cjs', 'decode-worker.js']) {
      const path = join(dir, name)
      if (existsSync(path)) return path
    }
  }
  return undefined
}

type Reply = { id: number; result?: FeedResult; error?: string }

export class WorkerHost implements DecoderHost {
  readonly mode = 'worker'
  private nextId = 1
  private readonly waiting = new Map<number, { resolve: (r: FeedResult) => void; reject: (e: Error) => void }>()
  private failed: Error | undefined

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id)
      if (!w) return
      this.waiting.delete(reply.id)
      if (this.waiting.size === 0) worker.unref()
      if (reply.result) w.resolve(reply.result)
      else w.reject(new Error(reply.error ?? 'the decode worker failed'))
    })
    const fail = (err: Error): void => {
      this.failed = err
      for (const w of this.waiting.values()) w.reject(err)
      this.waiting.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the decode worker exited (${code})`)))
    // Idle, it must not keep the process alive; while it owes an answer it must (feed refs it).
    worker.unref()
  }

  feed(key: number, ops: FeedOp[], bytes: Uint8Array, opts?: FeedOptions): Promise<FeedResult> {
    if (this.failed) return Promise.reject(this.failed)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      if (this.waiting.size === 1) this.worker.ref()
      // The batch's bytes are a buffer of their own (decode-feed.ts): moved, not copied.
      const transfer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.byteLength > 0 ? [bytes.buffer as ArrayBuffer] : []
      this.worker.postMessage({ id, key, ops, bytes, opts }, transfer)
    })
  }
  drop(key: number): void {
    if (!this.failed) this.worker.postMessage({ id: 0, key, drop: true })
  }
  async close(): Promise<void> {
    this.failed ??= new Error('decoding closed')
    await this.worker.terminate()
  }
}

/** A worker when the built one is there, else this thread. */
export function createDecoderHost(opts: { worker?: boolean } = {}): DecoderHost {
  const file = opts.worker === false ? undefined : workerFile()
  if (file === undefined) return new InThreadHost()
  try {
    return new WorkerHost(new Worker(file))
  } catch {
    return new InThreadHost()
  }
}
