// The writer a new capture file gets: O_DIRECT where it works (Linux, a file system that
// supports it), else writes through the page cache. Either way the file header is on disk
// before the first record is appended.

import { closeSync, openSync, writeSync } from 'node:fs'
import { FILE_HEADER_SIZE, encodeFileHeader } from '../format/capture-format'
import { BufferedWriter } from './buffered-writer'
import { DirectWriter, directIoAvailable } from './direct-writer'
import type { RecordWriter, WriterHooks, WriterOptions } from './record-writer'

export interface OpenWriterOptions extends WriterOptions {
  /** `auto` (default): O_DIRECT where the OS and file system allow it, else buffered writes. */
  writeMode?: 'auto' | 'buffered'
  /** The version in the file header (default the newest, FORMAT_VERSION). */
  formatVersion?: number
}

export function openWriter(path: string, hooks: WriterHooks, opts: OpenWriterOptions): RecordWriter {
  const head = encodeFileHeader(opts.formatVersion)
  if ((opts.writeMode ?? 'auto') === 'auto' && directIoAvailable()) {
    try {
      return new DirectWriter(path, head, hooks, opts)
    } catch (err) {
      // EINVAL: this file system (tmpfs, some network and FUSE ones) has no O_DIRECT.
      if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err
    }
  }
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, head, 0, FILE_HEADER_SIZE, 0)
  } catch (err) {
    closeSync(fd)
    throw err
  }
  return new BufferedWriter(fd, FILE_HEADER_SIZE, hooks, opts)
}
