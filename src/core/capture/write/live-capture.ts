// The live capture: one file on disk being recorded, plus its index; the engine's sink for
// every connection. It owns its file (capture-lock.ts) from before the file is truncated
// until the index is stored at its end and the file is closed. Memory holds only the
// index; every byte lives in the file. FileCapture (file-capture.ts) reads a file back.

import { closeSync, constants, openSync } from 'node:fs'
import { open, unlink, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { performance } from 'node:perf_hooks'
import { crc32 } from 'node:zlib'
import { LIVE_CAPTURE, type CaptureEvent, type CaptureEventKind, type CaptureInfo, type ConnectionSummary, type Direction, type GapInfo, type SavedCapture, type WhenDiskIsSlow } from '../../../shared/capture-types'
import { UserError } from '../../../shared/errors'
import type { WriteTarget } from '../../files/file-target'
import { temporarySibling, writeReplacing } from '../../files/replace-file'
import { formatPeer } from '../../../shared/human-readable'
import { FORMAT_VERSION, GAPLESS_FORMAT_VERSION, RecordType, TYPE_OF } from '../format/capture-format'
import { storedIndexRecords } from '../format/index-codec'
import type { OpenInfo, OwnerInfo } from '../format/record-payloads'
import { CaptureReader } from '../read/capture-reader'
import { PendingGaps } from './pending-gaps'
import { snapshotOf, type CaptureSnapshot } from '../read/capture-snapshot'
import { CaptureIndex } from '../query/capture-index'
import type { Predicate } from '../query/connection-query'
import { CaptureQueries, type CaptureView } from '../query/capture-queries'
import { copyCapture } from './capture-copy'
import { CaptureLockedError, lockCapture, type CaptureLock, type LockNamespace, type WriterStatus } from './capture-lock'
import { createError, putInPlace, recordingTarget } from './capture-target'
import { DirectWriter } from './direct-writer'
import { openWriter, type OpenWriterOptions } from './open-writer'
import type { RecordWriter, WriterHooks } from './record-writer'
import { RecordedConnection, type ConnectionRecorder } from './recorded-connection'
import { RecordAppender } from './record-appender'

/** What a live capture tells the engine as records are appended. */
export interface CaptureListener {
  /** False while nobody wants per-connection events: the capture then builds none. */
  readonly detailed: boolean
  data(connId: number, dir: Direction, offset: number, chunk: Buffer): void
  /** `conn` is the connection as it is after the event. */
  event(conn: ConnectionSummary, event: CaptureEvent): void
  pressure(paused: boolean): void
  error(message: string): void
}

export interface CaptureOptions extends OpenWriterOptions {
  /** CRC-32 of every data payload too (costs CPU; headers are always checked). */
  checksumPayloads?: boolean
  /** Replace a file that exists (default: refuse). A capture another tcpscope is writing is never replaced. */
  overwrite?: boolean
  /** Where the lock's name lives (tests exercise every kind on one OS). */
  lockNamespace?: LockNamespace
  /** The mode a new capture file is created with, less the umask (default 0644; 0600 for a temporary one). */
  mode?: number
  /**
   * When the writer is more than its bound behind (default `pause`): pause every socket
   * feeding the capture, or `drop` data chunks and record gaps in their place while the
   * traffic goes on at full speed. Capture-wide: one writer, one queue, one bound.
   */
  whenDiskIsSlow?: WhenDiskIsSlow
}

/** `ENOSPC: no space left on device`, without repeating the code Node already puts in front. */
function describeWriteError(err: NodeJS.ErrnoException): string {
  const code = err.code ?? 'EIO'
  return err.message.startsWith(code) ? err.message : `${code}: ${err.message}`
}

const NO_LISTENER: CaptureListener = { detailed: false, data() {}, event() {}, pressure() {}, error() {} }

export class LiveCapture extends CaptureQueries implements CaptureView, ConnectionRecorder {
  private readonly writer: RecordWriter
  /** Encodes each record into the writer (record-appender.ts). */
  private readonly records: RecordAppender
  /**
   * Whether the writer copies each record (O_DIRECT), rather than queueing the chunk itself.
   * A field, not an instanceof per chunk: that showed as 6% of the proxy's busy time in bulk.
   */
  readonly copiesChunks: boolean
  private readonly origin = performance.now()
  private readonly checksumPayloads: boolean
  /**
   * The last connection id given, shared with the proxy's forwarding workers
   * (proxy/workers/), which number their connections from it too: ids stay unique across
   * threads, though a worker's may reach the file after a later one of this thread's.
   */
  private readonly ids = new Int32Array(new SharedArrayBuffer(4))
  private listener: CaptureListener = NO_LISTENER
  private closing: Promise<void> | undefined
  readonly whenDiskIsSlow: WhenDiskIsSlow
  /** With `drop`: the writer is behind, so data chunks are counted as gaps rather than queued. */
  private dropping = false
  private readonly pendingGaps = new PendingGaps<RecordedConnection>()

  protected declare readonly index: CaptureIndex

  private constructor(
    readonly path: string,
    /** The file as created: `path` itself, or a temporary sibling renamed over it once recording has begun. */
    filePath: string,
    opts: CaptureOptions,
    private readonly lock: CaptureLock,
    /** Which file this is, so that nothing copies or records onto it. */
    readonly identity: { dev: number; ino: number }
  ) {
    super(new CaptureIndex())
    this.checksumPayloads = opts.checksumPayloads ?? false
    this.whenDiskIsSlow = opts.whenDiskIsSlow ?? 'pause'
    const hooks: WriterHooks = {
      // With `drop` the sockets never pause: the capture stops queueing data until the writer catches up.
      onPressure: (paused) => (this.whenDiskIsSlow === 'drop' ? (this.dropping = paused) : this.listener.pressure(paused)),
      onError: (err) => {
        // What the writer had not written is not in the file: the index must not claim it.
        this.index.truncateAt(this.writer.written)
        this.listener.error(
          `capture stopped: cannot write ${path} (${describeWriteError(err)}); traffic is still forwarded but no longer recorded`
        )
      }
    }
    this.writer = openWriter(filePath, hooks, { ...opts, formatVersion: this.formatVersion })
    this.copiesChunks = this.writer instanceof DirectWriter
    this.records = new RecordAppender(this.writer, this.copiesChunks)
    try {
      this.readFd = openSync(filePath, 'r')
    } catch (err) {
      void this.writer.close()
      throw err
    }
    this.reader = new CaptureReader(this.readFd, this.index, (end) => this.writer.waitWritten(end))
  }

  protected readonly reader: CaptureReader
  private readonly readFd: number

  /**
   * Creates the capture file (replacing a capture only with `overwrite`) and takes its lock;
   * the file header is on disk when this resolves. A capture it replaces stays whole until
   * then: recording starts in a new file beside it, renamed over it once locked and begun.
   * Errors are one-line UserErrors.
   */
  static async create(path: string, opts: CaptureOptions = {}): Promise<LiveCapture> {
    const target = await recordingTarget(path, opts)
    const filePath = target.kind === 'absent' ? path : temporarySibling(target.path)
    let file: FileHandle
    try {
      // Exclusive: whatever appeared at the path since it was looked at is not opened, let alone truncated.
      file = await open(filePath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return LiveCapture.create(path, opts)
      throw createError(path, err as NodeJS.ErrnoException)
    }
    let capture: LiveCapture | undefined
    let lock: CaptureLock | undefined
    try {
      const st = await file.stat()
      lock = await lockCapture(path, st, () => capture?.status() ?? Promise.resolve({ pid: process.pid, written: 0 }), opts.lockNamespace)
      capture = new LiveCapture(path, filePath, opts, lock, { dev: st.dev, ino: st.ino })
      if (target.kind === 'file') await putInPlace(filePath, target, opts.lockNamespace)
    } catch (err) {
      if (capture !== undefined) await capture.close().catch(() => undefined)
      else await lock?.release()
      await unlink(filePath).catch(() => undefined)
      if (err instanceof CaptureLockedError) throw new UserError(err.message, 'ELOCKED')
      if (err instanceof UserError) throw err
      throw createError(path, err as NodeJS.ErrnoException)
    } finally {
      await file.close()
    }
    capture.appendMeta({ format: capture.formatVersion, tool: 'tcpscope', createdAt: new Date().toISOString(), writer: capture.writerKind })
    return capture
  }

  /** For a reader of the file: everything recorded so far is written, up to here. */
  private async status(): Promise<WriterStatus> {
    const end = this.writer.end
    await this.writer.waitWritten(end).catch(() => undefined)
    return { pid: process.pid, written: Math.min(end, this.writer.written) }
  }

  /** Only a capture that may drop needs the gap record's version; any other stays readable by an older tcpscope. */
  get formatVersion(): number {
    return this.whenDiskIsSlow === 'drop' ? FORMAT_VERSION : GAPLESS_FORMAT_VERSION
  }

  get writerKind(): 'direct' | 'buffered' {
    return this.writer instanceof DirectWriter ? 'direct' : 'buffered'
  }

  /**
   * Whether nothing keeps a data chunk once appendData returns, so its buffer may take new
   * bytes: the O_DIRECT writer copies every record, while the page-cache writer queues the
   * chunk itself and a detailed listener passes it on.
   */
  get chunksReusable(): boolean {
    return this.copiesChunks && !this.listener.detailed
  }

  setListener(listener: CaptureListener): void {
    this.listener = listener
  }

  get recording(): boolean {
    return this.writer.error === undefined && this.closing === undefined
  }

  private appendMeta(info: Record<string, unknown>): void {
    this.records.append(RecordType.Meta, undefined, 0, 0, JSON.stringify(info), Date.now(), 0)
  }

  /** Records a proxy or session starting or stopping (it owns connections). */
  owner(info: OwnerInfo): void {
    if (!this.recording) return
    const time = Date.now()
    this.records.append(RecordType.Owner, undefined, 0, 0, JSON.stringify(info), time, this.monoNow())
    // Exports need where a proxy listened (pcapng's client leg), live as well as from the file.
    this.index.owner(info, time)
  }

  protected override version(): number {
    return this.index.changes
  }

  /** Every connection as it is now (the index is all in memory). */
  connections(): ConnectionSummary[] {
    return this.index.summaries()
  }

  /** Bytes recorded from `dir` of the connection in index row `row`. */
  bytesOf(row: number, dir: Direction): number {
    return this.index.bytes(row, dir)
  }

  /** The capture's monotonic clock: ms since it started. */
  monoNow(): number {
    return performance.now() - this.origin
  }

  /** The shared counter connection ids are taken from (Atomics.add(counter, 0, 1) + 1). */
  get idCounter(): SharedArrayBuffer {
    return this.ids.buffer as SharedArrayBuffer
  }

  /** Starts recording a new connection (always indexed, even when recording has stopped). */
  openConnection(open: OpenInfo): RecordedConnection {
    return this.openConnectionAs(Atomics.add(this.ids, 0, 1) + 1, open, Date.now(), this.monoNow())
  }

  /** Records the opening of connection `id`, numbered and timed elsewhere (a forwarding worker). */
  openConnectionAs(id: number, open: OpenInfo, time: number, mono: number): RecordedConnection {
    const info = open as unknown as Record<string, unknown>
    const offset = this.recording
      ? this.records.append(RecordType.Open, undefined, id, 0, JSON.stringify(open), time, mono)
      : -1
    const row = this.index.open(id, offset, time, open)
    const conn = new RecordedConnection(this, id, row)
    if (this.listener.detailed) this.listener.event(this.index.summary(row), { seq: 0, kind: 'open', time, mono, info })
    return conn
  }

  /** Returns whether `seq` was used: a chunk joining a pending gap leaves it for the next record. */
  appendData(conn: RecordedConnection, seq: number, dir: Direction, chunk: Buffer, time: number, mono: number): boolean {
    if (this.dropping && this.recording) return this.dropData(conn, seq, dir, chunk.length, time, mono)
    if (this.pendingGaps.size !== 0) this.writeGaps(conn)
    // After a write error the bytes are still counted: they were forwarded, just not recorded.
    const offset = this.recording ? this.records.append(RecordType.Data, dir, conn.id, seq, chunk, time, mono, this.checksumPayloads ? crc32(chunk) : undefined) : -1
    const streamOffset = this.index.bytes(conn.row, dir)
    this.index.addData(conn.row, dir, offset, chunk.length)
    if (this.listener.detailed) this.listener.data(conn.id, dir, streamOffset, chunk)
    return true
  }

  /**
   * A chunk the writer is too far behind to take: it was forwarded, so the stream's offsets
   * count it, and it joins its direction's pending gap, written before the connection's
   * next record (or at close).
   */
  private dropData(conn: RecordedConnection, seq: number, dir: Direction, length: number, time: number, mono: number): boolean {
    this.index.dropData(conn.row, dir, length)
    return this.pendingGaps.add(conn, dir, this.index.bytes(conn.row, dir) - length, length, seq, time, mono)
  }

  /** Writes a connection's pending gap records, in the order their first chunks came. */
  private writeGaps(conn: RecordedConnection): void {
    for (const { dir, gap } of this.pendingGaps.take(conn)) {
      const info: GapInfo = { offset: gap.offset, bytes: gap.bytes }
      const offset = this.recording ? this.records.append(RecordType.Gap, dir, conn.id, gap.seq, JSON.stringify(info), gap.time, gap.mono) : -1
      this.index.placeGap(conn.row, dir, offset, gap.offset, gap.bytes)
      if (this.listener.detailed) {
        this.listener.event(this.index.summary(conn.row), { seq: gap.seq, kind: 'gap', dir, time: gap.time, mono: gap.mono, info: { ...info } })
      }
    }
  }

  appendEvent(
    conn: RecordedConnection,
    seq: number,
    kind: Exclude<CaptureEventKind, 'data'>,
    dir: Direction | undefined,
    info: Record<string, unknown> | undefined,
    time = Date.now(),
    mono = this.monoNow()
  ): void {
    if (this.pendingGaps.size !== 0) this.writeGaps(conn)
    const type = TYPE_OF[kind]
    // After a write error the summary still follows the connection, so front ends stay right.
    const offset = this.recording
      ? this.records.append(type, dir, conn.id, seq, info ? JSON.stringify(info) : undefined, time, mono)
      : -1
    this.index.event(conn.row, type, dir, offset, time, info)
    if (!this.listener.detailed) return
    const event: CaptureEvent = { seq, kind, time, mono }
    if (dir) event.dir = dir
    if (info) event.info = info
    this.listener.event(this.index.summary(conn.row), event)
  }

  readonly id = LIVE_CAPTURE

  info(): CaptureInfo {
    const err = this.writer.error
    return {
      id: this.id,
      name: basename(this.path),
      path: this.path,
      // After a write error the file holds what was written (the failed tail is cut off), not what was appended.
      size: err ? this.writer.written : this.writer.end,
      connections: this.index.size,
      live: this.closing === undefined,
      pace: this.writer.pace(),
      ...(err ? { error: describeWriteError(err) } : {})
    }
  }

  /** Stores the index at the end of the file, flushes, fsyncs and closes it, and lets it go. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      // Connections still open with chunks dropped: their gaps go in before the index that counts them.
      for (const conn of this.pendingGaps.connections()) this.writeGaps(conn)
      if (this.writer.error === undefined) this.appendStoredIndex()
      this.closing = this.writer
        .close()
        .finally(() => closeSync(this.readFd))
        .finally(() => this.lock.release())
    }
    return this.closing
  }

  /** The index records and the trailer that points at them (index-codec.ts). */
  private appendStoredIndex(): void {
    for (const r of storedIndexRecords(this.index, this.writer.end, Date.now(), this.monoNow())) this.writer.append(r, 0, r.length)
  }

  /**
   * A consistent copy of the capture as it is now, complete with its stored index, while
   * recording goes on: the index and the file's end are taken at one instant. `target` is
   * where it goes, as checked (captures.ts); what was there is kept if the copy fails.
   */
  async saveCopy(path: string, target: WriteTarget, opts: { signal?: AbortSignal; beforeCommit?: () => Promise<void> } = {}): Promise<SavedCapture> {
    const { end, footer, connections } = await this.consistentCopy()
    const doing = `cannot save to ${path}`
    const size = await writeReplacing(target, { doing, mode: 0o644, beforeCommit: opts.beforeCommit }, (file) =>
      copyCapture(this.readFd, end, footer, file, opts.signal)
    )
    return { path, size, connections }
  }

  /**
   * The capture as it is now, as a complete file: its records up to `end` (once written)
   * and a stored index of that moment. The moment is taken before the first await, so a
   * caller that counts `changes` just before calling has the copy's count.
   */
  private async consistentCopy(): Promise<{ end: number; footer: Buffer[]; connections: number; changes: number }> {
    const end = this.writer.error ? this.writer.written : this.writer.end
    const copy = { end, footer: storedIndexRecords(this.index, end, Date.now(), this.monoNow()), connections: this.index.size, changes: this.index.changes }
    await this.writer.waitWritten(end).catch(() => undefined)
    return copy
  }

  /** Counts every change to what the capture holds: a copy taken at one count holds all of it until the next. */
  get changes(): number {
    return this.index.changes
  }

  /**
   * The same consistent copy as saveCopy, read in pieces by whoever takes it (a browser
   * download).
   */
  async snapshot(): Promise<CaptureSnapshot> {
    const { end, footer, connections, changes } = await this.consistentCopy()
    return snapshotOf(this.readFd, { name: basename(this.path), end, footer: Buffer.concat(footer), connections, changes })
  }

  /** Connection `connId`'s target as recorded (`host:port`), or undefined for none. */
  targetOf(connId: number): string | undefined {
    const row = this.index.rowOf(connId)
    return row === undefined ? undefined : this.index.summary(row).target
  }

  /** Connection `connId`'s client address as recorded (`host:port`), or '' for none. */
  clientOf(connId: number): string {
    const row = this.index.rowOf(connId)
    const client = row === undefined ? undefined : this.index.summary(row).client
    return client === undefined ? '' : formatPeer(client)
  }

  /** Whether the list's filter `predicate` picks connection `connId` as its row stands now (a breakpoint's `filter`). */
  picks(connId: number, predicate: Predicate): boolean {
    const row = this.index.rowOf(connId)
    return row !== undefined && predicate(this.index.fields, row)
  }
}
