// A growable list of a direction's data chunks, for byte-range reads. A plain array of
// doubles: V8 stores it unboxed (8 bytes an entry).

/**
 * Where each data chunk of one direction lies: its payload's file offset and its offset in
 * the direction's byte stream, interleaved in one array (both ascend). A gap (bytes
 * forwarded but not kept) is an entry too, its gap record's payload offset kept negated:
 * it ends the chunk before it, and its bytes are nowhere in the file.
 */
export class ChunkIndex {
  private readonly data: number[] = []

  get length(): number {
    return this.data.length >>> 1
  }

  push(fileOffset: number, streamOffset: number): void {
    this.data.push(fileOffset, streamOffset)
  }

  /** A gap: the bytes from its stream offset to the next entry's were not kept. */
  pushGap(fileOffset: number, streamOffset: number): void {
    this.data.push(-fileOffset, streamOffset)
  }

  /** Entry i's payload file offset (a gap's: its gap record's payload). */
  file(i: number): number {
    return Math.abs(this.data[2 * i])
  }

  isGap(i: number): boolean {
    return this.data[2 * i] < 0
  }

  stream(i: number): number {
    return this.data[2 * i + 1]
  }

  /** The entry whose payload starts at file offset `at` (entries lie in file order), or -1. */
  byFileOffset(at: number): number {
    let lo = 0
    let hi = this.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.file(mid)
      if (v === at) return mid
      if (v < at) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** The chunk holding stream offset `v` (the last starting at or before it), or -1. */
  byStreamOffset(v: number): number {
    let lo = 0
    let hi = this.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.stream(mid) <= v) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
}
