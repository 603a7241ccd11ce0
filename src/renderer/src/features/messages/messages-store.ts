// What the Messages tab shows of the selected connection: its messages as the engine cut them
// (msg.page, paged as rows come on screen, filtered by the engine), the framing used and where
// it came from, and the chosen message read again with its field tree. A live connection's
// list is read again when the engine says it changed. "Decode as…" (frame.set) is here too:
// the dialog that asks for a framing is opened from the tab and from the connection list's
// context menu, for any connection.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ConnectionSummary } from '../../../../shared/capture-types'
import type { MessagePage, StreamMessage } from '../../../../shared/message-types'
import type { ByteRange, DecodeProblem } from '../../../../shared/protocol-types'
import { pagedList, type PagedList } from '../../ui/list/paged-list'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** Rows a page holds (the contract allows up to MESSAGE_MAX_PAGE). */
const PAGE = 200
const PAGES_KEPT = 6

export type FramingSource = MessagePage['source']

/** The connection a "Decode as…" dialog is open for. */
export interface DecodeAsTarget {
  capture: string
  conn: ConnectionSummary
  /** The framing in use, to start the form from, and where it came from. */
  framing?: string
  source?: FramingSource
}

export const useMessagesStore = defineStore('messages', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()

  /** The connection the list belongs to (`capture:id`), so an answer for another is dropped. */
  const key = computed(() => (selection.connId === undefined ? undefined : `${selection.capture}:${selection.connId}`))
  /** The filter words, as msg.page takes them. */
  const filter = ref('')
  const list = shallowRef<PagedList<StreamMessage>>()
  /** What the latest page said. */
  const framing = ref<string>()
  const source = ref<FramingSource>()
  const of = ref(0)
  const problems = shallowRef<DecodeProblem[]>([])
  /** The row chosen (its position in the list as filtered). */
  const selected = ref<number>()
  /** The message shown below the list, read with its fields. */
  const current = shallowRef<StreamMessage>()
  const currentError = ref<string>()
  /** The field chosen in the tree: its bytes in the stream. */
  const fieldRange = shallowRef<ByteRange>()
  /** The connection "Decode as…" is open for. */
  const decodeAs = shallowRef<DecodeAsTarget>()

  /** The list of the selected connection under the filter, made once per connection, filter and framing. */
  function open(): PagedList<StreamMessage> | undefined {
    if (key.value === undefined) return undefined
    if (!list.value) {
      const at = key.value
      const where = { capture: selection.capture, connId: selection.connId! }
      const words = filter.value.trim()
      list.value = pagedList<StreamMessage>(
        async (from, limit) => {
          const page = await engine.call('msg.page', { ...where, from, limit, ...(words ? { filter: words } : {}) })
          if (key.value === at) {
            framing.value = page.framing
            source.value = page.source
            of.value = page.of
            problems.value = page.problems
          }
          return { total: page.total, items: page.messages }
        },
        { pageSize: PAGE, maxPages: PAGES_KEPT }
      )
    }
    return list.value
  }

  /** Why the engine refused the filter (its one line), when it did. */
  const filterError = computed(() => (filter.value.trim() ? list.value?.error.value : undefined))

  /**
   * Whether two rows are one message: by where it starts, not its index. A live connection's
   * messages are numbered again when one in error, kept last while the stream is open, moves
   * to its place in time as it ends: an index then names the next message.
   */
  const sameMessage = (a: StreamMessage | undefined, b: StreamMessage): boolean => a !== undefined && a.index === b.index && a.dir === b.dir && a.range.offset === b.range.offset

  let reading = 0
  /** Reads message `m` again with its fields, to show below the list. */
  async function readCurrent(m: StreamMessage, position: number | undefined): Promise<void> {
    const run = ++reading
    current.value = m
    currentError.value = undefined
    if (key.value === undefined) return
    const words = filter.value.trim()
    // A row of the list is read at its place in the list as filtered; a pair that may not pass
    // the filter, at its place among all the connection's messages (its index).
    const args = position !== undefined && words ? { from: position, filter: words } : { from: m.index }
    try {
      const page = await engine.call('msg.page', { capture: selection.capture, connId: selection.connId!, ...args, limit: 1, fields: true })
      if (run !== reading) return
      const got = page.messages[0]
      if (got && sameMessage(got, m)) current.value = got
    } catch (err) {
      if (run === reading) currentError.value = (err as Error).message
    }
  }

  /** Chooses row `i`: it is shown below with its fields, and its bytes in every byte view. */
  function choose(i: number): void {
    const m = list.value?.item(i)
    selected.value = i
    fieldRange.value = undefined
    if (!m) return
    selection.showRange(m.range)
    void readCurrent(m, i)
  }

  /**
   * Shows message `index` of the connection (a pair link): chosen in the list where its place is
   * known (no filter: its place is its index), else shown below with no row chosen.
   */
  async function goTo(index: number): Promise<void> {
    if (!filter.value.trim() && list.value && index < list.value.total.value) {
      if (!list.value.item(index)) {
        list.value.show(index, index + 1)
        await list.value.refresh()
      }
      if (list.value.item(index)) {
        choose(index)
        return
      }
    }
    if (key.value === undefined) return
    const page = await engine.call('msg.page', { capture: selection.capture, connId: selection.connId!, from: index, limit: 1, fields: true })
    const m = page.messages[0]
    if (!m) return
    selected.value = undefined
    fieldRange.value = undefined
    selection.showRange(m.range)
    current.value = m
  }

  /** Shows a field's bytes (in the stream) in every byte view, and marks them below. */
  function showField(r: ByteRange): void {
    fieldRange.value = r
    selection.showRange(r)
  }

  function resetList(): void {
    list.value = undefined
    selected.value = undefined
    current.value = undefined
    currentError.value = undefined
    fieldRange.value = undefined
    reading++
  }

  function reset(): void {
    resetList()
    framing.value = undefined
    source.value = undefined
    of.value = 0
    problems.value = []
  }

  /**
   * Opens "Decode as…" for connection `conn` of `capture`, starting from the framing it has
   * (the selected one's is known here; another's is asked for, in one message's page).
   */
  async function askDecodeAs(capture: string, conn: ConnectionSummary): Promise<void> {
    const same = capture === selection.capture && conn.id === selection.connId
    if (same && framing.value !== undefined) {
      decodeAs.value = { capture, conn, framing: framing.value, source: source.value }
      return
    }
    const page = await engine.call('msg.page', { capture, connId: conn.id, limit: 1 }).catch(() => undefined)
    decodeAs.value = { capture, conn, ...(page ? { framing: page.framing, source: page.source } : {}) }
  }

  /**
   * Decodes connection `connId` as `frame` ('' : back to what its owner or its bytes say), and
   * with `owner`, every connection of its proxy or session; then shows its messages.
   */
  async function applyFraming(capture: string, connId: number, frame: string, owner: boolean): Promise<string> {
    const done = await engine.call('frame.set', { capture, connId, frame, ...(owner ? { owner: true } : {}) })
    if (capture === selection.capture && connId === selection.connId) reset()
    await selection.showConnection(capture, connId)
    selection.tab = 'messages'
    void selection.refreshConn()
    return done.framing
  }

  watch(key, reset)
  watch(filter, resetList)
  // A row chosen by a key before its page came (Page Down, End on a long list): shown when it comes;
  // and a row that holds another message once the list is read again (numbered again), that one.
  watch(
    () => (selected.value === undefined ? undefined : list.value?.item(selected.value)),
    (m) => {
      if (m && selected.value !== undefined && !sameMessage(current.value, m)) choose(selected.value)
    }
  )
  // A live connection grows: its list is read again (the chosen message stays chosen).
  watch(
    () => engine.changedConns,
    (changed) => {
      if (selection.capture !== 'live' || selection.connId === undefined || !changed.has(selection.connId)) return
      void list.value?.refresh()
    }
  )

  return {
    filter,
    list,
    framing,
    source,
    of,
    problems,
    selected,
    current,
    currentError,
    fieldRange,
    filterError,
    decodeAs,
    open,
    choose,
    goTo,
    showField,
    askDecodeAs,
    applyFraming
  }
})
