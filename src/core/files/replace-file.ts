// Writing a file so that a failure never costs what was there: the bytes go to a temporary
// sibling (same folder, so the rename stays on one file system), which is fsynced and then
// renamed over the target, or linked into place when there was none (a link never replaces
// a file that appeared meanwhile). On any failure only the temporary file is removed.

import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { link, lstat, open, rename, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { fileWriteError } from './file-errors'
import { identityOf, unchanged, type WriteTarget } from './file-target'

export interface ReplaceOptions {
  /** What is being done, for errors: `cannot save to PATH`. */
  doing: string
  /** The mode a new file is created with (less the umask; default 0600). A replaced file keeps its own. */
  mode?: number
  /** Runs just before the file is put in place: a last check (a writer's lock) may refuse. */
  beforeCommit?: () => Promise<void>
}

/** Where the bytes go until they are whole: hidden, unique, beside the target. */
export const temporarySibling = (path: string): string =>
  join(dirname(path), `.${basename(path)}.tcpscope-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)

const changedError = (path: string, doing: string): UserError =>
  new UserError(`${doing}: ${path} changed while it was written; nothing was replaced, try again`, ERROR_CODES.EEXIST)

/**
 * Writes `target` through `write` (given the temporary file, opened for writing)
 * and returns what `write` returned. `target` is what inspectTarget found: a file that has
 * changed since, or one that appeared where there was none, is left alone and refused.
 */
export async function writeReplacing<T>(target: WriteTarget, opts: ReplaceOptions, write: (file: FileHandle) => Promise<T>): Promise<T> {
  const tmp = temporarySibling(target.path)
  let file: FileHandle
  try {
    // Private until it is whole; a replacement then takes the mode of the file it replaces.
    file = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, target.kind === 'file' ? 0o600 : (opts.mode ?? 0o600))
  } catch (err) {
    throw asUserError(err, opts.doing)
  }
  let placed = false
  try {
    let result: T
    try {
      result = await write(file)
      if (target.kind === 'file') await file.chmod(target.mode)
      await file.sync()
    } finally {
      await file.close()
    }
    await opts.beforeCommit?.()
    await commit(tmp, target, opts.doing)
    placed = true
    await syncFolder(dirname(target.path))
    return result
  } catch (err) {
    throw asUserError(err, opts.doing)
  } finally {
    if (!placed) await unlink(tmp).catch(() => undefined)
  }
}

async function commit(tmp: string, target: WriteTarget, doing: string): Promise<void> {
  if (target.kind === 'file') {
    const now = await lstat(target.path).catch(() => undefined)
    if (now === undefined || !now.isFile() || !unchanged(identityOf(now), target.identity)) throw changedError(target.path, doing)
    await rename(tmp, target.path)
    return
  }
  try {
    await link(tmp, target.path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw changedError(target.path, doing)
    // A file system without hard links: rename, once nothing is there.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err
    if (await lstat(target.path).then(() => true, () => false)) throw changedError(target.path, doing)
    await rename(tmp, target.path)
    return
  }
  await unlink(tmp).catch(() => undefined)
}

/** The rename itself is durable only once the folder is synced; not every system allows it. */
async function syncFolder(dir: string): Promise<void> {
  const d = await open(dir, constants.O_RDONLY).catch(() => undefined)
  if (d === undefined) return
  await d.sync().catch(() => undefined)
  await d.close().catch(() => undefined)
}

function asUserError(err: unknown, doing: string): unknown {
  if (err instanceof UserError) return err
  const e = err as NodeJS.ErrnoException
  return typeof e?.code === 'string' ? fileWriteError(doing, e) : err
}
