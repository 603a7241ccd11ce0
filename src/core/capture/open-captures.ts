// Captures as documents: the engine's live capture and any number of capture files opened
// read-only beside it, each known by an id that every read command names.

import { stat } from 'node:fs/promises'
import { LIVE_CAPTURE, type CaptureInfo, type SavedCapture } from '../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../shared/errors'
import type { LiveCapture } from './write/live-capture'
import type { CaptureView } from './query/capture-queries'
import { FileCapture } from './file-capture'
import { checkCaptureTarget, refuseLocked } from './write/capture-target'
import { NotACaptureError } from './format/capture-format'
import { SaveFolder } from '../files/save-folder'
import { inspectTarget } from '../files/file-target'
import { OverwriteConfirmations } from '../files/overwrite-confirmations'
import { formatBytes } from '../../shared/human-readable'

/** How an opened file is told from another: its device and inode (a stat, which never blocks on a FIFO). */
async function identity(path: string): Promise<string | undefined> {
  const st = await stat(path).catch(() => undefined)
  return st === undefined ? undefined : `${st.dev}:${st.ino}`
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

/**
 * Opens a capture file read-only, any failure to as one clear line (a missing file, a folder,
 * no permission, not a capture); `tcpscope ls` reads one this way without an engine.
 */
export async function openCaptureFile(path: string, opts: { id: string; signal?: AbortSignal }): Promise<FileCapture> {
  try {
    return await FileCapture.open(path, opts)
  } catch (err) {
    if (err instanceof NotACaptureError) throw err
    throw openError(path, err)
  }
}

export class Captures {
  private readonly files = new Map<string, { capture: FileCapture; identity: string | undefined }>()
  private nextId = 1
  /** LiveCapture.changes when a save or download last copied all of it; -1: never. */
  private savedChanges = -1
  private savedTo: string | undefined
  private readonly confirmations = new OverwriteConfirmations()

  constructor(
    readonly live: LiveCapture,
    /** The set of captures, or the live capture's saved state, changed. */
    private readonly changed: () => void,
    readonly folder = new SaveFolder()
  ) {}

  /** The live capture's info, with what a front end asks before it closes: is it saved, and where do saves go. */
  private liveInfo(): CaptureInfo {
    const info = this.live.info()
    return {
      ...info,
      unsaved: info.connections > 0 && this.live.changes !== this.savedChanges,
      ...(this.savedTo !== undefined ? { savedTo: this.savedTo } : {}),
      saveFolder: this.folder.current
    }
  }

  info(id: string): CaptureInfo {
    return id === LIVE_CAPTURE ? this.liveInfo() : this.get(id).info()
  }

  /** A copy taken when the live capture had `changes` reached the user whole: saved at `path`, or downloaded (no path). */
  markSaved(changes: number, path?: string): void {
    this.savedChanges = changes
    this.savedTo = path
    this.changed()
  }

  get(id: string): CaptureView {
    if (id === LIVE_CAPTURE) return this.live
    const f = this.files.get(id)
    if (!f) throw new UserError(`no open capture "${id}"; list them with capture.list`, ERROR_CODES.ENOCAPTURE)
    return f.capture
  }

  list(): CaptureInfo[] {
    return [this.liveInfo(), ...[...this.files.values()].map((f) => f.capture.info())]
  }

  /** Opens a capture file read-only; opening one already open (or the live one) gives that one. */
  async open(path: string, signal?: AbortSignal): Promise<CaptureInfo> {
    path = this.folder.resolve(path)
    const id = await identity(path)
    if (id !== undefined && id === `${this.live.identity.dev}:${this.live.identity.ino}`) return this.liveInfo()
    for (const f of this.files.values()) if (id !== undefined && f.identity === id) return f.capture.info()
    const cancelled = (): UserError => new UserError(`opening ${path} was cancelled`, ERROR_CODES.ECANCELED)
    let capture: FileCapture
    try {
      capture = await openCaptureFile(path, { id: `f${this.nextId++}`, signal })
    } catch (err) {
      if (signal?.aborted) throw cancelled()
      throw err
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

  /**
   * Saves a copy of the live capture at `path`. An existing capture there is replaced only
   * with the token of a confirmation: without one (or with a stale one) the save fails with
   * EEXIST and a fresh token for the front end to send back once the user has said yes.
   */
  async save(path: string, confirm: string | undefined, signal?: AbortSignal): Promise<SavedCapture> {
    path = this.folder.resolve(path)
    const doing = `cannot save to ${path}`
    const target = await inspectTarget(path, doing)
    const source = { ...this.live.identity, path: this.live.path }
    await checkCaptureTarget(target, { doing, source })
    if (target.kind === 'file' && !this.confirmations.take(confirm, target.path, target.identity)) {
      const token = this.confirmations.issue(target.path, target.identity)
      throw new UserError(`${path} already exists (a tcpscope capture, ${formatBytes(target.identity.size)}); replace it?`, ERROR_CODES.EEXIST, token)
    }
    // saveCopy takes its copy before its first await: the count now is the copy's.
    const changes = this.live.changes
    // Another tcpscope may have started recording it while the copy was written.
    const saved = await this.live.saveCopy(path, target, { signal, beforeCommit: () => refuseLocked(target) })
    this.folder.remember(saved.path)
    this.markSaved(changes, saved.path)
    return saved
  }

  async closeAll(): Promise<void> {
    const all = [...this.files.values()]
    this.files.clear()
    await Promise.all(all.map((f) => f.capture.close()))
  }
}
