// What a live capture asks of its file writer, whichever it is (buffered-writer.ts: writev
// through the page cache; direct-writer.ts: O_DIRECT), and the timing and memory limits
// both keep.

import { ftruncateSync } from 'node:fs'
import type { WriterPace } from '../../../shared/capture-types'

export interface WriterOptions {
  /** Write as soon as this much is queued (and nothing is in flight). */
  batchBytes?: number
  /** Otherwise write what is queued after at most this long. */
  maxDelayMs?: number
  /** Ask producers to pause above this many pending bytes, resume below lowWater. */
  highWater?: number
  lowWater?: number
  /** O_DIRECT writer: below this much free space on the file system, one write at a time (direct-writer.ts). */
  parallelFreeBytes?: number
}

export interface WriterHooks {
  onPressure(paused: boolean): void
  onError(err: NodeJS.ErrnoException): void
}

/** What a capture needs of its file writer (buffered writev, or O_DIRECT). */
export interface RecordWriter {
  /** File offset just past the last appended byte. */
  readonly end: number
  /** File offset up to which everything is written. */
  readonly written: number
  readonly error: NodeJS.ErrnoException | undefined
  /**
   * Queues `buf[start, end)` and then `payload` to be written in order. A writer may keep
   * references to both: neither may be modified afterwards.
   */
  append(buf: Buffer, start: number, end: number, payload?: Buffer): void
  /** Resolves once everything up to `offset` is written (writing pending data now). */
  waitWritten(offset: number): Promise<void>
  /** How the writer has kept up with what was appended so far. */
  pace(): WriterPace
  /** Writes everything pending, fsyncs and closes the file. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Quiet traffic reaches the file at most this long after it was recorded. Each write costs
 * a system call that, measured here, also slows the forwarding thread: flushing every 4 ms
 * added about 35 µs to a round trip through the proxy, every 50 ms about 7 µs. A reader
 * waiting for recent bytes, a full batch and closing all write at once regardless.
 */
export const FLUSH_DELAY_MS = 50

/** Producers pause above HIGH_WATER pending bytes and resume below LOW_WATER. */
export const HIGH_WATER = 16 * 1024 * 1024
export const LOW_WATER = 4 * 1024 * 1024

/**
 * After a failed write, part of it may have reached the file (a short write before the
 * error): cut the file back to the last whole record counted as written, so the file holds
 * exactly what the capture says it recorded. Best effort: if this fails too, the file still
 * reads up to its last complete record.
 */
export function cutFailedTail(fd: number, written: number): void {
  try {
    ftruncateSync(fd, written)
  } catch {
    // A file system that refuses even this: the reader's cut detection covers it.
  }
}
