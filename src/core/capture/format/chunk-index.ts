// A growable list of a direction's data chunks, for byte-range reads. A plain array of
// doubles: V8 stores it unboxed (8 bytes an entry).

/**
 * Where each data chunk of one direction lies: its payload's file offset and its offset in
 * the direction's byte stream, interleaved in one array (both ascend).
 */
export class ChunkIndex {
  private readonly data: number[] = []

  get length(): number {
    return this.data.length >>> 1
  }

  push(fileOffset: number, streamOffset: number): void {
    this.data.push(fileOffset, streamOffset)
  }

  file(i: number): number {
    return this.data[2 * i]
  }

  stream(i: number): number {
    return this.data[2 * i + 1]
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
