// Reading a small file (a PEM certificate or key, a setup) without ever blocking the engine's thread
// or reading without bound: a FIFO or device is refused before it is read, the open does
// not wait (O_NONBLOCK), and a file over the limit is refused whole.

import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { ERROR_CODES, UserError } from '../../shared/errors'
import { specialKind } from './file-target'

/** PEM chains people pass are a few KiB; 1 MiB is far beyond any real one. */
export const MAX_PEM_FILE = 1024 * 1024

const WHY: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'that is a folder; give a file path',
  ENOTDIR: 'a part of the path is not a folder'
}

/**
 * The file's bytes. Errors are one-line UserErrors starting with `doing` (`cannot read
 * --upstream-ca FILE`); ENOENT keeps its code so a caller can tell "absent" apart.
 */
export async function readSmallFile(path: string, doing: string, max = MAX_PEM_FILE, what = 'a certificate or key file'): Promise<Buffer> {
  let file
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    throw new UserError(`${doing}: ${WHY[code] ?? (err as Error).message}`, code)
  }
  try {
    const st = await file.stat()
    if (st.isDirectory()) throw new UserError(`${doing}: ${WHY.EISDIR}`, 'EISDIR')
    const kind = specialKind(st)
    if (kind !== undefined) throw new UserError(`${doing}: ${path} is ${kind}, not a file; give a file path`, ERROR_CODES.ENOTFILE)
    if (st.size > max) throw new UserError(`${doing}: ${path} is ${st.size} bytes, more than the ${max} ${what} can be`, ERROR_CODES.EINVAL)
    const buf = Buffer.alloc(st.size)
    let got = 0
    while (got < buf.length) {
      const { bytesRead } = await file.read(buf, got, buf.length - got, got)
      if (bytesRead === 0) break
      got += bytesRead
    }
    return buf.subarray(0, got)
  } finally {
    await file.close().catch(() => undefined)
  }
}
