// Where messages start in the chunks a conversation shows, when the connection has a framing:
// msg.page, one direction at a time (`dir:client`, `dir:server`), paged only where the chunks
// on screen are. A direction's messages come in stream order, their offsets rising, so the page
// holding an offset is found by halving (a million messages: a dozen pages), and a bounded
// number of pages is kept. One call learns the framing; with none, nothing more is asked.

import { shallowRef } from 'vue'
import type { Direction } from '../../../../shared/capture-types'
import type { MessagePage } from '../../../../shared/message-types'
import type { ChunkRef } from './chunk-previews'

/** Messages a page holds (the contract allows up to MESSAGE_MAX_PAGE). */
export const STARTS_PAGE = 500
/** Pages kept per direction; the oldest go first. */
const KEPT = 40

export type PageMessages = (dir: Direction, from: number, limit: number) => Promise<Pick<MessagePage, 'framing' | 'total' | 'messages'>>

interface Page {
  /** Stream offsets where the page's messages start, ascending. */
  offsets: number[]
  /** Each one's number in the connection (its index). */
  indexes: number[]
}

interface Side {
  total?: number
  pages: Map<number, Page>
  loading: Map<number, Promise<Page>>
}

/** A message that starts in a chunk: where (bytes from the chunk's start), and which. */
export interface ChunkStart {
  at: number
  index: number
}

export function messageStarts(read: PageMessages) {
  /** The framing (`none`: no messages, nothing is asked again); undefined until known. */
  const framing = shallowRef<string>()
  /** Bumped when pages come, so what shows them is made again. */
  const version = shallowRef(0)
  let sides: Record<Direction, Side>
  let generation = 0
  const fresh = (): Side => ({ pages: new Map(), loading: new Map() })

  function reset(): void {
    generation++
    sides = { client: fresh(), server: fresh() }
    framing.value = undefined
    version.value++
  }
  reset()

  async function page(dir: Direction, n: number): Promise<Page> {
    const side = sides[dir]
    const have = side.pages.get(n)
    if (have) return have
    const on = side.loading.get(n)
    if (on) return on
    const gen = generation
    const p = read(dir, n * STARTS_PAGE, STARTS_PAGE).then((got) => {
      const pg: Page = { offsets: got.messages.map((m) => m.range.offset), indexes: got.messages.map((m) => m.index) }
      if (gen === generation) {
        framing.value = got.framing
        side.total = got.total
        side.pages.set(n, pg)
        while (side.pages.size > KEPT) side.pages.delete(side.pages.keys().next().value!)
        version.value++
      }
      return pg
    })
    side.loading.set(n, p)
    try {
      return await p
    } finally {
      side.loading.delete(n)
    }
  }

  /** Loads the pages of `dir` that hold the messages starting in [from, to). */
  async function cover(dir: Direction, from: number, to: number): Promise<void> {
    if (sides[dir].total === undefined) sides[dir].pages.delete(0)
    const first = await page(dir, 0)
    if (framing.value === 'none') return
    const total = sides[dir].total ?? 0
    const last = Math.max(0, Math.ceil(total / STARTS_PAGE) - 1)
    // The last page whose first message starts at or before `from`.
    let lo = 0
    let hi = last
    if ((first.offsets[0] ?? Infinity) <= from) {
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2)
        const pg = await page(dir, mid)
        if ((pg.offsets[0] ?? Infinity) <= from) lo = mid
        else hi = mid - 1
      }
    }
    for (let n = lo; n <= last; n++) {
      const pg = await page(dir, n)
      if (!pg.offsets.length || pg.offsets[pg.offsets.length - 1] >= to) break
    }
  }

  /** Asks for the starts of the chunks given (those on screen); once the framing is known to be none, nothing. */
  async function ensure(chunks: readonly ChunkRef[]): Promise<void> {
    if (framing.value === 'none') return
    for (const dir of ['client', 'server'] as const) {
      const mine = chunks.filter((c) => c.dir === dir && c.length > 0)
      if (!mine.length) continue
      const from = Math.min(...mine.map((c) => c.offset))
      const to = Math.max(...mine.map((c) => c.offset + c.length))
      try {
        await cover(dir, from, to)
      } catch {
        // No messages to mark (the connection is gone, or the engine has none): the chunks show as they are.
        return
      }
      if (framing.value === 'none') return
    }
  }

  /** The messages that start in chunk `c`, as far as the pages here say; empty without a framing. */
  function startsIn(c: ChunkRef): ChunkStart[] {
    void version.value
    if (framing.value === undefined || framing.value === 'none') return []
    const out: ChunkStart[] = []
    const end = c.offset + c.length
    for (const pg of sides[c.dir].pages.values()) {
      for (let i = lowerBound(pg.offsets, c.offset); i < pg.offsets.length && pg.offsets[i] < end; i++) {
        out.push({ at: pg.offsets[i] - c.offset, index: pg.indexes[i] })
      }
    }
    return out.sort((a, b) => a.at - b.at || a.index - b.index)
  }

  /** The connection grew (live): the last page of each side and the totals are read again when asked. */
  function grew(): void {
    for (const side of Object.values(sides)) {
      if (side.total === undefined) continue
      // Page 0 says the total again.
      side.pages.delete(0)
      side.pages.delete(Math.max(0, Math.ceil(side.total / STARTS_PAGE) - 1))
      side.total = undefined
    }
    if (framing.value === 'none') framing.value = undefined
  }

  return { framing, ensure, startsIn, reset, grew }
}

/** The first position in ascending `xs` holding `x` or more. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
