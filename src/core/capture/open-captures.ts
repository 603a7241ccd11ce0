// Captures as documents: the engine's live capture and any number of capture files opened
// read-only beside it, each known by an id that every read command names.

import { fstatSync, openSync, closeSync } from 'node:fs'
import { LIVE_CAPTURE, type CaptureInfo, type SavedCapture } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { LiveCapture } from './live-capture'
import type { CaptureView } from './capture-queries'
import { FileCapture } from './file-capture'
import { NotACaptureError } from './capture-format'

/** How an opened file is told from another: its device and inode. */
function identity(path: string): string | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    const st = fstatSync(fd)
    return `${st.dev}:${st.ino}`
  } finally {
    closeSync(fd)
  }
}

function openError(path: string, err: unknown): UserError {
  if (err instanceof UserError) return err
  const e = err as NodeJS.ErrnoException
  const why: Record<string, string> = {
    ENOENT: `no such file: ${path}`,
    EISDIR: `${path} is a folder, not a capture file`,
    EACCES: `cannot read ${path}: permission denied`,
    EPERM: `cannot read ${path}: permission denied`
  }
  const message = why[e.code ?? '']
  if (message) return new UserError(message, e.code)
  throw err
}

export class Captures {
  private readonly files = new Map<string, { capture: FileCapture; identity: string | undefined }>()
  private nextId = 1

  constructor(
    readonly live: LiveCapture,
    /** The set of captures, or the live capture's saved state, changed. */
    private readonly changed: () => void
  ) {}

  get(id: string): CaptureView {
    if (id === LIVE_CAPTURE) return this.live
    const f = this.files.get(id)
    if (!f) throw new UserError(`no open capture "${id}"; list them with capture.list`, ERROR_CODES.ENOCAPTURE)
    return f.capture
  }

  list(): CaptureInfo[] {
    return [this.live.info(), ...[...this.files.values()].map((f) => f.capture.info())]
  }

  /** Opens a capture file read-only; opening one already open (or the live one) gives that one. */
  async open(path: string, signal?: AbortSignal): Promise<CaptureInfo> {
    const id = identity(path)
    if (id !== undefined && id === identity(this.live.path)) return this.live.info()
    for (const f of this.files.values()) if (id !== undefined && f.identity === id) return f.capture.info()
    const cancelled = (): UserError => new UserError(`opening ${path} was cancelled`, ERROR_CODES.ECANCELED)
    let capture: FileCapture
    try {
      capture = await FileCapture.open(path, { id: `f${this.nextId++}`, signal })
    } catch (err) {
      if (signal?.aborted) throw cancelled()
      if (err instanceof NotACaptureError) throw err
      throw openError(path, err)
    }
    if (signal?.aborted) {
      await capture.close()
      throw cancelled()
    }
    this.files.set(capture.id, { capture, identity: id })
    this.changed()
    return capture.info()
  }

  async close(id: string): Promise<void> {
    if (id === LIVE_CAPTURE) throw new UserError('the live capture closes with the engine; close opened files only', ERROR_CODES.ESTATE)
    const f = this.files.get(id)
    if (!f) throw new UserError(`no open capture "${id}"`, ERROR_CODES.ENOCAPTURE)
    this.files.delete(id)
    await f.capture.close()
    this.changed()
  }

  async save(path: string, overwrite: boolean, signal?: AbortSignal): Promise<SavedCapture> {
    const saved = await this.live.saveCopy(path, overwrite, signal)
    this.changed()
    return saved
  }

  async closeAll(): Promise<void> {
    const all = [...this.files.values()]
    this.files.clear()
    await Promise.all(all.map((f) => f.capture.close()))
  }
}
