// A finished (or crashed) capture file, opened for reading: the index is rebuilt by one
// walk over the record headers, then queries read only the records they need.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type { CaptureInfo } from '../../shared/capture-types'
import { CaptureIndex } from './capture-index'
import { CaptureReader } from './capture-reader'
import { scanCapture } from './capture-scan'
import { CaptureQueries, type CaptureView } from './capture-view'
import { FILE_HEADER_SIZE, checkFileHeader } from './format'

export class FileCapture extends CaptureQueries implements CaptureView {
  protected readonly reader: CaptureReader

  private constructor(
    readonly path: string,
    private readonly fd: number,
    index: CaptureIndex,
    private readonly size: number,
    private readonly cutAt: number | undefined
  ) {
    super(index)
    this.reader = new CaptureReader(fd, index, () => Promise.resolve())
  }

  static async open(path: string): Promise<FileCapture> {
    const fd = openSync(path, 'r')
    try {
      const size = fstatSync(fd).size
      const head = Buffer.alloc(FILE_HEADER_SIZE)
      // Only the bytes really read: a file cut inside its header is no capture.
      checkFileHeader(head.subarray(0, readSync(fd, head, 0, FILE_HEADER_SIZE, 0)), path)
      const index = new CaptureIndex()
      const { cutAt } = await scanCapture(fd, size, index)
      // A connection with no close record was still open when the file stopped.
      index.cutOpen()
      return new FileCapture(path, fd, index, size, cutAt)
    } catch (err) {
      closeSync(fd)
      throw err
    }
  }

  info(): CaptureInfo {
    return {
      path: this.path,
      size: this.size,
      connections: this.index.size,
      live: false,
      ...(this.cutAt !== undefined ? { cutAt: this.cutAt } : {})
    }
  }

  async close(): Promise<void> {
    closeSync(this.fd)
  }
}
