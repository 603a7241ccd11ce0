// Files the engine made for a front end that cannot name a path on the engine's host (a
// browser in web mode): a consistent copy of the live capture, or an export kept in a
// temporary file. The front end reads one in pieces (as conn.read reads a stream) and end
// lets it go; a file nobody reads for a while goes too, so a page that went away leaves
// nothing behind. The engine holds only what each file needs to be read (a copy's stored
// index, an export's open temporary file); the bytes are read from disk as asked.

import { ERROR_CODES, UserError } from '../../shared/errors'
import { TRANSFER_IDLE_MS } from '../../shared/limits'
import type { DownloadStart } from '../../shared/contract'

/** Anything a front end can download: read in pieces, then released. */
export interface DownloadFile {
  name: string
  size: number
  /** Bytes [offset, offset + length), fewer at its end. */
  read(offset: number, length: number): Promise<Uint8Array>
  /** Frees what the file holds (a temporary file is removed); called once, when it goes. */
  release?(): Promise<void>
}

/**
 * A copy of the live capture offered whole (capture/read/capture-snapshot.ts makes one),
 * described here so that downloads know nothing of the capture store, which registers them.
 */
export interface CaptureSnapshot extends DownloadFile {
  connections: number
  /** LiveCapture.changes at that instant. */
  changes: number
}

/** Downloads at once: each holds its stored index or an open file. */
const MAX_DOWNLOADS = 4

interface Download {
  file: DownloadFile
  /** Set for a copy of the live capture: a whole read of it counts as saved. */
  snapshot?: CaptureSnapshot
  /** Bytes read from the start without a gap: the whole file reached the page when this is its size. */
  contiguous: number
  idle: NodeJS.Timeout
}

export class Downloads {
  private readonly open = new Map<string, Download>()
  private nextId = 1

  constructor(private readonly idleMs = TRANSFER_IDLE_MS) {}

  /** A copy of the live capture, to be read whole. */
  begin(snapshot: CaptureSnapshot): DownloadStart {
    const id = this.add(snapshot, snapshot)
    return { download: id, name: snapshot.name, size: snapshot.size, connections: snapshot.connections }
  }

  /** Any other file the engine made (an export); it is released when the download ends or idles. */
  keep(file: DownloadFile): string {
    return this.add(file, undefined)
  }

  private add(file: DownloadFile, snapshot: CaptureSnapshot | undefined): string {
    if (this.open.size >= MAX_DOWNLOADS) throw new UserError(`${MAX_DOWNLOADS} downloads are already under way; finish or cancel one first`, ERROR_CODES.ESTATE)
    const id = `d${this.nextId++}`
    this.open.set(id, { file, snapshot, contiguous: 0, idle: this.idleTimer(id) })
    return id
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.drop(id), this.idleMs)
    timer.unref()
    return timer
  }

  private drop(id: string): Download | undefined {
    const d = this.open.get(id)
    if (!d) return undefined
    this.open.delete(id)
    clearTimeout(d.idle)
    // Releasing is tidying up (a temporary file removed); nobody waits on it or can act on its failure.
    d.file.release?.().catch(() => undefined)
    return d
  }

  private get(id: string): Download {
    const d = this.open.get(id)
    if (!d) throw new UserError(`no download "${id}" under way (it finished, or waited too long for its next read)`, ERROR_CODES.ESTATE)
    return d
  }

  async read(id: string, offset: number, length: number): Promise<Uint8Array> {
    const d = this.get(id)
    if (offset > d.file.size) throw new UserError(`the file has ${d.file.size} bytes; nothing at byte ${offset}`)
    clearTimeout(d.idle)
    d.idle = this.idleTimer(id)
    const bytes = await d.file.read(offset, length)
    if (offset <= d.contiguous) d.contiguous = Math.max(d.contiguous, offset + bytes.length)
    return bytes
  }

  /** Lets the file go; returns the capture copy when every byte of it was read (the page has the whole capture). */
  end(id: string): CaptureSnapshot | undefined {
    const d = this.drop(id)
    if (d?.snapshot === undefined) return undefined
    return d.contiguous >= d.file.size ? d.snapshot : undefined
  }

  close(): void {
    for (const id of [...this.open.keys()]) this.drop(id)
  }
}
