// Writing a copy of a capture that is still being recorded: its first `end` bytes (whole
// records, already on disk) and then a stored index for exactly those, so the copy is a
// complete, closed capture of that moment. Never over the source, never over an existing
// file unless told to.

import { close, fstatSync, fsync, open, constants, statSync, unlinkSync, write } from 'node:fs'
import { promisify } from 'node:util'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { fileWriteError } from '../file-errors'
import { pread } from './capture-reader'

const STEP = 4 * 1024 * 1024
const openAsync = promisify(open)
const writeAsync = promisify(write)
const closeAsync = promisify(close)
const fsyncAsync = promisify(fsync)

async function writeAll(fd: number, b: Buffer, at: number): Promise<void> {
  for (let done = 0; done < b.length; ) done += (await writeAsync(fd, b, done, b.length - done, at + done)).bytesWritten
}

const saveError = (path: string, err: NodeJS.ErrnoException): UserError => fileWriteError(`cannot save to ${path}`, err)

export async function copyCapture(
  sourceFd: number,
  sourcePath: string,
  end: number,
  footer: Buffer[],
  path: string,
  overwrite: boolean,
  signal?: AbortSignal
): Promise<number> {
  const source = fstatSync(sourceFd)
  try {
    const target = statSync(path)
    if (target.dev === source.dev && target.ino === source.ino) {
      throw new UserError(`cannot save to ${path}: that is the live capture itself (${sourcePath}); pick another file`, ERROR_CODES.EEXIST)
    }
  } catch (err) {
    if (err instanceof UserError) throw err
  }
  let fd: number
  try {
    fd = await openAsync(path, overwrite ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644)
  } catch (err) {
    throw saveError(path, err as NodeJS.ErrnoException)
  }
  let ok = false
  try {
    for (let at = 0; at < end; at += STEP) {
      if (signal?.aborted) throw new UserError('saving was cancelled', ERROR_CODES.ECANCELED)
      const chunk = await pread(sourceFd, Math.min(STEP, end - at), at)
      await writeAll(fd, chunk, at)
    }
    let at = end
    for (const r of footer) {
      await writeAll(fd, r, at)
      at += r.length
    }
    await fsyncAsync(fd)
    ok = true
    return at
  } catch (err) {
    if (err instanceof UserError) throw err
    throw saveError(path, err as NodeJS.ErrnoException)
  } finally {
    await closeAsync(fd)
    if (!ok) unlinkSync(path)
  }
}
