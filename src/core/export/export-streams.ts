// Exports read as they are made (capture.export.begin, read, end): to standard output (the
// CLI) or to a front end's own file, with nothing written on the engine's host. An export
// runs ahead of its reader by at most AHEAD_BYTES and then waits for a read, so a slow
// reader (a pipe into `less`, a page on a slow link) slows the export instead of filling
// memory. A stream nobody reads for a while ends, as a download does.

import type { CommandArgs } from '../../shared/contract'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { OperationProgress } from '../../shared/events'
import type { ExportStreamStart } from '../../shared/export-args'
import { TRANSFER_IDLE_MS } from '../../shared/limits'
import type { CaptureView } from '../capture/query/capture-queries'
import type { Decoding } from '../decode/decoding'
import { planExport } from './export-plan'
import { ExportProgress } from './export-progress'
import { BatchedSink, type ExportSink } from './export-sink'

/** Streams at once: each holds up to AHEAD_BYTES and an export under way. */
const MAX_STREAMS = 4
/** What an export may make before it waits for its reader: a few of BatchedSink's writes. */
const AHEAD_BYTES = 4 * 1024 * 1024

const cancelled = (): UserError => new UserError('the export was cancelled', ERROR_CODES.ECANCELED)

/** One export between its writer (the plan) and its reader, holding what the reader has not taken. */
export class ExportStream {
  private pieces: Uint8Array[] = []
  private held = 0
  private finished = false
  private failure: unknown
  private wakeReader: (() => void) | undefined
  private wakeWriter: (() => void) | undefined
  /** Reads in the order they came, each taking the bytes after the one before. */
  private reads: Promise<unknown> = Promise.resolve()
  /** Aborted when the stream ends: the export stops at its next piece. */
  readonly stop = new AbortController()

  /** Where the export writes: each write is taken, then waits while the reader is AHEAD_BYTES behind. */
  readonly sink: ExportSink = {
    write: async (bytes) => {
      if (this.stop.signal.aborted) throw cancelled()
      this.pieces.push(bytes)
      this.held += bytes.length
      this.wake('reader')
      while (this.held >= AHEAD_BYTES && !this.stop.signal.aborted) await new Promise<void>((resolve) => (this.wakeWriter = resolve))
      if (this.stop.signal.aborted) throw cancelled()
    }
  }

  constructor(work: (sink: ExportSink, signal: AbortSignal) => Promise<void>) {
    void work(this.sink, this.stop.signal).then(
      () => {
        this.finished = true
        this.wake('reader')
      },
      (err: unknown) => {
        this.failure = err
        this.wake('reader')
      }
    )
  }

  private wake(who: 'reader' | 'writer'): void {
    const wake = who === 'reader' ? this.wakeReader : this.wakeWriter
    if (who === 'reader') this.wakeReader = undefined
    else this.wakeWriter = undefined
    wake?.()
  }

  /** The next bytes, at most `length`, once there are some; none at the end. A failed export throws its error. */
  read(length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const read = this.reads.then(() => this.take(length, signal))
    this.reads = read.catch(() => undefined)
    return read
  }

  private async take(length: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    while (this.held === 0 && !this.finished && this.failure === undefined) {
      if (signal?.aborted) throw cancelled()
      let onAbort: (() => void) | undefined
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve
        onAbort = resolve
        signal?.addEventListener('abort', onAbort, { once: true })
      })
      if (onAbort) signal?.removeEventListener('abort', onAbort)
    }
    if (this.failure !== undefined) throw this.failure
    if (this.held === 0) return new Uint8Array(0)
    const taken: Uint8Array[] = []
    let size = 0
    while (size < length && this.pieces.length > 0) {
      const piece = this.pieces[0]
      const n = Math.min(piece.length, length - size)
      taken.push(n === piece.length ? piece : piece.subarray(0, n))
      if (n === piece.length) this.pieces.shift()
      else this.pieces[0] = piece.subarray(n)
      size += n
    }
    this.held -= size
    this.wake('writer')
    return taken.length === 1 ? taken[0] : Buffer.concat(taken, size)
  }

  end(): void {
    this.stop.abort()
    this.pieces = []
    this.held = 0
    this.wake('writer')
  }
}

export interface ExportStreamDeps {
  decoding: Decoding
  progress: (p: OperationProgress) => void
}

export class ExportStreams {
  private readonly open = new Map<string, { stream: ExportStream; readonly idle: NodeJS.Timeout }>()
  private next = 1

  constructor(
    private readonly deps: ExportStreamDeps,
    private readonly idleMs = TRANSFER_IDLE_MS
  ) {}

  /** Plans the export (what it names must exist) and starts it; it waits for its first read once AHEAD_BYTES are made. */
  async begin(view: CaptureView, args: CommandArgs<'capture.export.begin'>, signal?: AbortSignal): Promise<ExportStreamStart> {
    if (this.open.size >= MAX_STREAMS) throw new UserError(`${MAX_STREAMS} exports are already being read; finish or cancel one first`, ERROR_CODES.ESTATE)
    const plan = await planExport(view, this.deps.decoding, args)
    if (signal?.aborted) throw cancelled()
    const operation = args.progress
    const report = operation === undefined ? undefined : (p: Omit<OperationProgress, 'operation'>): void => this.deps.progress({ operation, ...p })
    const id = `e${this.next++}`
    const stream = new ExportStream(async (sink, stop) => {
      const progress = new ExportProgress(plan.of, report, stop)
      const batched = new BatchedSink(sink)
      await plan.write(batched, progress)
      await batched.flush()
      progress.finish()
    })
    this.open.set(id, { stream, idle: this.idleTimer(id) })
    return { stream: id, name: plan.name }
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.end(id), this.idleMs)
    timer.unref()
    return timer
  }

  read(id: string, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const s = this.open.get(id)
    if (!s) return Promise.reject(new UserError(`no export "${id}" is being read (it ended, or waited too long for its next read)`, ERROR_CODES.ESTATE))
    s.idle.refresh()
    return s.stream.read(length, signal)
  }

  /** Stops the export if it is still going, and lets it go. */
  end(id: string): void {
    const s = this.open.get(id)
    if (!s) return
    this.open.delete(id)
    clearTimeout(s.idle)
    s.stream.end()
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.end(id)
  }
}
