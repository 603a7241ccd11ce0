// Find in the selected connection's bytes: text in the text view's encoding, hex bytes, or
// a regular expression, searched by the engine over the whole direction on screen (bytes
// stay in the engine), forward or backward from the selection, starting again from the
// other end once; a match becomes the shared selection, which every view shows.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { SearchPattern } from '../../../../shared/contract'
import type { Direction, MatchList } from '../../../../shared/capture-types'
import { parseHex } from '../../../../shared/payload/parse-hex'
import type { Transport } from '../../platform/transport'
import { SEARCH_ENCODING } from '../bytes/encodings'
import { useStreamEncoding } from '../bytes/useStreamEncoding'
import { streamLength } from '../bytes/byte-pages-store'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

export const FIND_MODES = ['text', 'hex', 'regex'] as const
export type FindMode = (typeof FIND_MODES)[number]

export type FindState =
  | { kind: 'idle' }
  | { kind: 'searching'; dir: Direction }
  | {
      kind: 'found'
      offset: number
      length: number
      wrapped: boolean
      /** Which match this is (1-based) of how many, once the engine has counted them. */
      index?: number
      count?: number
      /** False: there are at least `count` (the engine stopped counting). */
      complete?: boolean
    }
  | { kind: 'not-found'; dir: Direction }
  | { kind: 'cancelled' }
  | { kind: 'no-connection' }
  | { kind: 'error'; message: string }

export const useFindStore = defineStore('find', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  const encoding = useStreamEncoding()

  const open = ref(false)
  const mode = ref<FindMode>('text')
  const query = ref('')
  const state = shallowRef<FindState>({ kind: 'idle' })
  /** Moves each time the bar is asked for, so it takes the focus even when already open. */
  const focusRequest = ref(0)
  let running: AbortController | undefined
  /** The matches of the last pattern counted, to say "k of N" without counting again. */
  let counted: { key: string; list: Promise<MatchList> } | undefined
  let counting: AbortController | undefined

  /** Why the hex pattern is not hex, as the engine would say it. */
  const hexError = computed(() => {
    if (mode.value !== 'hex' || !query.value.trim()) return undefined
    try {
      parseHex(query.value)
      return undefined
    } catch (err) {
      return (err as Error).message
    }
  })

  function pattern(): SearchPattern {
    const enc = encoding.value
    if (mode.value === 'hex') return { kind: 'hex', value: query.value }
    // The engine runs a regular expression over UTF-8 or Latin-1 (one character a byte).
    if (mode.value === 'regex') return { kind: 'regex', value: query.value, encoding: enc === 'utf-8' ? 'utf8' : 'latin1' }
    return { kind: 'text', value: query.value, encoding: SEARCH_ENCODING[enc] }
  }

  function show(): void {
    open.value = true
    focusRequest.value++
  }

  function hide(): void {
    cancel()
    open.value = false
    state.value = { kind: 'idle' }
  }

  function cancel(): void {
    if (!running) return
    running.abort()
    running = undefined
    state.value = { kind: 'cancelled' }
  }

  /** Searches from the selection (or the start, or the end, going backward). */
  async function next(backward = false): Promise<void> {
    if (!open.value || !query.value) return show()
    if (hexError.value) return
    cancel()
    const abort = new AbortController()
    running = abort
    state.value = { kind: 'searching', dir: selection.dir }
    const conn = await selection.loadedConn()
    // Another connection was selected, or another search started, while this one waited.
    if (running !== abort) return
    const t = engine.transport
    if (!t || !conn) {
      running = undefined
      state.value = { kind: 'no-connection' }
      return
    }
    const dir = selection.dir
    const total = streamLength(conn, dir)
    const here = selection.range?.dir === dir ? selection.range : undefined
    // From just after the selection's start (or before its end): the next match may overlap it.
    const from = here ? (backward ? here.offset + here.length - 1 : here.offset + 1) : backward ? total : 0
    const args = { capture: selection.capture, connId: conn.id, dir, pattern: pattern(), backward }
    try {
      let r = await t.call('conn.search', { ...args, from }, { signal: abort.signal })
      let wrapped = false
      const again = backward ? from < total : from > 0
      if (!r.found && again && !abort.signal.aborted) {
        r = await t.call('conn.search', { ...args, from: backward ? total : 0 }, { signal: abort.signal })
        wrapped = true
      }
      if (running !== abort) return
      if (!r.found) state.value = { kind: 'not-found', dir }
      else {
        const found: FindState = { kind: 'found', offset: r.offset, length: r.length, wrapped }
        state.value = found
        selection.showRange({ dir, offset: r.offset, length: r.length })
        void sayWhichMatch(t, found, args, total)
      }
    } catch (err) {
      if (running !== abort) return
      state.value = { kind: 'error', message: (err as Error).message }
    } finally {
      if (running === abort) running = undefined
    }
  }

  /**
   * Adds "k of N" to a match once the engine has counted every match of the pattern in the
   * direction (once per pattern and stream length); a count that fails leaves the match as it is.
   */
  async function sayWhichMatch(t: Transport, found: FindState & { kind: 'found' }, args: { capture: string; connId: number; dir: Direction; pattern: SearchPattern }, total: number): Promise<void> {
    const key = JSON.stringify([args.capture, args.connId, args.dir, args.pattern, total])
    if (counted?.key !== key) {
      counting?.abort()
      counting = new AbortController()
      const { capture, connId, dir, pattern } = args
      counted = { key, list: t.call('conn.matches', { capture, connId, dir, pattern }, { signal: counting.signal }) }
    }
    const mine = counted
    try {
      const list = await mine.list
      const index = list.offsets.indexOf(found.offset)
      if (state.value === found && index >= 0) state.value = { ...found, index: index + 1, count: list.offsets.length, complete: list.complete }
    } catch {
      // Not kept: the next find counts again.
      if (counted === mine) counted = undefined
    }
  }

  // Another connection (or capture): what the bar said was about the one before. Two sources,
  // each compared by value: one getter returning [capture, id] made a new array each time, so
  // the selected connection's summary refetched (it grew, a live one) also wiped the bar, and
  // under load a match's "k of N" could be gone before anyone read it. The id selected, not
  // the summary's: a summary arriving after a search began is the same connection.
  watch(
    [() => selection.capture, () => selection.connId],
    () => {
      if (running) {
        running.abort()
        running = undefined
      }
      counting?.abort()
      counted = undefined
      state.value = { kind: 'idle' }
    },
    // At once: a search asked for right after a selection (in the same task) is about the new one.
    { flush: 'sync' }
  )

  return { open, mode, query, state, focusRequest, hexError, show, hide, cancel, next }
})
