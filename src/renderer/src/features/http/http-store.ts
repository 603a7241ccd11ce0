// What the HTTP and WebSocket views show of the selected connection: its exchanges and
// messages as the engine decoded them (paged, so a keep-alive connection of thousands opens
// at once), the bodies and payloads read by pieces (the first bytes, then more when asked),
// and the raw heads. A live connection's lists and unfinished bodies are read again when the
// engine says it changed. Bytes are kept for a few bodies only, in shallow refs.

import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowReactive, shallowRef, watch } from 'vue'
import type { BodyPiece, ByteRange, DecodeProblem, HttpExchange, Protocol, WsMessage } from '../../../../shared/protocol-types'
import { PRETTY_MAX } from '../../../../shared/limits'
import { pagedList, type PagedList } from '../../ui/list/paged-list'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'
import type { BodyHandle, BodyState } from './shown-message'

/** Rows a page of exchanges or messages holds (the contract allows up to MAX_DECODED_PAGE). */
const PAGE = 200
const PAGES_KEPT = 6
/** The first piece of a body read when it is shown, and each "load more" after it. */
export const FIRST_PIECE = 64 * 1024
export const MORE_PIECE = 1024 * 1024
/** A body that must be whole to be shown (JSON, an image, a form) is read whole up to this: the pretty view's bound (limits.ts). */
export const WHOLE_MAX = PRETTY_MAX
/**
 * A body's bytes kept at most, however often "load more" is asked (the viewers draw them a
 * page a task, viewers/run-pages.ts); the hex view pages through any length.
 */
export const SHOWN_MAX = 4 * 1024 * 1024
/** A raw head read at most (heads of more are cut; the hex view has the rest). */
export const HEAD_MAX = 64 * 1024
/** Bodies, payloads and heads kept; the least recently used go first. */
const KEPT = 6

export type BodyPart = 'request' | 'response'

export type { BodyState }

type ReadPiece = (offset: number, length: number) => Promise<BodyPiece>

/** A small LRU of what was read, reactive by key; `onDrop` hears of each key it lets go. */
function keptMap<V>(onDrop: (key: string) => void = () => {}) {
  const map = shallowReactive(new Map<string, V>())
  return {
    get: (key: string): V | undefined => map.get(key),
    set(key: string, value: V): void {
      map.delete(key)
      map.set(key, markRaw(value as object) as V)
      while (map.size > KEPT) {
        const oldest = map.keys().next().value!
        map.delete(oldest)
        onDrop(oldest)
      }
    },
    clear(): void {
      for (const key of map.keys()) onDrop(key)
      map.clear()
    },
    keys: (): string[] => [...map.keys()]
  }
}

/** What the engine says of the body (its type, the pretty view, a cut), kept from earlier pieces when this one is silent. */
const describedBy = (piece: BodyPiece, before: BodyState): Pick<BodyState, 'type' | 'pretty' | 'cut' | 'note'> => ({
  type: piece.type ?? before.type,
  pretty: piece.pretty ?? before.pretty,
  cut: piece.cut ?? before.cut,
  note: piece.note ?? before.note
})

const joined = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

export const useHttpStore = defineStore('http', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()

  /** The connection the lists belong to (`capture:id`), so an answer for another is dropped. */
  const key = computed(() => (selection.connId === undefined ? undefined : `${selection.capture}:${selection.connId}`))
  /** The selected connection as commands name it; taken once per reader, so a late answer asks about the connection it was for. */
  const ids = (): { capture: string; connId: number } => ({ capture: selection.capture, connId: selection.connId! })

  const exchanges = shallowRef<PagedList<HttpExchange>>()
  const messages = shallowRef<PagedList<WsMessage>>()
  /** What the latest page said: the protocol, and where decoding met a problem. */
  const protocol = ref<Protocol>()
  const problems = shallowRef<DecodeProblem[]>([])
  const wsProblems = shallowRef<DecodeProblem[]>([])
  /** The WebSocket message the view shows (its index on the connection). */
  const message = ref<number>()

  /** How each body kept is read, so a live one can be read on from where it stopped. */
  const readers = new Map<string, ReadPiece>()
  const bodies = keptMap<BodyState>((k) => readers.delete(k))
  const heads = keptMap<{ bytes?: Uint8Array; error?: string }>()

  function openExchanges(): PagedList<HttpExchange> | undefined {
    if (key.value === undefined) return undefined
    if (!exchanges.value) {
      const at = key.value
      const where = ids()
      exchanges.value = pagedList<HttpExchange>(
        async (from, limit) => {
          const page = await engine.call('http.exchanges', { ...where, from, limit })
          if (key.value === at) {
            protocol.value = page.protocol
            problems.value = page.problems
          }
          return { total: page.total, items: page.exchanges }
        },
        { pageSize: PAGE, maxPages: PAGES_KEPT }
      )
    }
    return exchanges.value
  }

  function openMessages(): PagedList<WsMessage> | undefined {
    if (key.value === undefined) return undefined
    if (!messages.value) {
      const at = key.value
      const where = ids()
      messages.value = pagedList<WsMessage>(
        async (from, limit) => {
          const page = await engine.call('ws.messages', { ...where, from, limit })
          if (key.value === at) wsProblems.value = page.problems
          return { total: page.total, items: page.messages }
        },
        { pageSize: PAGE, maxPages: PAGES_KEPT }
      )
    }
    return messages.value
  }

  /** The exchange the HTTP view shows: the one selected, else the first. */
  const exchangeIndex = computed(() => selection.exchange ?? 0)

  function selectExchange(index: number): void {
    selection.exchange = index
  }

  function selectMessage(index: number): void {
    message.value = index
  }

  // ---- bodies and payloads, by pieces

  const bodyKey = (index: number, part: BodyPart, decode: boolean): string => `${key.value}:x${index}:${part}:${decode ? 'd' : 'r'}`
  const payloadKey = (index: number): string => `${key.value}:m${index}`

  async function readMore(k: string, read: ReadPiece, length: number, whole: boolean): Promise<void> {
    readers.set(k, read)
    const before = bodies.get(k) ?? { bytes: new Uint8Array(0), end: false, decoded: [], loading: false }
    if (before.loading || before.end || before.capped || before.cut) return
    bodies.set(k, { ...before, loading: true, error: undefined })
    let state = before
    try {
      let want = length
      do {
        const at = state.bytes.length
        const need = whole ? Math.max(want, WHOLE_MAX - at) : want
        const asked = Math.min(MORE_PIECE, need, SHOWN_MAX - at)
        const piece = await read(at, asked)
        const bytes = joined(state.bytes, piece.bytes)
        // A piece short of what was asked that says no end: the capture holds no more of it,
        // cut off by a reset, or not arrived yet (live: read on when the connection grows).
        // "Load more" found nothing more there.
        const allRecorded = !piece.end && piece.bytes.length < asked && !piece.problem && !piece.cut
        const capped = !piece.end && bytes.length >= SHOWN_MAX
        state = { ...describedBy(piece, state), bytes, total: piece.total, end: piece.end, capped, allRecorded, decoded: piece.decoded, problem: piece.problem, loading: false }
        want -= piece.bytes.length
        // A cut body has nothing past the cut: the engine said so with this piece.
        if (allRecorded || piece.problem || piece.cut) break
      } while (!state.end && !state.capped && (want > 0 || (whole && state.bytes.length < WHOLE_MAX)))
      if (bodies.get(k)) bodies.set(k, state)
    } catch (err) {
      if (bodies.get(k)) bodies.set(k, { ...state, loading: false, error: (err as Error).message })
    }
  }

  /** The body as read so far (undefined until asked for with `loadBody`). */
  const body = (index: number, part: BodyPart, decode = true): BodyState | undefined => bodies.get(bodyKey(index, part, decode))

  /**
   * Reads the body's first piece (or, `whole`, all of it up to WHOLE_MAX), unless it is here
   * or on its way; `more` reads the next piece of one already shown.
   */
  function loadBody(index: number, part: BodyPart, opts: { whole?: boolean; more?: boolean; decode?: boolean } = {}): Promise<void> {
    const decode = opts.decode ?? true
    const k = bodyKey(index, part, decode)
    const had = bodies.get(k)
    if (had && !opts.more && !(opts.whole && !had.end && had.bytes.length < WHOLE_MAX)) return Promise.resolve()
    const where = ids()
    const read: ReadPiece = (offset, length) => engine.call('http.body', { ...where, exchange: index, part, decode, offset, length })
    return readMore(k, read, had ? MORE_PIECE : FIRST_PIECE, !!opts.whole)
  }

  /** The body as the HTTP viewers read it (shown-message.ts). */
  const bodyHandle = (index: number, part: BodyPart): BodyHandle => ({
    state: (decode) => body(index, part, decode),
    load: (opts) => loadBody(index, part, opts)
  })

  const payload = (index: number): BodyState | undefined => bodies.get(payloadKey(index))

  function loadPayload(index: number, opts: { more?: boolean } = {}): Promise<void> {
    const k = payloadKey(index)
    const had = bodies.get(k)
    if (had && !opts.more) return Promise.resolve()
    const where = ids()
    const read: ReadPiece = (offset, length) => engine.call('ws.payload', { ...where, message: index, offset, length })
    return readMore(k, read, had ? MORE_PIECE : FIRST_PIECE, false)
  }

  // ---- raw heads

  const headKey = (r: ByteRange): string => `${key.value}:${r.dir}:${r.offset}:${r.length}`
  const head = (r: ByteRange): { bytes?: Uint8Array; error?: string } | undefined => heads.get(headKey(r))

  async function loadHead(r: ByteRange): Promise<void> {
    const k = headKey(r)
    if (heads.get(k)) return
    heads.set(k, {})
    try {
      const bytes = await engine.call('conn.read', { ...ids(), dir: r.dir, offset: r.offset, length: Math.min(r.length, HEAD_MAX) })
      if (heads.get(k)) heads.set(k, { bytes })
    } catch (err) {
      if (heads.get(k)) heads.set(k, { error: (err as Error).message })
    }
  }

  /** Shows a range of the connection's bytes in every view (the hex view highlights it). */
  function showBytes(r: ByteRange): void {
    selection.showRange({ dir: r.dir, offset: r.offset, length: r.length })
  }

  function reset(): void {
    exchanges.value = undefined
    messages.value = undefined
    protocol.value = undefined
    problems.value = []
    wsProblems.value = []
    message.value = undefined
    bodies.clear()
    heads.clear()
  }
  watch(key, reset)

  // A live connection grows: its lists are read again, and a body that had not ended is read
  // on from where it stopped.
  watch(
    () => engine.changedConns,
    (changed) => {
      if (selection.capture !== 'live' || selection.connId === undefined || !changed.has(selection.connId)) return
      void exchanges.value?.refresh()
      void messages.value?.refresh()
      for (const k of bodies.keys()) {
        const b = bodies.get(k)
        if (b && !b.end && !b.capped && !b.loading && !b.problem && !b.cut) {
          void readMore(k, readers.get(k)!, MORE_PIECE, false)
        }
      }
    }
  )

  return {
    exchanges,
    messages,
    protocol,
    problems,
    wsProblems,
    message,
    exchangeIndex,
    openExchanges,
    openMessages,
    selectExchange,
    selectMessage,
    body,
    loadBody,
    bodyHandle,
    payload,
    loadPayload,
    head,
    loadHead,
    showBytes
  }
})
