// A capture file opened for reading. A file closed normally is read through the index it
// stored at its end (stored-index.ts), so opening costs the same for 10 connections or a
// million. A file without one is walked record by record (capture-scan.ts): one whose
// writer died (it ends in a cut), or one still being written, which reads as live up to
// what its writer has flushed, as the writer's lock tells (capture-lock.ts). It sits above
// the rooms, as LiveCapture's counterpart: an index (query/), the reader (read/) and the
// writer's lock (write/) put together.

import { closeSync, constants, fstatSync, open, readSync, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { promisify } from 'node:util'
import { basename } from 'node:path'
import type { CaptureInfo } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { specialKind } from '../files/file-target'
import { CaptureIndex } from './query/capture-index'
import { probeWriter, type LockNamespace } from './write/capture-lock'
import { CaptureReader } from './read/capture-reader'
import { DirectReads } from './read/direct-reads'
import { scanCapture, type ScanResult } from './read/capture-scan'
import { CaptureQueries, type CaptureView } from './query/capture-queries'
import { FILE_HEADER_SIZE, NotACaptureError, checkFileHeader } from './format/capture-format'
import type { IndexView } from './read/index-view'
import { StoredIndex, readTrailer } from './read/stored-index'
import { DamagedIndexError } from './read/index-blocks'

export interface OpenOptions {
  lockNamespace?: LockNamespace
  /** The id front ends know it by (the engine numbers the captures it opens). */
  id?: string
  /** Stops rebuilding a big file's index (it throws the signal's reason). */
  signal?: AbortSignal
}

interface Opened {
  index: IndexView
  /** How far the file is read: its size, or what a live writer has flushed. */
  size: number
  scan?: ScanResult
  writerPid?: number
  live: boolean
  /** Why the stored index was not used, when the file has one that is damaged. */
  indexProblem?: string
  /** Where the records end: the stored index follows them. */
  recordsEnd?: number
}

const openAsync = promisify(open)

/** A capture is a regular file: anything else is refused by name, never read. */
function refuseToRead(path: string, st: Stats): void {
  if (st.isFile()) return
  throw new UserError(`${path} is ${specialKind(st) ?? 'not a regular file'}, not a capture file`, ERROR_CODES.ENOTFILE)
}

export class FileCapture extends CaptureQueries implements CaptureView {
  protected readonly reader: CaptureReader

  private constructor(
    readonly path: string,
    readonly id: string,
    private readonly fd: number,
    private readonly opened: Opened,
    private readonly direct: DirectReads | undefined
  ) {
    super(opened.index)
    this.reader = new CaptureReader(fd, opened.index, () => Promise.resolve(), direct)
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<FileCapture> {
    // Looked at before it is opened: a FIFO or a device would block the open, or never end.
    const before = await stat(path)
    if (before.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' })
    refuseToRead(path, before)
    const fd = await openAsync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const st = fstatSync(fd)
      if (st.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' })
      refuseToRead(path, st)
      const head = Buffer.alloc(FILE_HEADER_SIZE)
      // Only the bytes really read: a file cut inside its header is no capture.
      checkFileHeader(head.subarray(0, readSync(fd, head, 0, FILE_HEADER_SIZE, 0)), path)
      const opened = await openIndex(fd, st.size, st, opts)
      return new FileCapture(path, opts.id ?? 'file', fd, opened, await DirectReads.open(fd))
    } catch (err) {
      closeSync(fd)
      throw err
    }
  }

  protected recordsEnd(): number {
    return this.opened.recordsEnd ?? this.opened.size
  }

  info(): CaptureInfo {
    const { size, scan, live, writerPid } = this.opened
    return {
      id: this.id,
      name: basename(this.path),
      path: this.path,
      size,
      connections: this.opened.index.size,
      live,
      ...(writerPid !== undefined ? { writerPid } : {}),
      ...(scan?.cutAt !== undefined ? { cutAt: scan.cutAt, cutKind: scan.cutKind } : {}),
      ...(this.opened.indexProblem !== undefined ? { indexProblem: this.opened.indexProblem } : {})
    }
  }

  async close(): Promise<void> {
    this.opened.index.release?.()
    this.direct?.close()
    closeSync(this.fd)
  }
}

async function openIndex(fd: number, fileSize: number, id: { dev: number; ino: number }, opts: OpenOptions): Promise<Opened> {
  const writer = await probeWriter(id, opts.lockNamespace)
  if (writer !== undefined) {
    // Being written: read what the writer has flushed; the rest is on its way, not cut.
    const size = Math.min(fileSize, writer.written ?? fileSize)
    const index = new CaptureIndex()
    const scan = await scanCapture(fd, size, index, opts.signal)
    const cut = scan.cutKind === 'damaged' ? scan : { end: scan.end }
    return { index, size, scan: cut, live: true, writerPid: writer.pid }
  }
  let indexProblem: string | undefined
  const trailer = await readTrailer(fd, fileSize, FILE_HEADER_SIZE)
  if (trailer !== undefined) {
    try {
      return { index: await StoredIndex.open(fd, trailer), size: fileSize, live: false, recordsEnd: trailer.firstPart }
    } catch (err) {
      if (!(err instanceof DamagedIndexError)) throw err
      indexProblem = `${err.message}; the index was rebuilt from the records`
    }
  }
  const index = new CaptureIndex()
  const scan = await scanCapture(fd, fileSize, index, opts.signal)
  // A connection with no close record was still open when the file stopped.
  index.cutOpen()
  return { index, size: fileSize, scan, live: false, ...(indexProblem !== undefined ? { indexProblem } : {}) }
}

export { NotACaptureError }
