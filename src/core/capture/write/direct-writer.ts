// Appends records with O_DIRECT (Linux): records are copied into block-aligned staging
// buffers and written a buffer at a time, bypassing the page cache. That costs a memcpy
// but saves most of the kernel's per-byte work (measured here: about 0.15 s of CPU per
// GiB against 0.4-2.7 s for page-cache writes), which is what a recording proxy spends.
//
// O_DIRECT wants the memory, the file offset and the length aligned to the device's block.
// Lengths and offsets are kept to multiples of BLOCK; memory alignment is found by probing
// (JavaScript cannot see an address): a scratch O_DIRECT file accepts the write only from
// an aligned offset into the buffer. The last, partial block is padded with zeros when it
// must be written early (a timer, a reader waiting, close), then written again when it
// fills; close truncates the padding away.

import { randomBytes } from 'node:crypto'
import { closeSync, constants, fsync, ftruncate, openSync, statfs, unlinkSync, write, writeSync, close } from 'node:fs'
import { FLUSH_DELAY_MS, HIGH_WATER, LOW_WATER, cutFailedTail, type RecordWriter, type WriterHooks, type WriterOptions } from './record-writer'
import { WriteProgress } from './write-progress'
import type { WriterPace } from '../../../shared/capture-types'

const BLOCK = 4096
const BUFFER_SIZE = 2 * 1024 * 1024
const BUFFERS_PER_ARENA = 4

export const directIoAvailable = (): boolean => process.platform === 'linux' && typeof constants.O_DIRECT === 'number'

/** Block-aligned staging buffers, carved from arenas whose alignment was probed. */
class AlignedPool {
  private readonly free: Buffer[] = []
  constructor(private readonly probePath: string) {}

  take(): Buffer {
    if (this.free.length === 0) this.grow()
    return this.free.pop()!
  }

  give(b: Buffer): void {
    if (this.free.length < BUFFERS_PER_ARENA * 2) this.free.push(b)
  }

  private grow(): void {
    const arena = Buffer.allocUnsafeSlow(BUFFERS_PER_ARENA * BUFFER_SIZE + BLOCK)
    const offset = probeAlignment(this.probePath, arena)
    for (let i = BUFFERS_PER_ARENA - 1; i >= 0; i--) {
      this.free.push(arena.subarray(offset + i * BUFFER_SIZE, offset + (i + 1) * BUFFER_SIZE))
    }
  }
}

/**
 * The first offset into `arena` from which an O_DIRECT write is accepted. The scratch file
 * is new (O_EXCL, a name of its own): a user's file beside the capture is never truncated
 * or removed, and a FIFO there is never opened.
 */
function probeAlignment(probeBase: string, arena: Buffer): number {
  const probePath = `${probeBase}-${process.pid}-${randomBytes(4).toString('hex')}`
  const fd = openSync(probePath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT, 0o600)
  try {
    for (let off = 0; off < BLOCK; off += 8) {
      try {
        writeSync(fd, arena, off, BLOCK, 0)
        return off
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err
      }
    }
    throw Object.assign(new Error('no aligned offset accepted by O_DIRECT'), { code: 'EINVAL' })
  } finally {
    closeSync(fd)
    unlinkSync(probePath)
  }
}

interface Job {
  buf: Buffer
  /** Bytes to write (a multiple of BLOCK) at file offset `file`. */
  len: number
  file: number
  /**
   * The end of the last whole record in the file once this job is on disk. A full buffer
   * may end inside a record; reporting only whole records as written means that, after a
   * write error, what is called written is exactly what a reader finds in the file.
   */
  recordEnd: number
  /** A sealed partial buffer: its last block is written again by the job after it. */
  partial: boolean
  done: boolean
  error?: NodeJS.ErrnoException
}

/**
 * Full buffers written at once. One 1 MiB write at a time left the proxy waiting on the
 * disk: forwarding 2 GiB at 800 MiB/s, the queue passed high water about 115 times and
 * paused every socket each time; 2 MiB buffers, three at once, brought that to about 30. Writes of
 * disjoint, block-aligned ranges may land in any order; `written` still moves in file order.
 * Kept below libuv's four pool threads so a write never queues behind the others' lookups.
 */
const MAX_IN_FLIGHT = 3

/**
 * Below this much free space, writes go one at a time. Writes in flight together can land
 * in any order, so on a nearly full disk a later one may take the space an earlier one
 * needed, and the capture would end before bytes that could have been kept. Free space is
 * asked again every quarter of this written, so a disk filling at its own pace is met in
 * serial mode.
 */
export const PARALLEL_FREE_BYTES = 256 * 1024 * 1024

const roundUp = (n: number): number => Math.ceil(n / BLOCK) * BLOCK

/**
 * Writes buf[from, len) at `file`, carrying on after a short write of whole blocks (all
 * O_DIRECT allows), so a full disk shows as ENOSPC (a size limit as EFBIG), not a short count.
 */
function writeFully(fd: number, buf: Buffer, len: number, file: number, cb: (err: NodeJS.ErrnoException | null) => void, from = 0): void {
  write(fd, buf, from, len - from, file, (err, n) => {
    if (err) return cb(err)
    if (from + n === len) return cb(null)
    if (n === 0 || n % BLOCK !== 0) return cb(Object.assign(new Error(`short write: ${n} of ${len - from} bytes`), { code: 'EIO' }))
    writeFully(fd, buf, len, file + n, cb, from + n)
  })
}

export class DirectWriter implements RecordWriter {
  private cur!: Buffer
  private curLen = 0
  /** File offset of cur[0]; always a multiple of BLOCK. */
  private curFile = 0
  /** Where the last record appended in full ends. */
  private recordEnd = 0
  private readonly ready: Job[] = []
  /** Issued writes in file order; the head is retired once it and all before it are done. */
  private readonly inFlight: Job[] = []
  private inFlightBytes = 0
  /** After a failure, the file's tail is cut once the other writes in flight have settled. */
  private cutPending = false
  /** close() waiting for the writes in flight before it lets go of the descriptor. */
  private onIdle: (() => void) | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly progress: WriteProgress
  private readonly maxDelayMs: number
  private readonly pool: AlignedPool
  private readonly fd: number
  private readonly path: string
  /** Writes allowed in flight: one until free space is known to be ample. */
  private parallel = 1
  private readonly parallelFree: number
  private roomAskedAt = 0
  private askingRoom = false

  /**
   * Opens `path` for direct I/O (truncating it) and writes `head` synchronously, so the
   * file is a valid capture when this returns. Throws when the file system refuses O_DIRECT.
   */
  constructor(
    path: string,
    head: Buffer,
    hooks: WriterHooks,
    opts: WriterOptions = {}
  ) {
    this.maxDelayMs = opts.maxDelayMs ?? FLUSH_DELAY_MS
    this.progress = new WriteProgress(0, hooks, opts.highWater ?? HIGH_WATER, opts.lowWater ?? LOW_WATER)
    this.pool = new AlignedPool(`${path}.direct-probe`)
    this.parallelFree = opts.parallelFreeBytes ?? PARALLEL_FREE_BYTES
    this.path = path
    this.fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DIRECT, 0o644)
    try {
      this.cur = this.pool.take()
      this.copyIn(head, 0, head.length, head.length)
      this.recordEnd = head.length
      const job = this.sealPartial()!
      writeSync(this.fd, job.buf, 0, job.len, job.file)
      this.progress.advance(job.recordEnd)
      this.pool.give(job.buf)
    } catch (err) {
      closeSync(this.fd)
      throw err
    }
    // Once the file exists: asked before, statfs could race the open and find no file.
    this.askRoom()
  }

  get end(): number {
    return this.curFile + this.curLen
  }
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
    const recordEnd = this.end + (end - start) + (payload?.length ?? 0)
    try {
      this.copyIn(buf, start, end, recordEnd)
      if (payload !== undefined && payload.length > 0) this.copyIn(payload, 0, payload.length, recordEnd)
    } catch (err) {
      // A new staging arena probes its alignment by writing a scratch file beside the
      // capture; on a full disk that write fails like any other: recording stops, traffic
      // goes on (it used to throw out of the proxy's data handler and end the process).
      return this.fail(err as NodeJS.ErrnoException)
    }
    this.recordEnd = this.end
    this.progress.checkPressure(this.pending())
    if (this.ready.length > 0) this.writeNext(false)
    // Under a bound smaller than a buffer, the partial one alone can pass it: the producers,
    // asked to pause, send nothing more, so waiting for the timer would only hold them up.
    else if (this.progress.holding) this.writeNext(true)
    else if (this.inFlight.length === 0 && this.timer === undefined) this.timer = setTimeout(this.onTimer, this.maxDelayMs)
  }

  private pending(): number {
    return this.ready.length * BUFFER_SIZE + this.curLen + this.inFlightBytes
  }

  /**
   * Copies src[start, end) in, as part of the record that ends at file offset `recordEnd`. A
   * buffer that fills ends the record being copied (its job makes it written) only when the
   * record ends exactly there: counting the record before it instead left the last record
   * never written when it ended on a buffer's boundary, and close() waited for it forever.
   */
  private copyIn(src: Buffer, start: number, end: number, recordEnd: number): void {
    let off = start
    while (off < end) {
      const n = Math.min(end - off, BUFFER_SIZE - this.curLen)
      src.copy(this.cur, this.curLen, off, off + n)
      this.curLen += n
      off += n
      if (this.curLen === BUFFER_SIZE) {
        const bufferEnd = this.curFile + BUFFER_SIZE
        this.ready.push({ buf: this.cur, len: BUFFER_SIZE, file: this.curFile, recordEnd: recordEnd === bufferEnd ? recordEnd : Math.min(this.recordEnd, bufferEnd), partial: false, done: false })
        this.curFile += BUFFER_SIZE
        this.cur = this.pool.take()
        this.curLen = 0
      }
    }
  }

  /** Turns the partial buffer into a job (zero-padded to a block); its last block carries on. */
  private sealPartial(): Job | undefined {
    if (this.curLen === 0) return undefined
    const buf = this.cur
    const len = roundUp(this.curLen)
    buf.fill(0, this.curLen, len)
    // Sealed between appends: every record appended so far is whole.
    const job: Job = { buf, len, file: this.curFile, recordEnd: this.curFile + this.curLen, partial: true, done: false }
    const whole = this.curLen - (this.curLen % BLOCK)
    this.cur = this.pool.take()
    buf.copy(this.cur, 0, whole, this.curLen)
    this.curLen -= whole
    this.curFile += whole
    return job
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.writeNext(true)
  }

  /**
   * Issues queued full buffers up to `parallel`, and the partial buffer when asked and
   * nothing else is queued. A partial job is written alone, never beside the job that
   * rewrites its last block, so the two can never land out of order.
   */
  private writeNext(includePartial: boolean): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.progress.failure) return
    while (this.inFlight.length < this.parallel && !this.inFlight.some((j) => j.partial)) {
      let job = this.ready.shift()
      if (job === undefined && includePartial && this.inFlight.length === 0 && this.end > this.written) job = this.sealPartial()
      if (job === undefined) return
      this.issue(job)
    }
  }

  private issue(j: Job): void {
    this.inFlight.push(j)
    if (this.inFlightBytes === 0) this.progress.busy(true)
    this.inFlightBytes += j.len
    writeFully(this.fd, j.buf, j.len, j.file, (err) => {
      j.done = true
      if (err) j.error = err
      this.inFlightBytes -= j.len
      if (this.inFlightBytes === 0) this.progress.busy(false)
      // Writes before a failed one still count once they land: what counts as written
      // stops exactly where the first failed write begins.
      while (!this.progress.failure && this.inFlight.length > 0 && this.inFlight[0]!.done) {
        const head = this.inFlight.shift()!
        if (head.error) this.fail(head.error)
        else {
          this.pool.give(head.buf)
          this.progress.advance(head.recordEnd)
        }
      }
      if (this.progress.failure) {
        this.cutWhenSettled()
        if (this.inFlight.every((x) => x.done)) this.onIdle?.()
        return
      }
      if (this.written - this.roomAskedAt >= this.parallelFree / 4) this.askRoom()
      this.progress.checkPressure(this.pending())
      const wanted = this.closed || this.progress.waiting || this.progress.holding
      if (this.ready.length > 0 || (wanted && this.end > this.written)) this.writeNext(wanted)
      else if (this.inFlight.length === 0 && this.end > this.written && this.timer === undefined) this.timer = setTimeout(this.onTimer, this.maxDelayMs)
    })
  }

  /** Asks the file system how much room is left, and allows parallel writes only while there is plenty. */
  private askRoom(): void {
    if (this.askingRoom || this.closed) return
    this.askingRoom = true
    this.roomAskedAt = this.written
    statfs(this.path, (err, st) => {
      this.askingRoom = false
      const free = err ? 0 : Number(st.bavail) * Number(st.bsize)
      this.parallel = free > this.parallelFree ? MAX_IN_FLIGHT : 1
      if (this.parallel > 1 && this.ready.length > 0) this.writeNext(false)
    })
  }

  /**
   * Recording stops now (waiters fail, producers are released, nothing more is counted as
   * written); the file is cut back to what counts as written once no write is in flight,
   * so a write still landing cannot leave bytes past the cut. A write error stops it once
   * the writes before the failed one have landed; an error taking a record, at once.
   */
  private fail(err: NodeJS.ErrnoException): void {
    this.ready.length = 0
    this.curLen = 0
    this.cutPending = true
    this.progress.fail(err)
    this.cutWhenSettled()
  }

  private cutWhenSettled(): void {
    if (!this.cutPending || this.inFlight.some((x) => !x.done)) return
    this.cutPending = false
    this.inFlight.length = 0
    cutFailedTail(this.fd, this.progress.written)
  }

  waitWritten(offset: number): Promise<void> {
    return this.progress.wait(offset, () => this.writeNext(true))
  }

  /** Writes everything, cuts the zero padding off, fsyncs and closes. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return
    const end = this.end
    this.closed = true
    try {
      if (!this.progress.failure) {
        this.writeNext(true)
        await this.waitWritten(end).catch(() => undefined)
      }
      if (this.timer !== undefined) clearTimeout(this.timer)
      if (this.inFlight.some((x) => !x.done)) await new Promise<void>((res) => (this.onIdle = res))
      if (!this.progress.failure) {
        await new Promise<void>((res, rej) => ftruncate(this.fd, end, (e) => (e ? rej(e) : res())))
        await new Promise<void>((res, rej) => fsync(this.fd, (e) => (e ? rej(e) : res())))
      }
    } finally {
      await new Promise<void>((res) => close(this.fd, () => res()))
    }
  }
}
