// Appends records to the capture file through the page cache, in batches: header buffers
// plus references to the received chunks go to fs.writev together (no copies), one batch
// in flight at a time. Used where O_DIRECT is not available (see direct-writer.ts).
// Above a pending limit it asks its producers to pause (backpressure) instead of buffering
// without bound; on a write error it stops for good and says why.

import { close, fsync, writev } from 'node:fs'
import { FLUSH_DELAY_MS, HIGH_WATER, LOW_WATER, cutFailedTail, type RecordWriter, type WriterHooks, type WriterOptions } from './record-writer'
import { WriteProgress } from './write-progress'
import type { WriterPace } from '../../../shared/capture-types'

/**
 * writev that carries on after a short write: a full disk or a file size limit then shows
 * as its real error (ENOSPC, EFBIG) on the next call, not as a bare short count.
 */
function writevFully(fd: number, buffers: Buffer[], position: number, cb: (err: NodeJS.ErrnoException | null) => void): void {
  writev(fd, buffers, position, (err, written) => {
    if (err) return cb(err)
    let i = 0
    let skip = written
    while (i < buffers.length && skip >= buffers[i].length) skip -= buffers[i++].length
    if (i === buffers.length) return cb(null)
    if (written === 0) return cb(Object.assign(new Error('write accepted no bytes'), { code: 'EIO' }))
    writevFully(fd, [buffers[i].subarray(skip), ...buffers.slice(i + 1)], position + written, cb)
  })
}

export class BufferedWriter implements RecordWriter {
  private queue: Buffer[] = []
  private queuedBytes = 0
  private inFlightBytes = 0
  private writing = false
  private timer: NodeJS.Timeout | undefined
  private enqueuedEnd: number
  private readonly progress: WriteProgress
  private closed = false
  private readonly batchBytes: number
  private readonly maxDelayMs: number

  constructor(
    private readonly fd: number,
    startOffset: number,
    hooks: WriterHooks,
    opts: WriterOptions = {}
  ) {
    this.enqueuedEnd = startOffset
    this.batchBytes = opts.batchBytes ?? 1024 * 1024
    this.maxDelayMs = opts.maxDelayMs ?? FLUSH_DELAY_MS
    this.progress = new WriteProgress(startOffset, hooks, opts.highWater ?? HIGH_WATER, opts.lowWater ?? LOW_WATER)
  }

  /** File offset just past the last enqueued record. */
  get end(): number {
    return this.enqueuedEnd
  }
  /** File offset up to which everything is on disk (in the page cache). */
  get written(): number {
    return this.progress.written
  }
  get error(): NodeJS.ErrnoException | undefined {
    return this.progress.failure
  }
  pace(): WriterPace {
    return this.progress.pace()
  }

  append(buf: Buffer, start: number, end: number, payload?: Buffer): void {
    if (this.progress.failure || this.closed) return
    this.queue.push(buf.subarray(start, end))
    let n = end - start
    if (payload !== undefined && payload.length > 0) {
      this.queue.push(payload)
      n += payload.length
    }
    this.queuedBytes += n
    this.enqueuedEnd += n
    this.progress.checkPressure(this.queuedBytes + this.inFlightBytes)
    if (this.writing) return
    if (this.queuedBytes >= this.batchBytes) this.writeNow()
    else if (this.timer === undefined) this.timer = setTimeout(this.onTimer, this.maxDelayMs)
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    if (!this.writing) this.writeNow()
  }

  private writeNow(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.queue.length === 0 || this.progress.failure) return
    const batch = this.queue
    const bytes = this.queuedBytes
    const position = this.enqueuedEnd - bytes
    this.queue = []
    this.queuedBytes = 0
    this.inFlightBytes = bytes
    this.writing = true
    this.progress.busy(true)
    writevFully(this.fd, batch, position, (err) => {
      this.writing = false
      this.inFlightBytes = 0
      this.progress.busy(false)
      if (err) return this.fail(err)
      this.progress.advance(position + bytes)
      this.progress.checkPressure(this.queuedBytes)
      // Keep the disk busy while there is a backlog; otherwise let the next batch gather.
      if (this.queuedBytes >= this.batchBytes || (this.queuedBytes > 0 && this.flushRequested())) this.writeNow()
      else if (this.queuedBytes > 0 && this.timer === undefined) this.timer = setTimeout(this.onTimer, this.maxDelayMs)
    })
  }

  private flushRequested(): boolean {
    return this.closed || this.progress.waiting
  }

  private fail(err: NodeJS.ErrnoException): void {
    this.queue = []
    this.queuedBytes = 0
    cutFailedTail(this.fd, this.progress.written)
    this.progress.fail(err)
  }

  waitWritten(offset: number): Promise<void> {
    return this.progress.wait(offset, () => {
      if (!this.writing) this.writeNow()
    })
  }

  /** Writes everything pending, fsyncs and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    const end = this.enqueuedEnd
    this.closed = true
    try {
      if (!this.progress.failure) {
        if (!this.writing) this.writeNow()
        await this.waitWritten(end).catch(() => undefined)
      }
      if (this.timer !== undefined) clearTimeout(this.timer)
      if (!this.progress.failure) await new Promise<void>((res, rej) => fsync(this.fd, (e) => (e ? rej(e) : res())))
    } finally {
      await new Promise<void>((res) => close(this.fd, () => res()))
    }
  }
}
