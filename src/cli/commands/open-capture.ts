// Opens a capture file for the read-only commands, with one-line errors.

import { FileCapture } from '../../core/capture/file-capture'
import { NotACaptureError } from '../../core/capture/format'
import { UserError } from '../../core/net/net-errors'

export async function openCaptureFile(path: string): Promise<FileCapture> {
  try {
    return await FileCapture.open(path)
  } catch (err) {
    if (err instanceof NotACaptureError) throw new UserError(err.message)
    const e = err as NodeJS.ErrnoException
    if (e.code === 'ENOENT') throw new UserError(`no such file: ${path}`)
    if (e.code === 'EISDIR') throw new UserError(`${path} is a folder, not a capture file`)
    if (e.code === 'EACCES') throw new UserError(`cannot read ${path}: permission denied`)
    throw err
  }
}

export function cutNote(path: string, cutAt: number | undefined): string | undefined {
  return cutAt === undefined
    ? undefined
    : `note: ${path} ends in an incomplete record at byte ${cutAt} (the writer stopped mid-write); everything before it is shown`
}
