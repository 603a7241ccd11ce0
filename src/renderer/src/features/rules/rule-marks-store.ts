// Which HTTP exchanges a traffic rule mocked, rewrote or forwarded (or a person edited at a
// breakpoint), for the connections a view shows (the exchange list's rows on screen, the HTTP
// view's connection): each connection's first events are read once, and its exchanges only
// when it has a `rule` record or a breakpoint's edit. A live connection that changes is read
// again, at most twice a second. Bounded: the marks of the most recently asked connections
// are kept. An edit opens as forwarded, so its mark also holds the forwarded message's body,
// read from the engine (http.delivered) once per edit: a person makes each, they are few. The
// HTTP view, opening that exchange as forwarded, takes the same read (deliveredOfEdit) rather
// than asking the engine a second time.

import { defineStore } from 'pinia'
import { ref, shallowReactive, watch } from 'vue'
import type { DeliveredView } from '../../../../shared/delivered-types'
import { MAX_DECODED_PAGE } from '../../../../shared/limits'
import type { HttpExchange } from '../../../../shared/protocol-types'
import { useEngineStore } from '../../platform/engine-store'
import { changesDelivery, exchangeRuleMarks, type ExchangeRuleMark } from './rule-marks'

/** Events of a connection looked at: its rule records past them are not found (a bound, not a sample). */
const EVENTS_READ = 2000
/** Connections whose marks are kept. */
const KEPT = 500
/** A live connection's marks are read again at most this often while it changes. */
const AGAIN_MS = 500

/** Edits whose delivered view is kept. */
const EDITS_KEPT = 64

const keyOf = (capture: string, connId: number): string => `${capture}:${connId}`

/**
 * What an edit's delivered view was read from: its record, and how far its exchange had got
 * (a live exchange's response may arrive after its request's edit, and is then read again).
 */
const editVersion = (mark: ExchangeRuleMark, x: HttpExchange | undefined): string =>
  `${mark.event.seq}:${x?.state}:${x?.request?.endedAt}:${x?.informational.length}:${x?.response?.endedAt}`

export const useRuleMarksStore = defineStore('ruleMarks', () => {
  const engine = useEngineStore()
  const marks = shallowReactive(new Map<string, ReadonlyMap<number, ExchangeRuleMark>>())
  /** Moves when some connection's marks were found: lists whose rows are drawn once redraw them. */
  const version = ref(0)
  const reading = new Set<string>()
  const again = new Set<number>()
  let timer: ReturnType<typeof setTimeout> | undefined
  /** An edit's delivered view, by exchange: one read shared by its row's size and the HTTP view. */
  const editReads = new Map<string, { version: string; read: Promise<DeliveredView> }>()

  /** An edited exchange's delivered view (http.delivered), read once while its edit and its exchange stay the same. */
  function deliveredOfEdit(capture: string, connId: number, x: HttpExchange | undefined, index: number, mark: ExchangeRuleMark): Promise<DeliveredView> {
    const key = `${keyOf(capture, connId)}:${index}`
    const version = editVersion(mark, x)
    const had = editReads.get(key)
    if (had?.version === version) return had.read
    const read = engine.call('http.delivered', { capture, connId, exchange: index })
    editReads.delete(key)
    editReads.set(key, { version, read })
    while (editReads.size > EDITS_KEPT) editReads.delete(editReads.keys().next().value!)
    // A read that failed is not kept: the next one asks again.
    read.catch(() => {
      if (editReads.get(key)?.read === read) editReads.delete(key)
    })
    return read
  }

  async function read(capture: string, connId: number): Promise<void> {
    const key = keyOf(capture, connId)
    if (reading.has(key)) return
    reading.add(key)
    try {
      const page = await engine.call('conn.events', { capture, connId, from: 0, limit: EVENTS_READ })
      let found: ReadonlyMap<number, ExchangeRuleMark> = new Map()
      const had = marks.get(key)
      if (page.events.some(changesDelivery)) {
        const xs = await engine.call('http.exchanges', { capture, connId, from: 0, limit: MAX_DECODED_PAGE })
        found = exchangeRuleMarks(page.events, xs.exchanges)
        await readForwarded(capture, connId, found, had, xs.exchanges)
      }
      marks.delete(key)
      marks.set(key, found)
      while (marks.size > KEPT) marks.delete(marks.keys().next().value!)
      if (found.size || had?.size) version.value++
    } catch {
      // Not there (a closed capture, a connection not decoded as HTTP): nothing to mark.
      marks.set(key, new Map())
    } finally {
      reading.delete(key)
    }
  }

  /** The body each edit forwarded, kept from the last read where its record is the same. */
  async function readForwarded(
    capture: string,
    connId: number,
    found: ReadonlyMap<number, ExchangeRuleMark>,
    had: ReadonlyMap<number, ExchangeRuleMark> | undefined,
    exchanges: readonly HttpExchange[]
  ): Promise<void> {
    for (const [index, mark] of found) {
      if (mark.kind !== 'edited') continue
      const before = had?.get(index)
      if (before?.forwarded && before.event.seq === mark.event.seq) {
        mark.forwarded = before.forwarded
        continue
      }
      try {
        const d = await deliveredOfEdit(capture, connId, exchanges.find((x) => x.index === index), index, mark)
        // The part the edit changed: its record is in its sender's direction.
        const part = mark.event.dir === 'server' ? d.response : d.request
        if (part) mark.forwarded = part.message.body
      } catch {
        // Not read: the row shows the size sent, as before the edit was known.
      }
    }
  }

  /** The connections a view shows: those not read yet are read. */
  function want(capture: string, connIds: Iterable<number>): void {
    for (const id of connIds) if (!marks.has(keyOf(capture, id))) void read(capture, id)
  }

  const of = (capture: string, connId: number, index: number): ExchangeRuleMark | undefined => marks.get(keyOf(capture, connId))?.get(index)

  // A live connection's rule record comes with its bytes: what is shown is read again.
  watch(
    () => engine.changedConns,
    (changed) => {
      for (const id of changed) if (marks.has(keyOf('live', id))) again.add(id)
      if (again.size === 0 || timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        const ids = [...again]
        again.clear()
        for (const id of ids) void read('live', id)
      }, AGAIN_MS)
    }
  )

  return { version, want, of, deliveredOfEdit }
})
