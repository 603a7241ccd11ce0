// The handle a proxy, session or replay records one connection through: it numbers the
// connection's records and passes them to its capture (a LiveCapture, which answers
// ConnectionRecorder: this module knows only that much of it).

import type { CaptureEventKind, ConnectionEnd, Direction, PeerAddress, TcpscopeReset } from '../../../shared/capture-types'
import type { OpenInfo, OwnerInfo } from '../format/record-payloads'

/** Where a proxy opens the connections it records: the LiveCapture, or a forwarding worker's batches to it. */
export interface ConnectionSink {
  openConnection(open: OpenInfo): RecordedConnection
  /** A proxy or session started or stopped. */
  owner(info: OwnerInfo): void
}

/** What a recorded connection appends through: LiveCapture. */
export interface ConnectionRecorder {
  /** Whether nothing keeps a data chunk once appendData returns. */
  readonly chunksReusable: boolean
  /** Whether the writer copies each record rather than queueing the chunk itself. */
  readonly copiesChunks: boolean
  /** The capture's monotonic clock: ms since it started. */
  monoNow(): number
  /** Bytes recorded from `dir` of the connection in index row `row`. */
  bytesOf(row: number, dir: Direction): number
  /** Returns whether it used `seq` (a chunk dropped into a pending gap does not). */
  appendData(conn: RecordedConnection, seq: number, dir: Direction, chunk: Buffer, time: number, mono: number): boolean
  appendEvent(conn: RecordedConnection, seq: number, kind: Exclude<CaptureEventKind, 'data'>, dir: Direction | undefined, info: Record<string, unknown> | undefined): void
}

/** A connection being recorded: the hot path appends through this handle. */
export class RecordedConnection {
  /** Seq 0 is the open record. */
  private seq = 1
  constructor(
    private readonly capture: ConnectionRecorder,
    readonly id: number,
    /** Its row in the capture's index. */
    readonly row: number
  ) {}

  monoNow(): number {
    return this.capture.monoNow()
  }

  /** Whether a chunk's buffer may be reused once `data` returns (LiveCapture.chunksReusable). */
  get chunksReusable(): boolean {
    return this.capture.chunksReusable
  }

  /** Whether the capture's writer copies what it records (LiveCapture.copiesChunks). */
  get copiesChunks(): boolean {
    return this.capture.copiesChunks
  }

  /** Bytes recorded from `dir` so far. */
  bytes(dir: Direction): number {
    return this.capture.bytesOf(this.row, dir)
  }

  /**
   * Records a chunk `dir` sent. `time` and `mono` say when it arrived, for a caller that
   * forwards it before recording it; they default to now.
   */
  data(dir: Direction, chunk: Buffer, time = Date.now(), mono = this.capture.monoNow()): void {
    if (this.capture.appendData(this, this.seq, dir, chunk, time, mono)) this.seq++
  }

  event(kind: Exclude<CaptureEventKind, 'data' | 'open' | 'connected' | 'close'>, dir?: Direction, info?: Record<string, unknown>): void {
    this.capture.appendEvent(this, this.seq++, kind, dir, info)
  }

  /** The connection (or its upstream leg) is established between these addresses. */
  connected(local: PeerAddress | undefined, remote: PeerAddress | undefined): void {
    this.capture.appendEvent(this, this.seq++, 'connected', undefined, { local, remote })
  }

  /** The connection's last record: how it ended, with the byte totals each way (and, for a reset tcpscope made, what made it and to whom). */
  close(end: ConnectionEnd, reset?: TcpscopeReset): void {
    const info: Record<string, unknown> = { end, bytes: { client: this.bytes('client'), server: this.bytes('server') } }
    if (reset !== undefined) info.reset = reset
    this.capture.appendEvent(this, this.seq++, 'close', undefined, info)
  }
}
