// HPACK's dynamic table (RFC 7541 section 2.3.2 and 4): newest entry at index 1, oldest evicted
// first, sized by name + value + 32 octets per entry.
//
// A ring buffer: an insertion is O(1) where Array.unshift would move every entry, and a
// connection inserts for most literals it sees. It grows by doubling up to what the size
// allows (at most HPACK_MAX_TABLE / 32 entries).

/** RFC 7541 section 4.1: each entry costs 32 octets more than its name and value. */
export const ENTRY_OVERHEAD = 32

export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD
}

export class DynamicTable {
  private names: string[] = new Array<string>(16).fill('')
  private values: string[] = new Array<string>(16).fill('')
  private mask = 15
  /** Slot of the oldest entry. */
  private oldest = 0
  private count = 0
  private bytes = 0

  constructor(private max: number) {}

  get length(): number {
    return this.count
  }

  /** The entries' size in RFC 7541 octets. */
  get size(): number {
    return this.bytes
  }

  get maxSize(): number {
    return this.max
  }

  /** Name of the entry at dynamic index `i` (1 = newest); the caller checks 1 <= i <= length. */
  name(i: number): string {
    return this.names[(this.oldest + this.count - i) & this.mask]
  }

  value(i: number): string {
    return this.values[(this.oldest + this.count - i) & this.mask]
  }

  /** Adds an entry of `size` octets, evicting the oldest ones to make room; one larger than the table empties it (section 4.4). */
  add(name: string, value: string, size: number): void {
    if (size > this.max) {
      this.clear()
      return
    }
    this.evictTo(this.max - size)
    if (this.count > this.mask) this.grow()
    const slot = (this.oldest + this.count) & this.mask
    this.names[slot] = name
    this.values[slot] = value
    this.count++
    this.bytes += size
  }

  /** Empties the table as an entry larger than it does (its size is known, its text need not be decoded). */
  clear(): void {
    this.evictTo(0)
  }

  setMaxSize(max: number): void {
    this.max = max
    this.evictTo(max)
  }

  /** The entries, newest first: for tests and the rewrite check. */
  entries(): Array<{ name: string; value: string }> {
    const out: Array<{ name: string; value: string }> = []
    for (let i = 1; i <= this.count; i++) out.push({ name: this.name(i), value: this.value(i) })
    return out
  }

  private evictTo(limit: number): void {
    while (this.bytes > limit) {
      const slot = this.oldest
      this.bytes -= entrySize(this.names[slot], this.values[slot])
      // Let go of the strings: an evicted entry can be a large value.
      this.names[slot] = this.values[slot] = ''
      this.oldest = (slot + 1) & this.mask
      this.count--
    }
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2
    const names = new Array<string>(cap).fill('')
    const values = new Array<string>(cap).fill('')
    for (let i = 0; i < this.count; i++) {
      names[i] = this.names[(this.oldest + i) & this.mask]
      values[i] = this.values[(this.oldest + i) & this.mask]
    }
    this.names = names
    this.values = values
    this.mask = cap - 1
    this.oldest = 0
  }
}
