// Opens a capture file for the commands that read one (ls, export, replay) as the UI opens
// it: in an engine of the command's own (on a temporary live capture, deleted at the end),
// with capture.open, so the CLI and the UI read a file through the same commands. Says on
// stderr what a reader should know about the file (still recorded, cut, damaged).

import { resolve } from 'node:path'
import type { CaptureInfo } from '../../shared/capture-types'
import type { Engine } from '../../core/engine'
import { startEngine } from '../engine-run'
import { openCaptureFile } from '../../core/capture/open-captures'
import type { CaptureView } from '../../core/capture/query/capture-queries'

export interface OpenedCapture {
  engine: Engine
  /** The file's id in the engine, for every command that reads it. */
  capture: string
  info: CaptureInfo
}

/** Runs `use` with the capture file at `path` open in an engine; the engine is gone after. */
export async function withCaptureFile<T>(path: string, use: (opened: OpenedCapture) => Promise<T>): Promise<T> {
  const run = await startEngine({ readsFiles: true })
  try {
    // Absolute: the engine would take a relative path from its save folder, not from here.
    const info = await run.engine['capture.open']({ path: resolve(path) })
    return await use({ engine: run.engine, capture: info.id, info })
  } finally {
    await run.finish()
  }
}

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
