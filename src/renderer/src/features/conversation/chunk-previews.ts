// The text of the data chunks a conversation shows: the first bytes of each chunk on screen
// (folded to a few lines), more of one when asked, read from the engine by range and kept
// for a bounded number of chunks. Text is made once per chunk and encoding, not per render.

import { markRaw, shallowReactive } from 'vue'
import type { Direction } from '../../../../shared/capture-types'
import type { TextEncodingName } from '../bytes/encodings'
import { visibleHex } from '../bytes/hex/visible-hex'
import { visibleText, type VisibleText } from '../bytes/text/visible-text'

/** How a chunk is shown: as text in an encoding, or as hex rows. */
export type ChunkLook = TextEncodingName | 'hex'

/** What a folded chunk shows at most. */
export const FOLD_BYTES = 1024
export const FOLD_LINES = 8
/** "Show more" reads this many times as much each time, up to SHOW_MAX. */
const GROWTH = 16
/** The most of one chunk the conversation shows; the hex and text views show any range. */
export const SHOW_MAX = 256 * 1024
/** Chunks kept; the least recently shown go first. */
const KEPT = 400

export interface ChunkRef {
  dir: Direction
  offset: number
  length: number
}

export interface ChunkPreview {
  /** Bytes from the chunk's start, as many as were asked for so far. */
  bytes?: Uint8Array
  /** Bytes asked for (a read may be on its way). */
  want: number
  expanded: boolean
  error?: string
  /** The text made of `bytes`, for `look`. */
  text?: { look: ChunkLook; view: VisibleText; from: Uint8Array; cuts: string }
}

export interface ShownChunk {
  view: VisibleText
  /** Bytes the text was made of (from the chunk's start). */
  bytes: number
  more: boolean
  expanded: boolean
}

export type ReadRange = (dir: Direction, offset: number, length: number) => Promise<Uint8Array>

export const chunkKey = (c: ChunkRef): string => `${c.dir}:${c.offset}`

export function chunkPreviews(read: ReadRange) {
  const entries = shallowReactive(new Map<string, ChunkPreview>())

  function store(key: string, p: ChunkPreview): void {
    entries.delete(key)
    entries.set(key, markRaw(p))
    while (entries.size > KEPT) entries.delete(entries.keys().next().value!)
  }

  async function load(c: ChunkRef, want: number, expanded: boolean): Promise<void> {
    const key = chunkKey(c)
    const before = entries.get(key)
    store(key, { ...before, want, expanded, error: undefined })
    try {
      const bytes = await read(c.dir, c.offset, want)
      const now = entries.get(key)
      if (now?.want === want) store(key, { ...now, bytes, text: undefined })
    } catch (err) {
      const now = entries.get(key)
      if (now?.want === want) store(key, { ...now, error: (err as Error).message })
    }
  }

  /** Reads the chunk's first bytes, unless they are here or on their way. */
  function ensure(c: ChunkRef): void {
    const p = entries.get(chunkKey(c))
    if (p === undefined) void load(c, Math.min(c.length, FOLD_BYTES), false)
  }

  /**
   * The chunk's text as shown (folded, or as much as was read), how many bytes it was made
   * of, and whether there is more to show; undefined until its bytes are here. A run starts
   * at each of `cuts` (bytes from the chunk's start, ascending: where messages start).
   */
  function text(c: ChunkRef, look: ChunkLook, cuts: readonly number[] = []): ShownChunk | { error: string } | undefined {
    const p = entries.get(chunkKey(c))
    if (p?.error !== undefined) return { error: p.error }
    if (!p?.bytes) return undefined
    const shown = p.expanded ? p.bytes : p.bytes.subarray(0, FOLD_BYTES)
    const cutKey = cuts.join(',')
    if (p.text?.look !== look || p.text.from !== p.bytes || p.text.cuts !== cutKey) {
      const lines = p.expanded ? Infinity : FOLD_LINES
      const view = look === 'hex' ? visibleHex(shown, lines, undefined, cuts) : visibleText(shown, look, lines, cuts)
      p.text = { look, view, from: p.bytes, cuts: cutKey }
    }
    const view = p.text.view
    const more = p.expanded ? p.bytes.length < Math.min(c.length, SHOW_MAX) : view.cut || c.length > shown.length
    return { view, more, bytes: shown.length, expanded: p.expanded }
  }

  /** Shows more of the chunk: every line of what is read, then more bytes each time. */
  function more(c: ChunkRef): void {
    const p = entries.get(chunkKey(c)) ?? { want: 0, expanded: false }
    const want = p.expanded || c.length <= FOLD_BYTES ? Math.min(c.length, SHOW_MAX, Math.max(p.want, FOLD_BYTES) * GROWTH) : Math.min(c.length, FOLD_BYTES * GROWTH)
    if (want === p.want && p.bytes) store(chunkKey(c), { ...p, expanded: true, text: undefined })
    else void load(c, want, true)
  }

  const expanded = (c: ChunkRef): boolean => entries.get(chunkKey(c))?.expanded === true

  /** Folds the chunk again (keeping what was read). */
  function fold(c: ChunkRef): void {
    const p = entries.get(chunkKey(c))
    if (p) store(chunkKey(c), { ...p, expanded: false, text: undefined })
  }

  return { ensure, text, more, fold, expanded }
}
