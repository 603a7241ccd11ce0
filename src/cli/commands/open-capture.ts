// Opens a capture file for the read-only commands, with one-line errors, and says on
// stderr what a reader should know about it (still recorded, cut, damaged).

import type { CaptureInfo } from '../../shared/capture-types'
import { FileCapture } from '../../core/capture/read/file-capture'
import { NotACaptureError } from '../../core/capture/format/capture-format'
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

/** What a reader of the file should know, one line each; none for a complete, closed file. */
export function captureNotes(info: CaptureInfo): string[] {
  const notes: string[] = []
  const { path } = info
  if (info.live) notes.push(`note: ${path} is still being recorded${info.writerPid !== undefined ? ` (by pid ${info.writerPid})` : ''}; this is what it held a moment ago`)
  if (info.cutAt !== undefined && info.cutKind === 'damaged') {
    notes.push(`note: ${path} has a damaged record at byte ${info.cutAt}; the ${info.size - info.cutAt} bytes from there on cannot be read, everything before is shown`)
  } else if (info.cutAt !== undefined) {
    notes.push(`note: ${path} ends in an incomplete record at byte ${info.cutAt} (its writer stopped mid-write); everything before it is shown`)
  }
  if (info.indexProblem !== undefined) notes.push(`note: ${path}: ${info.indexProblem}`)
  return notes
}
