// The stored index's stream as verified blocks (index-codec.ts lays it out in index records
// of `partSize` bytes, with a CRC per block): read on demand, checked once, kept; a field is
// read from its block without an object made, as decoding asks for millions.

import { crc32 } from 'node:zlib'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { pread } from './capture-reader'
import { RECORD_HEADER_SIZE } from '../format/capture-format'
import type { Trailer } from '../format/index-codec'

/** The stored index fails a check: not trusted (opening falls back to the records). */
export class DamagedIndexError extends UserError {
  constructor(message: string) {
    super(message, ERROR_CODES.ENOTCAPTURE)
  }
}

/** Verified blocks of the index stream, read on demand and kept. */
export class IndexBlocks {
  readonly cache = new Map<number, Buffer>()
  /** Blocks being read: a caller that needs one waits for that read (decoding asks for the same block from many connections at once). */
  private readonly loading = new Map<number, Promise<void>>()
  constructor(
    private readonly fd: number,
    readonly t: Trailer,
    private readonly crcs: Buffer
  ) {}

  /**
   * Reads (once) every block that bytes [from, to) of the stream touch; nothing to wait for
   * (undefined) when all are loaded, as most are: decoding asks for each row's, and an async
   * call each time was most of what finding a row allocated.
   */
  ensure(from: number, to: number): Promise<void> | undefined {
    return this.has(from, to) ? undefined : this.read(from, to)
  }

  private has(from: number, to: number): boolean {
    if (to <= from) return true
    const B = this.t.blockSize
    for (let k = Math.floor(from / B), last = Math.floor((to - 1) / B); k <= last; k++) if (!this.cache.has(k)) return false
    return true
  }

  private async read(from: number, to: number): Promise<void> {
    const B = this.t.blockSize
    const last = Math.floor((to - 1) / B)
    for (let k = Math.floor(from / B); k <= last; ) {
      if (this.cache.has(k)) {
        k++
        continue
      }
      const pending = this.loading.get(k)
      if (pending) {
        await pending
        continue
      }
      // One read for each run of missing blocks.
      let end = k
      while (end + 1 <= last && !this.cache.has(end + 1) && !this.loading.has(end + 1)) end++
      const read = this.load(k, end)
      for (let j = k; j <= end; j++) this.loading.set(j, read)
      try {
        await read
      } finally {
        for (let j = k; j <= end; j++) this.loading.delete(j)
      }
      k = end + 1
    }
  }

  private async load(k: number, end: number): Promise<void> {
    const B = this.t.blockSize
    const bytes = await readLogical(this.fd, this.t, k * B, Math.min((end + 1) * B, this.t.crcTableOffset))
    for (let j = k; j <= end; j++) {
      const block = bytes.subarray((j - k) * B, (j - k + 1) * B)
      if (crc32(block) !== this.crcs.readUInt32LE(j * 4)) throw new DamagedIndexError(`the stored index is damaged (block ${j} fails its CRC)`)
      this.cache.set(j, block)
    }
  }

  async range(from: number, to: number): Promise<Buffer> {
    await this.ensure(from, to)
    const B = this.t.blockSize
    // Never from the shared pool: loadAll views the result as typed arrays, which need alignment.
    const out = Buffer.allocUnsafeSlow(to - from)
    for (let at = from; at < to; ) {
      const k = Math.floor(at / B)
      const n = Math.min(to - at, (k + 1) * B - at)
      this.cache.get(k)!.copy(out, at - from, at - k * B, at - k * B + n)
      at += n
    }
    return out
  }

  /** The block holding stream offset `at` (already loaded). */
  private block(k: number): Buffer {
    const b = this.cache.get(k)
    if (b === undefined) throw new Error(`stored index block ${k} read before it was loaded`)
    return b
  }

  /** The double at stream offset `at` (its block already loaded; a field never straddles blocks). No object made: decoding asks for millions. */
  double(at: number): number {
    const k = Math.floor(at / this.t.blockSize)
    return this.block(k).readDoubleLE(at - k * this.t.blockSize)
  }

  int32(at: number): number {
    const k = Math.floor(at / this.t.blockSize)
    return this.block(k).readInt32LE(at - k * this.t.blockSize)
  }
}

/** Bytes [from, to) of the index stream, from the index records they lie in. */
export async function readLogical(fd: number, t: Trailer, from: number, to: number): Promise<Buffer> {
  const pieces: Buffer[] = []
  for (let at = from; at < to; ) {
    const part = Math.floor(at / t.partSize)
    const n = Math.min(to - at, (part + 1) * t.partSize - at)
    const file = t.firstPart + part * (RECORD_HEADER_SIZE + t.partSize) + RECORD_HEADER_SIZE + (at - part * t.partSize)
    const got = await pread(fd, n, file)
    if (got.length !== n) throw new DamagedIndexError('the stored index ends before its trailer says')
    pieces.push(got)
    at += n
  }
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces)
}
