// Opens a capture file for the commands that read one through the engine (show, export, replay) as the UI opens
// it: in an engine of the command's own (on a temporary live capture, deleted at the end),
// with capture.open, so the CLI and the UI read a file through the same commands. Says on
// stderr what a reader should know about the file (still recorded, cut, damaged:
// captureNotes, in capture-index-read.ts with what ls reads without an engine).

import { resolve } from 'node:path'
import type { CaptureInfo } from '../../shared/capture-types'
import type { Engine } from '../../core/engine'
import { startEngine } from '../engine-run'
export { captureNotes } from './capture-index-read'

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
