// A growable column of numbers (file offsets, stream offsets): 8 bytes per entry and no
// object per chunk, so the index of a huge capture stays small.

export class NumberColumn {
  private data = new Float64Array(16)
  length = 0

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }

  at(i: number): number {
    return this.data[i]
  }

  /** Index of the last entry <= v (entries ascending), or -1. */
  lastAtOrBelow(v: number): number {
    let lo = 0
    let hi = this.length - 1
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
