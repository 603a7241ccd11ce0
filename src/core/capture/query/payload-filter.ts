// The list filter's `text:` word: which connections carry a text in their payload bytes
// (either direction, UTF-8, case ignored). Reading payloads costs far more than testing
// fields, so a query scans in slices: each call reads at most SLICE_BYTES (or SLICE_MS) and
// says how far it got, the front end shows that and asks again, and a cancel stops it
// between two reads. What a row was found to hold is remembered with how many bytes it had
// then: paging and re-sorting never rescan, and a live connection that grew is searched
// again only from where the last scan ended.

import type { Direction } from '../../../shared/capture-types'
import { ERROR_CODES, UserError } from '../../../shared/errors'
import { compilePattern, keptRuns, searchKept } from './stream-search'
import type { IndexView } from '../read/index-view'

/**
 * Payload bytes one call reads at most, and how long it runs at most (after its first row):
 * about a quarter second on a laptop's disk cache, so progress moves and a cancel is prompt.
 */
export interface Slice {
  bytes: number
  ms: number
}
const SLICE: Slice = { bytes: 64 * 1024 * 1024, ms: 250 }
/** What reading a connection costs besides its bytes (a lookup and a read per direction). */
const ROW_COST = 4096
/** Texts whose results are kept (each holds a few bytes per connection). */
const KEPT_TEXTS = 4

export type Read = (connId: number, dir: Direction, offset: number, length: number) => Promise<Buffer>

/** One text's results: per row, 0 unknown, 1 absent, 2 present, and the bytes seen of each direction. */
interface TextResults {
  state: Uint8Array
  seen: Float64Array
}

export interface ScanProgress {
  /** Candidate rows whose payload is known for every text. */
  done: number
  of: number
}

export class PayloadFilter {
  private readonly results = new Map<string, TextResults>()

  constructor(
    private readonly index: IndexView,
    private readonly read: Read,
    private readonly slice = SLICE
  ) {}

  /**
   * Scans `rows` (in their order) for `texts` until the slice runs out; returns the rows known
   * to pass (`negated[i]`: text i must be absent) and how far the scan got.
   */
  async filter(rows: Uint32Array, texts: readonly string[], negated: readonly boolean[], signal?: AbortSignal): Promise<{ rows: Uint32Array; progress: ScanProgress }> {
    const results = texts.map((t) => this.resultsOf(t))
    const patterns = texts.map((t) => compilePattern({ kind: 'text', value: t, caseInsensitive: true, encoding: 'utf8' }))
    const started = Date.now()
    let spent = 0
    let done = 0
    const passed = new Uint32Array(rows.length)
    let n = 0
    for (const row of rows) {
      if (signal?.aborted) throw new UserError('payload search cancelled', ERROR_CODES.ECANCELED)
      let pass = true
      let known = true
      for (let i = 0; i < texts.length; i++) {
        let hit = this.known(results[i], row)
        if (hit === undefined) {
          if (spent >= this.slice.bytes || (spent > 0 && Date.now() - started >= this.slice.ms)) {
            known = false
            break
          }
          spent += ROW_COST + this.unseen(results[i], row)
          hit = await this.scanRow(results[i], row, patterns[i], texts[i], signal)
        }
        if (hit === negated[i]) pass = false
      }
      if (!known) break
      done++
      if (pass) passed[n++] = row
    }
    return { rows: passed.subarray(0, n), progress: { done, of: rows.length } }
  }

  private resultsOf(text: string): TextResults {
    let r = this.results.get(text)
    const size = this.index.size
    if (r === undefined || r.state.length < size) {
      const grown = { state: new Uint8Array(Math.max(size, 16) * 2), seen: new Float64Array(Math.max(size, 16) * 4) }
      if (r) {
        grown.state.set(r.state)
        grown.seen.set(r.seen)
      }
      r = grown
    }
    // Most recently used last; the oldest text goes first.
    this.results.delete(text)
    this.results.set(text, r)
    for (const old of this.results.keys()) if (this.results.size > KEPT_TEXTS) this.results.delete(old)
    return r
  }

  private recorded(row: number): [number, number] {
    return [this.index.recordedBytes(row, 'client'), this.index.recordedBytes(row, 'server')]
  }

  /** Present or absent, if nothing came since it was scanned. */
  private known(r: TextResults, row: number): boolean | undefined {
    const state = r.state[row]
    if (state === 2) return true
    if (state === 0) return undefined
    const [c, s] = this.recorded(row)
    return c === r.seen[row * 2] && s === r.seen[row * 2 + 1] ? false : undefined
  }

  private unseen(r: TextResults, row: number): number {
    const [c, s] = this.recorded(row)
    return c - r.seen[row * 2] + s - r.seen[row * 2 + 1]
  }

  private async scanRow(r: TextResults, row: number, pattern: ReturnType<typeof compilePattern>, text: string, signal?: AbortSignal): Promise<boolean> {
    const id = this.index.fields.id(row)
    // A match may straddle the old end: start a text's longest UTF-8 length (4 bytes a character) before it.
    const back = Buffer.byteLength(text) * 4
    let hit = false
    for (const [k, dir] of (['client', 'server'] as const).entries()) {
      const total = this.index.recordedBytes(row, dir)
      const from = Math.max(0, r.seen[row * 2 + k] - back)
      if (!hit && total > from) hit = (await searchKept((offset, length) => this.read(id, dir, offset, length), keptRuns(this.index.chunks(row, dir), total), pattern, { from, signal })).found
      r.seen[row * 2 + k] = total
    }
    r.state[row] = hit ? 2 : 1
    return hit
  }
}
