// The selected connection's bytes as the byte views read them: one page cache shared by the
// hex and text views (page-cache.ts), dropped when another connection or capture is
// selected, and the stream on screen (the views' direction) with its length, which grows
// while the connection is live.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ConnectionSummary, Direction } from '../../../../shared/capture-types'
import { PageCache, type StreamRef } from './page-cache'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** Bytes of `dir` that can be read: what was recorded, where recording stopped early. */
export const streamLength = (c: ConnectionSummary, dir: Direction): number => c.recorded?.[dir] ?? c.bytes[dir]

export interface Stream extends StreamRef {
  total: number
}

export const useBytePagesStore = defineStore('bytePages', () => {
  const engine = useEngineStore()
  const selection = useSelectionStore()
  /** Moves when a page arrives, so what was drawn from the cache is drawn again. */
  const version = ref(0)
  const error = shallowRef<string>()

  const cache = new PageCache(
    (s, offset, length) => {
      const t = engine.transport
      if (!t) return Promise.reject(new Error('not connected to the engine'))
      return t.call('conn.read', { capture: s.capture, connId: s.connId, dir: s.dir, offset, length })
    },
    { onPage: () => version.value++ }
  )

  const stream = computed<Stream | undefined>(() => {
    const c = selection.conn
    if (!c || c.id !== selection.connId) return undefined
    return { capture: selection.capture, connId: c.id, dir: selection.dir, total: streamLength(c, selection.dir) }
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
