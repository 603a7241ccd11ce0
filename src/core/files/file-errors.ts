// Why a file cannot be written, in words, the same wherever tcpscope writes one (a capture,
// a saved copy, an export). Callers put what they were doing in front.

import { UserError } from '../../shared/errors'

const WHY: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'that is a folder; give a file path',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is not a folder',
  ENOSPC: 'no space left on the device',
  EEXIST: 'the file exists; overwrite it or pick another name'
}

/** `DOING: why`, with the OS code; `reasons` replaces the wording of some codes. */
export function fileWriteError(doing: string, err: NodeJS.ErrnoException, reasons: Record<string, string> = {}): UserError {
  const code = err.code ?? 'EIO'
  const why = reasons[code] ?? WHY[code] ?? (err.message.startsWith(code) ? err.message : `${code}: ${err.message}`)
  return new UserError(`${doing}: ${why}`, code)
}
