// Capture files uploaded by a front end that cannot name a path on the engine's host (a
// browser in web mode). Each upload is written in order into a folder of the engine's own,
// then handed back to be opened like any capture file; its file goes when its capture
// closes, and the folder when the engine closes. What can be refused is refused before the
// bytes are stored: the size against the limit and the free space at the start, the
// capture header as soon as its bytes are in (a 2 GiB video is turned away after 8 MiB, not
// 2 GiB), and the free space counts what the other uploads under way will still write.

import { mkdtempSync } from 'node:fs'
import { mkdir, open, rm, statfs, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { formatBytes } from '../../shared/human-readable'
import { TRANSFER_IDLE_MS } from '../../shared/limits'
import { FILE_HEADER_SIZE, checkFileHeader } from '../capture/format/capture-format'
import { fileWriteError } from './file-errors'

export interface UploadOptions {
  /** The largest upload taken, in bytes; 0 turns uploads off. */
  maxBytes?: number
  /** Where the uploads folder is made (default: the system's temporary folder). */
  parentDir?: string
  /** An upload that gets no chunk for this long is dropped with its bytes. */
  idleMs?: number
}

/** Captures are often large; beyond this, copy the file to the engine's host and open it by path. */
export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3
/** Unfinished uploads at once: each holds a file open and may fill the disk. */
const MAX_PENDING = 4

interface Pending {
  id: string
  name: string
  size: number
  dir: string
  path: string
  file: FileHandle
  /** Bytes accepted so far (written, or being written). */
  received: number
  /** The first bytes, kept until the file header can be checked (set to undefined once it is). */
  head: Buffer | undefined
  /** Every accepted write, chained: finishing waits for them all. */
  writes: Promise<void>
  idle: NodeJS.Timeout
}

/** An upload stored whole, ready to open. */
export interface StoredUpload {
  path: string
  /** The name the front end gave, as the engine keeps it. */
  name: string
}

/** The last part of a name from any system, with nothing that could climb out of its folder. */
export function uploadFileName(name: string): string {
  const last = name.split(/[/\\]/).pop() ?? ''
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(-200)
  return clean === '' || clean === '.' || clean === '..' ? 'upload.tcap' : clean
}

export class Uploads {
  private readonly pending = new Map<string, Pending>()
  /** Stored uploads by path, with the folder each lives in. */
  private readonly stored = new Map<string, string>()
  private root: string | undefined
  private nextId = 1
  readonly maxBytes: number
  private readonly idleMs: number

  constructor(private readonly opts: UploadOptions = {}) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES
    this.idleMs = opts.idleMs ?? TRANSFER_IDLE_MS
  }

  private folder(): string {
    this.root ??= mkdtempSync(join(this.opts.parentDir ?? tmpdir(), `tcpscope-uploads-${process.pid}-`))
    return this.root
  }

  async begin(rawName: string, size: number): Promise<{ upload: string }> {
    const name = uploadFileName(rawName)
    if (this.maxBytes === 0) throw new UserError(`cannot take ${name}: uploads are turned off here`, ERROR_CODES.EFORBIDDEN)
    if (size > this.maxBytes) {
      throw new UserError(`${name} is ${formatBytes(size)}; uploads here take at most ${formatBytes(this.maxBytes)} (open a bigger file by its path on the engine's host)`, 'EFBIG')
    }
    if (this.pending.size >= MAX_PENDING) throw new UserError(`${MAX_PENDING} uploads are already under way; finish or cancel one first`, ERROR_CODES.ESTATE)
    const id = `u${this.nextId++}`
    const dir = join(this.folder(), id)
    const path = join(dir, name)
    let file: FileHandle
    try {
      const fs = await statfs(this.folder())
      // What uploads under way will still write is spoken for already.
      const free = Math.max(0, fs.bavail * fs.bsize - this.reserved())
      if (size > free) throw new UserError(`no room for ${name} (${formatBytes(size)}) in ${this.folder()}: ${formatBytes(free)} free`, 'ENOSPC')
      await mkdir(dir)
      file = await open(path, 'wx', 0o600)
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      if (err instanceof UserError) throw err
      throw fileWriteError(`cannot store the upload ${name}`, err as NodeJS.ErrnoException)
    }
    const p: Pending = { id, name, size, dir, path, file, received: 0, head: Buffer.alloc(0), writes: Promise.resolve(), idle: this.idleTimer(id) }
    this.pending.set(id, p)
    return { upload: id }
  }

  /** Whether `path` is an upload this engine stored (a file a front end sent, not one of the host's). */
  holds(path: string): boolean {
    return this.stored.has(path)
  }

  /** Bytes the unfinished uploads have announced but not yet sent. */
  private reserved(): number {
    let n = 0
    for (const p of this.pending.values()) n += p.size - p.received
    return n
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => void this.drop(id), this.idleMs)
    timer.unref()
    return timer
  }

  private get(id: string): Pending {
    const p = this.pending.get(id)
    if (!p) throw new UserError(`no upload "${id}" under way (it finished, was cancelled, or waited too long for its next chunk)`, ERROR_CODES.ESTATE)
    return p
  }

  async chunk(id: string, offset: number, data: Uint8Array): Promise<{ received: number }> {
    const p = this.get(id)
    if (offset !== p.received) throw new UserError(`${p.name}: a chunk at byte ${offset}, but the upload has ${p.received} bytes; send them in order`)
    if (p.received + data.length > p.size) {
      await this.drop(id)
      throw new UserError(`${p.name}: more bytes than the ${p.size} announced; the upload was dropped`)
    }
    // The header is checked as soon as it is all here, however small the chunks that bring it.
    if (p.head !== undefined) {
      const head = Buffer.concat([p.head, Buffer.from(data.buffer, data.byteOffset, Math.min(data.length, FILE_HEADER_SIZE - p.head.length))])
      p.head = head
      if (head.length >= FILE_HEADER_SIZE || offset + data.length === p.size) {
        p.head = undefined
        try {
          checkFileHeader(head, p.name)
        } catch (err) {
          await this.drop(id)
          throw err
        }
      }
    }
    p.received += data.length
    clearTimeout(p.idle)
    p.idle = this.idleTimer(id)
    const write = p.writes.then(async () => {
      await p.file.write(data, 0, data.length, offset)
    })
    // A later write waits for this one; a failure ends the upload once, below.
    p.writes = write.catch(() => undefined)
    try {
      await write
    } catch (err) {
      await this.drop(id)
      throw fileWriteError(`cannot store the upload ${p.name}`, err as NodeJS.ErrnoException)
    }
    return { received: p.received }
  }

  /** The upload is whole: closes its file and hands it over to be opened. */
  async finish(id: string): Promise<StoredUpload> {
    const p = this.get(id)
    if (p.received !== p.size) throw new UserError(`${p.name}: ${p.received} of ${p.size} bytes came; send the rest, or cancel the upload`)
    this.pending.delete(id)
    clearTimeout(p.idle)
    await p.writes
    await p.file.close()
    this.stored.set(p.path, p.dir)
    return { path: p.path, name: p.name }
  }

  /** Drops an unfinished upload; one already gone is no error (it may have timed out). */
  async cancel(id: string): Promise<void> {
    await this.drop(id)
  }

  private async drop(id: string): Promise<void> {
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    clearTimeout(p.idle)
    await p.writes
    await p.file.close().catch(() => undefined)
    await rm(p.dir, { recursive: true, force: true })
  }

  /** Removes a stored upload (its capture closed, or it failed to open); other paths are left alone. */
  async discard(path: string): Promise<void> {
    const dir = this.stored.get(path)
    if (dir === undefined) return
    this.stored.delete(path)
    await rm(dir, { recursive: true, force: true })
  }

  /** Unfinished uploads, for tests and the log. */
  get underWay(): number {
    return this.pending.size
  }

  /** Drops every upload and the folder. */
  async close(): Promise<void> {
    await Promise.all([...this.pending.keys()].map((id) => this.drop(id)))
    this.stored.clear()
    if (this.root !== undefined) await rm(this.root, { recursive: true, force: true })
    this.root = undefined
  }
}
