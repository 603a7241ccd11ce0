// A growable column of numbers (file offsets, stream offsets). A plain array of doubles:
// V8 stores it unboxed (8 bytes an entry), and a connection with few records allocates
// no ArrayBuffer, which matters when thousands of short connections come and go.

export class NumberColumn {
  private readonly data: number[] = []

  get length(): number {
    return this.data.length
  }

  push(v: number): void {
    this.data.push(v)
  }

  at(i: number): number {
    return this.data[i]
  }

  /** Index of the last entry <= v (entries ascending), or -1. */
  lastAtOrBelow(v: number): number {
    let lo = 0
    let hi = this.data.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.data[mid] <= v) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
}
