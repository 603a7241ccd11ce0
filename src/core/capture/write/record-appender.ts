// Records as bytes for the capture's writer: each header, and each JSON payload up to
// MAX_INLINE_JSON, encoded into a slab of SLAB_SIZE reused as the writer allows; a data
// chunk follows its header by reference, never copied here. The live capture
// (live-capture.ts) appends every record through one of these.

import type { Direction } from '../../../shared/capture-types'
import { RECORD_HEADER_SIZE, dirCode, writeRecordHeader, type RecordType } from '../format/capture-format'
import type { RecordWriter } from './record-writer'

const SLAB_SIZE = 64 * 1024
/** JSON payloads up to this size are encoded into the slab rather than a Buffer of their own. */
const MAX_INLINE_JSON = 4096

const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.length)

export class RecordAppender {
  private slab = Buffer.allocUnsafe(SLAB_SIZE)
  private slabView = viewOf(this.slab)
  private slabUsed = 0

  constructor(
    private readonly writer: RecordWriter,
    /** Whether the writer copies each record (O_DIRECT) as it takes it, so the slab is free again at once. */
    private readonly copiesChunks: boolean
  ) {}

  /** Reserves `n` bytes of the slab (headers and small JSON payloads live there). */
  private reserve(n: number): number {
    if (this.slabUsed + n > SLAB_SIZE) {
      this.slabUsed = 0
      // The O_DIRECT writer copies each record as it takes it, so the slab is free again.
      // The page-cache writer queues the slab itself: the old one stays alive until written.
      // (A new slab each time made 64 KiB of garbage per ~1,600 records, which lived long
      // enough to reach the old generation: about 100 MiB of RSS under redis-benchmark.)
      if (!this.copiesChunks) {
        this.slab = Buffer.allocUnsafe(SLAB_SIZE)
        this.slabView = viewOf(this.slab)
      }
    }
    const at = this.slabUsed
    this.slabUsed += n
    return at
  }

  /**
   * Appends one record and returns its file offset. A string payload is JSON, encoded
   * straight into the slab behind its header; a Buffer payload (data) is passed by reference.
   */
  append(
    type: RecordType,
    dir: Direction | undefined,
    connId: number,
    seq: number,
    payload: Buffer | string | undefined,
    time: number,
    mono: number,
    payloadCrc?: number
  ): number {
    const offset = this.writer.end
    if (typeof payload === 'string') {
      const length = Buffer.byteLength(payload)
      if (length <= MAX_INLINE_JSON) {
        const at = this.reserve(RECORD_HEADER_SIZE + length)
        this.slab.write(payload, at + RECORD_HEADER_SIZE)
        writeRecordHeader(this.slab, this.slabView, at, type, dirCode(dir), connId, seq, length, time, mono)
        this.writer.append(this.slab, at, at + RECORD_HEADER_SIZE + length)
        return this.tookIt(offset)
      }
      payload = Buffer.from(payload)
    }
    const at = this.reserve(RECORD_HEADER_SIZE)
    writeRecordHeader(this.slab, this.slabView, at, type, dirCode(dir), connId, seq, payload?.length ?? 0, time, mono, payloadCrc)
    this.writer.append(this.slab, at, at + RECORD_HEADER_SIZE, payload)
    return this.tookIt(offset)
  }

  /**
   * The offset of a record just appended, or -1 if the writer failed on it: a writer can
   * fail while taking a record (a new staging buffer it cannot set up on a full disk), and
   * by then its failure has cut the index back, so the record must not be counted again.
   */
  private tookIt(offset: number): number {
    return this.writer.error === undefined ? offset : -1
  }
}
