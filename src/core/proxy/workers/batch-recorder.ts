// A forwarding worker's capture: its proxy records through this as through the LiveCapture
// (ConnectionSink, ConnectionRecorder), and the records go to the main thread in batches,
// each connection's in order, its data bytes copied once into one moved buffer per batch.
// Memory stays bounded: past MAX_IN_FLIGHT bytes not yet applied by the main thread, the
// worker's producers are held, as the capture writer holds the main thread's.

import { performance } from 'node:perf_hooks'
import type { CaptureEventKind, Direction } from '../../../shared/capture-types'
import type { OpenInfo } from '../../capture/format/record-payloads'
import { HoldState } from '../../capture/write/hold-state'
import { RecordedConnection, type ConnectionRecorder, type ConnectionSink } from '../../capture/write/recorded-connection'
import type { FromWorker, RecordOp } from './worker-messages'

/** A batch goes at once from this many bytes; smaller ones at the end of the event loop's turn. */
const FLUSH_BYTES = 256 * 1024
/** Bytes sent and not yet applied by the main thread, past which this worker's connections pause. */
const MAX_IN_FLIGHT = 16 * 1024 * 1024

export class BatchRecorder implements ConnectionSink, ConnectionRecorder {
  readonly chunksReusable = false
  readonly copiesChunks = false
  /** What this worker's proxy obeys: the main thread's hold, or too much in flight. */
  readonly hold = new HoldState()
  private mainHeld: boolean
  private inFlight = 0
  private ops: RecordOp[] = []
  private chunks: Buffer[] = []
  private pendingBytes = 0
  private flushQueued = false
  /** Bytes recorded each way, per connection row (a row is this worker's own slot). */
  private readonly counts = new Map<number, [number, number]>()
  private nextRow = 0
  private readonly ids: Int32Array

  constructor(
    ids: SharedArrayBuffer,
    /** performance.timeOrigin + performance.now() when the capture's clock read 0. */
    private readonly monoOrigin: number,
    held: boolean,
    private readonly post: (msg: FromWorker, transfer: ArrayBuffer[]) => void
  ) {
    this.ids = new Int32Array(ids)
    this.mainHeld = held
    this.hold.set(held)
  }

  monoNow(): number {
    return performance.timeOrigin + performance.now() - this.monoOrigin
  }

  openConnection(open: OpenInfo): RecordedConnection {
    const id = Atomics.add(this.ids, 0, 1) + 1
    const row = this.nextRow++
    this.counts.set(row, [0, 0])
    this.push({ op: 'open', id, time: Date.now(), mono: this.monoNow(), open })
    return new RecordedConnection(this, id, row)
  }

  /** Owner records are the main thread's: its proxy stands for all its threads. */
  owner(): void {}

  bytesOf(row: number, dir: Direction): number {
    return this.counts.get(row)?.[dir === 'client' ? 0 : 1] ?? 0
  }

  /**
   * Always uses `seq`: whether the main thread keeps the chunk or drops it into a gap
   * (`--when-disk-is-slow drop`) is decided there, so a dropped chunk may leave its seq
   * unused in the file; readers order by seq and need no run without holes.
   */
  appendData(conn: RecordedConnection, seq: number, dir: Direction, chunk: Buffer, time: number, mono: number): boolean {
    const c = this.counts.get(conn.row)
    if (c !== undefined) c[dir === 'client' ? 0 : 1] += chunk.length
    this.chunks.push(chunk)
    this.pendingBytes += chunk.length
    this.push({ op: 'data', id: conn.id, seq, dir, length: chunk.length, time, mono })
    return true
  }

  appendEvent(conn: RecordedConnection, seq: number, kind: Exclude<CaptureEventKind, 'data'>, dir: Direction | undefined, info: Record<string, unknown> | undefined): void {
    const op: RecordOp = { op: 'event', id: conn.id, seq, kind, time: Date.now(), mono: this.monoNow() }
    if (dir !== undefined) op.dir = dir
    if (info !== undefined) op.info = info
    this.push(op)
    if (kind === 'close') this.counts.delete(conn.row)
  }

  private push(op: RecordOp): void {
    this.ops.push(op)
    if (this.pendingBytes >= FLUSH_BYTES) return this.flush()
    if (this.flushQueued) return
    this.flushQueued = true
    setImmediate(this.flush)
  }

  /** Sends what is pending as one batch (at once: before a `stopped` answer, everything must have gone). */
  readonly flush = (): void => {
    this.flushQueued = false
    if (this.ops.length === 0) return
    // A buffer of its own (not the pool's), so that it can be moved to the main thread.
    const bytes = Buffer.allocUnsafeSlow(this.pendingBytes)
    let at = 0
    for (const c of this.chunks) at += c.copy(bytes, at)
    const ops = this.ops
    this.ops = []
    this.chunks = []
    this.inFlight += this.pendingBytes
    this.pendingBytes = 0
    this.post({ type: 'batch', ops, bytes: bytes.buffer as ArrayBuffer }, [bytes.buffer as ArrayBuffer])
    this.review()
  }

  /** The main thread applied a batch of `bytes`. */
  acked(bytes: number): void {
    this.inFlight -= bytes
    this.review()
  }

  /** The capture writer holds (or lets go of) its producers. */
  setMainHeld(held: boolean): void {
    this.mainHeld = held
    this.review()
  }

  private review(): void {
    this.hold.set(this.mainHeld || this.inFlight > MAX_IN_FLIGHT)
  }
}
