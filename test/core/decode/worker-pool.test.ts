// Decoders over several workers (WorkerPool): which worker a connection's decoder goes to,
// and, with the built worker, a file decoded over two workers reads as on the engine's thread;
// and how feeds go to a worker (WorkerHost): many to a message, but not all of a big turn's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { FileCapture } from '../../../src/core/capture/file-capture'
import { Decoding } from '../../../src/core/decode/decoding'
import { EventEmitter } from 'node:events'
import type { Worker } from 'node:worker_threads'
import { WorkerHost, WorkerPool, decodeWorkers, type DecoderHost } from '../../../src/core/decode/decoder-host'
import { END_WORKER, unpackRequests, type FeedRequest, type PackedRequests } from '../../../src/core/decode/feed-requests'
import type { FeedResult } from '../../../src/core/decode/decoder-set'
import { FeedOps } from '../../../src/core/decode/feed-ops'
import { opsOf, type Op } from './feed-ops-of'
import type { ExchangeListPage } from '../../../src/shared/protocol-types'
import type { TestEngine } from '../../helpers/engine'
import { hasProgram, needPeer } from '../../helpers/peers'
import { everyExchange, recordCurlConnections } from './decode-peers'
import { ExchangeBatchWriter } from '../../../src/core/decode/exchange-batch'
import { packReplies } from '../../../src/core/decode/feed-replies'

const WORKER = resolve(__dirname, '../../../out/cli/decode-worker.cjs')

/** A host that records what it was given and answers when told, as a worker answers later. */
class HeldHost implements DecoderHost {
  readonly mode = 'worker'
  readonly fed: number[] = []
  readonly dropped: number[] = []
  private readonly owed: (() => void)[] = []
  closed = false
  get pending(): number {
    return this.owed.length
  }
  feed(key: number): Promise<FeedResult> {
    this.fed.push(key)
    return new Promise((resolve) => this.owed.push(() => resolve({} as FeedResult)))
  }
  answerAll(): void {
    for (const a of this.owed.splice(0)) a()
  }
  drop(key: number): void {
    this.dropped.push(key)
  }
  close(): Promise<void> {
    this.closed = true
    return Promise.resolve()
  }
}

function pool(size: number, busy?: number): { pool: WorkerPool; hosts: HeldHost[] } {
  const hosts: HeldHost[] = []
  const p = new WorkerPool(size, () => {
    const h = new HeldHost()
    hosts.push(h)
    return h
  }, (h) => (h as HeldHost).pending, busy)
  return { pool: p, hosts }
}

describe('WorkerPool', () => {
  it('keeps light traffic on one worker, and starts another only when every started one is busy', async () => {
    const { pool: p, hosts } = pool(2, 8)
    // One connection at a time, answered before the next: one worker does it all.
    for (let key = 1; key <= 20; key++) {
      const fed = p.feed(key, new FeedOps(), new Uint8Array(0))
      hosts[0].answerAll()
      await fed
    }
    expect(p.started).toBe(1)
    // Eight feeds waiting on it: the next new connection starts the second worker...
    for (let key = 21; key <= 28; key++) void p.feed(key, new FeedOps(), new Uint8Array(0))
    void p.feed(29, new FeedOps(), new Uint8Array(0))
    expect(p.started).toBe(2)
    expect(hosts[1].fed).toEqual([29])
    // ...and the size is a limit: a third is never started, new keys go to the worker holding fewest decoders.
    for (let key = 30; key <= 60; key++) void p.feed(key, new FeedOps(), new Uint8Array(0))
    expect(p.started).toBe(2)
    const held = hosts.map((h) => new Set(h.fed).size)
    expect(Math.abs(held[0] - held[1])).toBeLessThanOrEqual(1)
    await p.close()
    expect(hosts.every((h) => h.closed)).toBe(true)
  })

  it("splits a file's connections evenly though the second worker is still starting and the first answers at once", async () => {
    const { pool: p, hosts } = pool(2, 4)
    for (let key = 1; key <= 5; key++) void p.feed(key, new FeedOps(), new Uint8Array(0))
    expect(p.started).toBe(2)
    // The first answers each feed at once; the second, starting, none yet: by feeds waiting it looked the busier.
    for (let key = 6; key <= 100; key++) {
      hosts[0].answerAll()
      void p.feed(key, new FeedOps(), new Uint8Array(0))
    }
    const held = hosts.map((h) => new Set(h.fed).size)
    expect(held[0] + held[1]).toBe(100)
    expect(Math.abs(held[0] - held[1])).toBeLessThanOrEqual(1)
    // A connection's last feed frees its place once answered: the next new one goes to the worker it left.
    const last = hosts[1].fed[0]
    const fed = p.feed(last, new FeedOps(), new Uint8Array(0), undefined, true)
    hosts[1].answerAll()
    await fed
    void p.feed(101, new FeedOps(), new Uint8Array(0))
    expect(hosts[1].fed.at(-1)).toBe(101)
  })

  it('sends every feed and the drop of a connection to the worker that holds its decoder', () => {
    const { pool: p, hosts } = pool(3, 0)
    for (const key of [1, 2, 3]) void p.feed(key, new FeedOps(), new Uint8Array(0))
    expect(hosts.map((h) => h.fed)).toEqual([[1], [2], [3]])
    hosts[0].answerAll()
    // Key 2's next feed goes where its decoder is, though worker 0 is now the least busy.
    void p.feed(2, new FeedOps(), new Uint8Array(0))
    p.drop(2)
    p.drop(99)
    expect(hosts[1].fed).toEqual([2, 2])
    expect(hosts.map((h) => h.dropped)).toEqual([[], [2], []])
    // A connection's last feed takes its decoder: the key is free, and a later drop goes nowhere.
    void p.feed(3, new FeedOps(), new Uint8Array(0), undefined, true)
    p.drop(3)
    expect(hosts[2].dropped).toEqual([])
  })

  it('keeps a live capture\'s connections in its first worker however busy (oneWorker)', () => {
    const { pool: p, hosts } = pool(2, 0)
    for (let key = 1; key <= 10; key++) void p.oneWorker.feed(key, new FeedOps(), new Uint8Array(0))
    expect(p.started).toBe(1)
    expect(hosts[0].fed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // A file's connections, fed beside them, go to a second worker.
    void p.feed(11, new FeedOps(), new Uint8Array(0))
    expect(p.started).toBe(2)
    expect(hosts[1].fed).toEqual([11])
    p.oneWorker.drop(3)
    expect(hosts[0].dropped).toEqual([3])
  })

  it('takes its size from the cores, or TCPSCOPE_DECODE_WORKERS', () => {
    expect(decodeWorkers({ TCPSCOPE_DECODE_WORKERS: '3' })).toBe(3)
    expect(decodeWorkers({ TCPSCOPE_DECODE_WORKERS: '0' })).toBeGreaterThanOrEqual(1)
    expect(decodeWorkers({ TCPSCOPE_DECODE_WORKERS: 'many' })).toBeLessThanOrEqual(4)
  })
})

let t: TestEngine
let file: FileCapture

beforeAll(async () => {
  if (!hasProgram('curl')) return
  t = await recordCurlConnections(6, 10)
  file = await FileCapture.open(t.capturePath)
})
afterAll(async () => {
  await file?.close()
  await t?.dispose()
})

const everything = (d: Decoding): Promise<ExchangeListPage> => everyExchange(d, file)

describe('decoding over two built workers', () => {
  it('lists what the engine thread lists, each connection decoded in one of them', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const here = new Decoding({ worker: false })
    const there = new Decoding({ workerFile: WORKER, workers: 2, busy: 0 })
    const [a, b] = [await everything(here), await everything(there)]
    expect((there.host() as WorkerPool).started).toBe(2)
    expect(there.mode).toBe('worker')
    expect(b.total).toBe(6 * 13)
    expect({ ...b, decoder: undefined }).toEqual({ ...a, decoder: undefined })
    for (const conn of new Set(a.rows.map((r) => r.connId))) expect(await there.exchanges(file, conn, 0, 100)).toEqual(await here.exchanges(file, conn, 0, 100))
    await Promise.all([here.close(), there.close()])
  })

  it('goes on on the engine thread when both workers die, and starts their connections over', async (ctx) => {
    if (!needPeer('curl')) return ctx.skip()
    const reference = await everything(new Decoding({ worker: false }))
    const d = new Decoding({ workerFile: WORKER, workers: 2, busy: 0 })
    const first = d.exchangePage(file, { offset: 0, limit: 1000, sort: 'conn' })
    // Once both workers hold connections, both die.
    await expect.poll(() => (d.host() as WorkerPool).started, { interval: 1 }).toBe(2)
    await (d.host() as WorkerPool).crashForTest()
    await first
    const after = await everything(d)
    expect(d.mode).toBe('in-thread')
    expect({ ...after, decoder: undefined }).toEqual({ ...reference, decoder: undefined })
    await d.close()
  })
})

/** A worker that records the messages it is sent, and answers none. */
class SilentWorker extends EventEmitter {
  readonly sent: FeedRequest[][] = []
  /** END_WORKER came: it ends, as the decode worker does between two messages. */
  ended = false
  postMessage(packed: PackedRequests | typeof END_WORKER): void {
    if (packed !== END_WORKER) return void this.sent.push(unpackRequests(packed))
    this.ended = true
    this.endSoon()
  }
  protected endSoon(): void {
    setImmediate(() => this.emit('exit', 0))
  }
  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    return Promise.resolve(0)
  }
}

describe('WorkerHost messages', () => {
  it('sends a turn\'s small feeds as one message, and many bytes or many feeds at once, before the turn ends', async () => {
    const worker = new SilentWorker()
    const host = new WorkerHost(worker as unknown as Worker)
    const op: Op = { dir: 'client', at: 0, len: 100, offset: 0, time: 0 }
    for (let key = 1; key <= 10; key++) void host.feed(key, opsOf([op]), new Uint8Array(100))
    // Nothing goes before the turn ends: ten feeds of 100 bytes are one message.
    expect(worker.sent).toHaveLength(0)
    await new Promise((r) => setImmediate(r))
    expect(worker.sent.map((m) => m.length)).toEqual([10])

    // A file's batches of 200 KiB: the worker gets the first three while this turn goes on.
    for (let key = 11; key <= 15; key++) void host.feed(key, opsOf([{ ...op, len: 200 * 1024 }]), new Uint8Array(200 * 1024))
    expect(worker.sent.map((m) => m.length)).toEqual([10, 3])
    await new Promise((r) => setImmediate(r))
    expect(worker.sent.map((m) => m.length)).toEqual([10, 3, 2])
    expect(worker.sent.flat().map((r) => r.key)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
    expect(host.pending).toBe(15)

    // A turn of 100 one-exchange connections: the worker gets them 48 at a time while it goes on.
    for (let key = 16; key < 116; key++) void host.feed(key, opsOf([op]), new Uint8Array(100))
    expect(worker.sent.slice(3).map((m) => m.length)).toEqual([48, 48])
    await new Promise((r) => setImmediate(r))
    expect(worker.sent.slice(3).map((m) => m.length)).toEqual([48, 48, 4])
    expect(worker.sent.slice(3).flat().map((r) => r.key)).toEqual(Array.from({ length: 100 }, (_, k) => 16 + k))
    await host.close()
  })
})

/**
 * A worker that keeps the process alive as Node's does: while ref'd, and from terminate()
 * (which refs it) until its exit, which comes when the test says.
 */
class ExitingWorker extends SilentWorker {
  refd = true
  private exited: ((code: number) => void) | undefined
  override ref(): void {
    this.refd = true
  }
  override unref(): void {
    this.refd = false
  }
  override terminate(): Promise<number> {
    this.ref()
    return new Promise((resolve) => (this.exited = resolve))
  }
  /** It ends when the test says. */
  protected override endSoon(): void {}
  exit(): void {
    this.emit('exit', 1)
    this.exited?.(1)
  }
}

describe('WorkerHost closing', () => {
  it('keeps the worker ref\'d until it has exited, though a reply comes in while it stops', async () => {
    const worker = new ExitingWorker()
    const host = new WorkerHost(worker as unknown as Worker)
    expect(worker.refd).toBe(false)
    void host.feed(1, new FeedOps(), new Uint8Array(0)).catch(() => undefined)
    await new Promise((r) => setImmediate(r))
    expect(worker.refd).toBe(true)
    const closed = host.close()
    // The worker's answer to the feed was on its way when close() began.
    const id = worker.sent[0][0].id
    const reply = { from: 0, to: 0, messages: [], problems: [], want: { client: 0, server: 0 }, summary: { protocol: 'unknown' as const } }
    worker.emit('message', packReplies([{ id, reply }], new ExchangeBatchWriter(), []))
    // Unref'd here, the process had nothing left to wait for and exited before the worker did,
    // in the middle of the engine's close (tcpscope show and proxy ended with 0, the capture not completed).
    expect(worker.refd).toBe(true)
    // Asked to end between two messages, not terminated.
    expect(worker.ended).toBe(true)
    worker.exit()
    await closed
  })
})
