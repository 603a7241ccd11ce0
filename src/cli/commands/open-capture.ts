// Opens a capture file for the commands that read one through the engine (show, export, replay) as the UI opens
// it: in an engine of the command's own (on a temporary live capture, deleted at the end),
// with capture.open, so the CLI and the UI read a file through the same commands. Says on
// stderr what a reader should know about the file (still recorded, cut, damaged:
// captureNotes, in capture-index-read.ts with what ls reads without an engine).

import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { CaptureInfo } from '../../shared/capture-types'
import type { Engine, EngineOptions } from '../../core/engine'
import { startEngine } from '../engine-run'
export { captureNotes } from './capture-index-read'

/**
 * Files up to this size are decoded on the engine's thread: a decode worker's start (about
 * 100 ms of CPU, Node's own modules compiled again in the thread) was a third of a `show` of
 * a small file, and its decoding takes less (the decoder alone does some 100 MiB a second).
 */
export const DECODE_IN_THREAD_BYTES = 2 * 1024 * 1024

export interface OpenedCapture {
  engine: Engine
  /** The file's id in the engine, for every command that reads it. */
  capture: string
  info: CaptureInfo
}

/**
 * Runs `use` with the capture file at `path` open in an engine; the engine is gone after.
 * `decoding`: where a larger file's decoders run (tests running from source name the built worker).
 */
export async function withCaptureFile<T>(path: string, use: (opened: OpenedCapture) => Promise<T>, decoding: EngineOptions['decoding'] = {}): Promise<T> {
  // A file that cannot be read is the engine's to say so (capture.open), as before.
  const size = await stat(path).then((s) => s.size, () => Infinity)
  const run = await startEngine({ readsFiles: true, decoding: size <= DECODE_IN_THREAD_BYTES ? { worker: false } : decoding })
  try {
    // Absolute: the engine would take a relative path from its save folder, not from here.
    const info = await run.engine['capture.open']({ path: resolve(path) })
    return await use({ engine: run.engine, capture: info.id, info })
  } finally {
    await run.finish()
  }
}
