// Copies of the live capture taken by a front end that cannot name a path on the engine's
// host (a browser in web mode): begin fixes a consistent copy of that instant, the front
// end reads it in pieces (as conn.read reads a stream), and end lets it go. The engine holds
// only each copy's stored index; the recorded bytes are read from the capture file as asked.

import { ERROR_CODES, UserError } from '../shared/errors'
import type { DownloadStart } from '../shared/contract'
import type { CaptureSnapshot } from './capture/capture-snapshot'

/** Downloads at once: each holds its stored index in memory. */
const MAX_DOWNLOADS = 4
/** A page that went away mid-download reads nothing more; its copy should not stay. */
const DEFAULT_IDLE_MS = 60_000

interface Download {
  snapshot: CaptureSnapshot
  /** Bytes read from the start without a gap: the whole copy reached the page when this is its size. */
  contiguous: number
  idle: NodeJS.Timeout
}

export class Downloads {
  private readonly open = new Map<string, Download>()
  private nextId = 1

  constructor(private readonly idleMs = DEFAULT_IDLE_MS) {}

  begin(snapshot: CaptureSnapshot): DownloadStart {
    if (this.open.size >= MAX_DOWNLOADS) throw new UserError(`${MAX_DOWNLOADS} downloads are already under way; finish or cancel one first`, ERROR_CODES.ESTATE)
    const id = `d${this.nextId++}`
    this.open.set(id, { snapshot, contiguous: 0, idle: this.idleTimer(id) })
    return { download: id, name: snapshot.name, size: snapshot.size, connections: snapshot.connections }
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.open.delete(id), this.idleMs)
    timer.unref()
    return timer
  }

  private get(id: string): Download {
    const d = this.open.get(id)
    if (!d) throw new UserError(`no download "${id}" under way (it finished, or waited too long for its next read)`, ERROR_CODES.ESTATE)
    return d
  }

  async read(id: string, offset: number, length: number): Promise<Uint8Array> {
    const d = this.get(id)
    if (offset > d.snapshot.size) throw new UserError(`the copy has ${d.snapshot.size} bytes; nothing at byte ${offset}`)
    clearTimeout(d.idle)
    d.idle = this.idleTimer(id)
    const bytes = await d.snapshot.read(offset, length)
    if (offset <= d.contiguous) d.contiguous = Math.max(d.contiguous, offset + bytes.length)
    return bytes
  }

  /** Lets the copy go; returns it when every byte of it was read (the page has the whole file). */
  end(id: string): CaptureSnapshot | undefined {
    const d = this.open.get(id)
    if (!d) return undefined
    this.open.delete(id)
    clearTimeout(d.idle)
    return d.contiguous >= d.snapshot.size ? d.snapshot : undefined
  }

  close(): void {
    for (const d of this.open.values()) clearTimeout(d.idle)
    this.open.clear()
  }
}
