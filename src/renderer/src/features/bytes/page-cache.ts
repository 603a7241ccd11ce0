// The few bytes of a connection the byte views show, read from the engine in fixed pages
// and kept in a small LRU, so scrolling back and forth does not ask again and the page
// never holds more than `maxPages` pages however big the stream (vscode-hexeditor does the
// same). A page that ended at the stream's end is re-read once the stream has grown past
// it; two views asking for one page at once share one request.

import { concatBytes } from '../../../../shared/concat-bytes'
import type { Direction } from '../../../../shared/capture-types'

export const PAGE_SIZE = 16 * 1024
/** 1 MiB in all: a hex screen needs a page or two, a text screen of long lines a dozen. */
export const MAX_PAGES = 64

/** One direction of one connection of one capture. */
export interface StreamRef {
  capture: string
  connId: number
  dir: Direction
  /**
   * Its bytes as the receiver got them (conn.delivered.read), in the delivered stream's
   * version `rev`: a new rule record may change bytes already read, so pages of another
   * version are other pages.
   */
  delivered?: { rev: number }
}

export type FetchBytes = (stream: StreamRef, offset: number, length: number) => Promise<Uint8Array>

interface Pending {
  promise: Promise<Uint8Array>
  /** How long the stream was known to be when asked: a longer page needs a new read. */
  total: number
}

export class PageCache {
  /** In least-recently-used order, oldest first (a Map keeps insertion order). */
  private readonly pages = new Map<string, Uint8Array>()
  private readonly pending = new Map<string, Pending>()
  /** Bumped by clear(): a read answered for an earlier connection is dropped. */
  private generation = 0
  readonly pageSize: number
  readonly maxPages: number
  private readonly onPage: () => void

  constructor(
    private readonly fetch: FetchBytes,
    opts: { pageSize?: number; maxPages?: number; onPage?: () => void } = {}
  ) {
    this.pageSize = opts.pageSize ?? PAGE_SIZE
    this.maxPages = opts.maxPages ?? MAX_PAGES
    this.onPage = opts.onPage ?? (() => {})
  }

  get size(): number {
    return this.pages.size
  }

  private key(s: StreamRef, page: number): string {
    return `${s.capture}\u0000${s.connId}\u0000${s.dir}${s.delivered ? `\u0000d${s.delivered.rev}` : ''}\u0000${page}`
  }

  /** Bytes page `page` must hold for a stream `total` bytes long. */
  private need(page: number, total: number): number {
    return Math.max(0, Math.min(this.pageSize, total - page * this.pageSize))
  }

  /** The cached page if it holds all it should for `total`, freshened in the LRU order. */
  private fresh(s: StreamRef, page: number, total: number): Uint8Array | undefined {
    const key = this.key(s, page)
    const bytes = this.pages.get(key)
    if (!bytes) return undefined
    this.pages.delete(key)
    this.pages.set(key, bytes)
    return bytes.length >= this.need(page, total) ? bytes : undefined
  }

  /**
   * Bytes [offset, offset + length) of a stream `total` bytes long, as far as they are
   * cached without a gap: shorter than asked when a page is missing or behind the stream
   * (then `load` the range). A stale last page still gives what it has, so a growing
   * stream's last row stays on screen while its new bytes come.
   */
  peek(s: StreamRef, offset: number, length: number, total: number): Uint8Array {
    const end = Math.min(total, offset + length)
    if (offset >= end) return new Uint8Array(0)
    const first = Math.floor(offset / this.pageSize)
    const last = Math.floor((end - 1) / this.pageSize)
    const parts: Uint8Array[] = []
    for (let p = first; p <= last; p++) {
      const key = this.key(s, p)
      const bytes = this.pages.get(key)
      if (!bytes) break
      this.pages.delete(key)
      this.pages.set(key, bytes)
      const from = p === first ? offset - p * this.pageSize : 0
      const to = Math.min(bytes.length, end - p * this.pageSize)
      if (to > from) parts.push(bytes.subarray(from, to))
      if (bytes.length < this.need(p, total)) break
    }
    return parts.length === 1 ? parts[0] : concatBytes(parts)
  }

  /** Whether `peek` of the range would give all of it. */
  has(s: StreamRef, offset: number, length: number, total: number): boolean {
    return this.peek(s, offset, length, total).length >= Math.max(0, Math.min(total, offset + length) - offset)
  }

  /** Reads the pages of the range that are missing or behind `total`. */
  async load(s: StreamRef, offset: number, length: number, total: number): Promise<void> {
    const end = Math.min(total, offset + length)
    if (offset >= end) return
    const first = Math.floor(offset / this.pageSize)
    const last = Math.floor((end - 1) / this.pageSize)
    if (last - first + 1 > this.maxPages) throw new RangeError(`${last - first + 1} pages do not fit a cache of ${this.maxPages}`)
    const loads: Promise<unknown>[] = []
    for (let p = first; p <= last; p++) if (!this.fresh(s, p, total)) loads.push(this.loadPage(s, p, total))
    await Promise.all(loads)
  }

  private async loadPage(s: StreamRef, page: number, total: number): Promise<void> {
    const key = this.key(s, page)
    const waiting = this.pending.get(key)
    // A request made when the stream was as long as now (or longer) gives all there is.
    if (waiting && waiting.total >= total) {
      await waiting.promise
      return
    }
    const generation = this.generation
    const promise = this.fetch(s, page * this.pageSize, this.pageSize)
    this.pending.set(key, { promise, total })
    try {
      const bytes = await promise
      if (generation !== this.generation) return
      const had = this.pages.get(key)
      // Two reads of one growing page may answer out of order: keep the longer.
      if (!had || had.length <= bytes.length) {
        this.pages.delete(key)
        this.pages.set(key, bytes)
      }
      while (this.pages.size > this.maxPages) this.pages.delete(this.pages.keys().next().value!)
      this.onPage()
    } finally {
      if (this.pending.get(key)?.promise === promise) this.pending.delete(key)
    }
  }

  /** Forgets every page (another connection or capture is on screen). */
  clear(): void {
    this.generation++
    this.pages.clear()
    this.pending.clear()
  }
}
