// The selected connection's bytes as the byte views read them: one page cache shared by the
// hex and text views (page-cache.ts), dropped when another connection or capture is
// selected, and the stream on screen (the views' direction, as sent or as delivered) with its
// length, which grows while the connection is live.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ConnectionSummary, Direction } from '../../../../shared/capture-types'
import { PageCache, type StreamRef } from './page-cache'
import { useEngineStore } from '../../platform/engine-store'
import { useDeliveredBytesStore } from './delivered-bytes-store'
import { useSelectionStore } from '../connections/selection-store'

/** Bytes of `dir` that can be read: what was recorded, where recording stopped early. */
export const streamLength = (c: ConnectionSummary, dir: Direction): number => c.recorded?.[dir] ?? c.bytes[dir]

export interface Stream extends StreamRef {
  total: number
}

type Caller = Pick<ReturnType<typeof useEngineStore>, 'call'>

/** Bytes of a stream as the byte views read it: as sent (conn.read) or as delivered (conn.delivered.read). */
export function readStream(engine: Caller, s: StreamRef, offset: number, length: number): Promise<Uint8Array> {
  const args = { capture: s.capture, connId: s.connId, dir: s.dir, offset, length }
  return s.delivered ? engine.call('conn.delivered.read', args) : engine.call('conn.read', args)
}

export const useBytePagesStore = defineStore('bytePages', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  const delivered = useDeliveredBytesStore()
  /** Moves when a page arrives, so what was drawn from the cache is drawn again. */
  const version = ref(0)
  const error = shallowRef<string>()

  const cache = new PageCache(
    (s, offset, length) => readStream(engine, s, offset, length),
    { onPage: () => version.value++ }
  )

  const stream = computed<Stream | undefined>(() => {
    const c = selection.conn
    if (!c || c.id !== selection.connId) return undefined
    const base = { capture: selection.capture, connId: c.id, dir: selection.dir }
    if (delivered.shownAs === 'sent') return { ...base, total: streamLength(c, selection.dir) }
    // As delivered: as long as the engine's map says (none while it is read, or when there is none).
    const m = delivered.map
    const usable = m !== undefined && m.dir === selection.dir && m.unavailable === undefined
    return { ...base, delivered: { rev: m?.records ?? 0 }, total: usable ? m.size : 0 }
  })

  watch([() => selection.capture, () => selection.connId], () => {
    cache.clear()
    error.value = undefined
    version.value++
  })

  /** Cached bytes of the stream on screen from `offset` (fewer when some must be loaded). */
  function peek(s: Stream, offset: number, length: number): Uint8Array {
    void version.value
    return cache.peek(s, offset, length, s.total)
  }

  /** Loads the range; failures are kept in `error` for the views to show. */
  async function load(s: Stream, offset: number, length: number): Promise<void> {
    try {
      await cache.load(s, offset, length, s.total)
      error.value = undefined
    } catch (err) {
      error.value = (err as Error).message
    }
  }

  return { version, error, stream, peek, load }
})
