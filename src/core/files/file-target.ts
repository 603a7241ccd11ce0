// What is at a path tcpscope is about to write, found without opening anything that could
// block the engine's thread: a FIFO opened for reading or writing waits for a peer (it froze
// the engine, which then ignored SIGTERM), so the path is looked at with an async lstat/stat
// first, and a regular file is then opened with O_NONBLOCK and checked to be the same one.

import { constants } from 'node:fs'
import { lstat, open, realpath, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { MAGIC } from '../capture/format/capture-format'
import { fileWriteError } from './file-errors'

/** What a file is and how it looked when checked: a later write must find it unchanged. */
export interface FileIdentity {
  dev: number
  ino: number
  size: number
  mtimeMs: number
}

export type WriteTarget =
  /** Nothing there (yet): the write creates it. */
  | { kind: 'absent'; path: string }
  /** A regular file; `path` is the file itself when the given path is a symbolic link. */
  | { kind: 'file'; path: string; identity: FileIdentity; mode: number; isCapture: boolean }

export const identityOf = (st: Stats): FileIdentity => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs })

export const sameFile = (a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean => a.dev === b.dev && a.ino === b.ino

export const unchanged = (a: FileIdentity, b: FileIdentity): boolean => sameFile(a, b) && a.size === b.size && a.mtimeMs === b.mtimeMs

/** What a path is when it is not a file or a folder, in words. */
export function specialKind(st: Stats): string | undefined {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  return undefined
}

/** `DOING: PATH is a FIFO (named pipe), not a file; give a file path`, one line, before anything is opened. */
export function refuseSpecial(path: string, st: Stats, doing: string, reasons: Record<string, string> = {}): void {
  if (st.isDirectory()) throw fileWriteError(doing, { code: 'EISDIR', message: '' } as NodeJS.ErrnoException, reasons)
  const kind = specialKind(st)
  if (kind !== undefined) throw new UserError(`${doing}: ${path} is ${kind}, not a file; give a file path`, ERROR_CODES.ENOTFILE)
}

/**
 * Looks at `path` for a write. A folder, FIFO, device or socket is refused with one line
 * (`doing` says what was being done); a regular file is opened without blocking to learn
 * whether it is a tcpscope capture.
 */
export async function inspectTarget(path: string, doing: string, reasons: Record<string, string> = {}): Promise<WriteTarget> {
  let st: Stats
  try {
    st = await lstat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent', path }
    throw fileWriteError(doing, err as NodeJS.ErrnoException, reasons)
  }
  let real = path
  if (st.isSymbolicLink()) {
    // Written where the link points, so the link stays and the file it names is the one replaced.
    try {
      st = await stat(path)
      refuseSpecial(path, st, doing, reasons)
      real = await realpath(path)
      st = await stat(real)
    } catch (err) {
      if (err instanceof UserError) throw err
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new UserError(`${doing}: ${path} is a symbolic link to nothing; remove it or give another path`, 'ENOENT')
      throw fileWriteError(doing, err as NodeJS.ErrnoException)
    }
  }
  refuseSpecial(path, st, doing, reasons)
  return { kind: 'file', path: real, identity: identityOf(st), mode: st.mode & 0o7777, isCapture: await startsAsCapture(real, st) }
}

/** Whether the regular file `st` (at `path`) begins with the capture magic; unreadable counts as no. */
async function startsAsCapture(path: string, st: Stats): Promise<boolean> {
  let file
  try {
    // O_NONBLOCK: should the path have become a FIFO since it was looked at, the open does not wait.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    return false
  }
  try {
    const now = await file.stat()
    if (!now.isFile() || !sameFile(now, st)) return false
    const head = Buffer.alloc(MAGIC.length)
    const { bytesRead } = await file.read(head, 0, head.length, 0)
    return bytesRead === head.length && head.equals(MAGIC)
  } catch {
    return false
  } finally {
    await file.close().catch(() => undefined)
  }
}
