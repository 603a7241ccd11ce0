// What `tcpscope ls` reads of a capture file with no engine: the file's index, opened as
// capture.open opens it, and what a reader should know of the file. Apart from
// open-capture.ts, which starts an engine: ls loads this module's few and not the engine's
// hundreds (index.ts loads each command's module only when it runs; issue 46).

import { resolve } from 'node:path'
import type { CaptureInfo } from '../../shared/capture-types'
import { openCaptureFile } from '../../core/capture/open-captures'
import type { CaptureView } from '../../core/capture/query/capture-queries'

/**
 * Runs `use` with every row of the file's index loaded, and no engine: for a listing, which
 * needs neither decoding nor a live capture (ls.ts says why). The file is opened and its
 * failures told as capture.open tells them.
 */
export async function withCaptureIndex<T>(path: string, use: (opened: { rows: Awaited<ReturnType<CaptureView['allRows']>>; info: CaptureInfo }) => Promise<T>): Promise<T> {
  const file = await openCaptureFile(resolve(path), { id: 'f1' })
  try {
    return await use({ rows: await file.allRows(), info: file.info() })
  } finally {
    await file.close()
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
