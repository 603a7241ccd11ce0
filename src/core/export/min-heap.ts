// A binary min-heap: the pcapng writer's open connections, earliest next event first.

export class MinHeap<T> {
  private readonly items: T[] = []

  constructor(private readonly before: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length
  }

  peek(): T | undefined {
    return this.items[0]
  }

  push(item: T): void {
    const h = this.items
    h.push(item)
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1
      if (this.before(h[i], h[parent]) >= 0) break
      ;[h[i], h[parent]] = [h[parent], h[i]]
      i = parent
    }
  }

  pop(): T | undefined {
    const h = this.items
    const top = h[0]
    const last = h.pop()
    if (h.length === 0 || last === undefined) return top
    h[0] = last
    for (let i = 0; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let least = i
      if (l < h.length && this.before(h[l], h[least]) < 0) least = l
      if (r < h.length && this.before(h[r], h[least]) < 0) least = r
      if (least === i) break
      ;[h[i], h[least]] = [h[least], h[i]]
      i = least
    }
    return top
  }
}
