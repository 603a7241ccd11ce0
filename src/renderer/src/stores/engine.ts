// The engine's live state as the views see it: proxies, sessions, connections and the
// capture, set by the snapshot event and kept current by the events after it. Summaries
// only: bytes stay in the capture and are read when shown.

import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, shallowRef } from 'vue'
import type { CaptureInfo, ConnectionSummary } from '../../../shared/capture-types'
import type { EngineEvent, ProxyInfo } from '../../../shared/events'
import type { SessionInfo } from '../../../shared/session-types'
import type { Transport } from '../transport'

const MAX_WARNINGS = 20

export const useEngineStore = defineStore('engine', () => {
  // Shallow: a summary is replaced whole on change, never mutated, so deep proxies would
  // only cost time on every event.
  const proxies = shallowReactive(new Map<string, ProxyInfo>())
  const sessions = shallowReactive(new Map<string, SessionInfo>())
  const connections = shallowReactive(new Map<number, ConnectionSummary>())
  const capture = shallowRef<CaptureInfo>()
  const captureError = ref<string>()
  /** The latest warnings, newest last; older ones are dropped. */
  const warnings = ref<string[]>([])
  const connected = ref(false)

  const proxyList = computed(() => [...proxies.values()])
  const sessionList = computed(() => [...sessions.values()])
  const connectionList = computed(() => [...connections.values()])

  function applyEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'snapshot':
        proxies.clear()
        for (const p of event.proxies) proxies.set(p.id, p)
        sessions.clear()
        for (const s of event.sessions) sessions.set(s.id, s)
        connections.clear()
        for (const c of event.connections) connections.set(c.id, c)
        capture.value = event.capture
        captureError.value = event.capture.error
        break
      case 'proxy-started':
      case 'proxy-stopped':
        proxies.set(event.proxy.id, event.proxy)
        break
      case 'session-updated':
        sessions.set(event.session.id, event.session)
        break
      case 'conn-opened':
        connections.set(event.conn.id, event.conn)
        break
      case 'conn-data': {
        const conn = connections.get(event.connId)
        const end = event.offset + event.length
        // Coalesced data can trail a newer summary; a count never goes down.
        if (conn && end > conn.bytes[event.dir]) {
          connections.set(conn.id, { ...conn, bytes: { ...conn.bytes, [event.dir]: end } })
        }
        break
      }
      case 'conn-event':
        connections.set(event.conn.id, event.conn)
        break
      case 'capture-error':
        captureError.value = event.message
        break
      case 'warning':
        warnings.value = [...warnings.value.slice(-(MAX_WARNINGS - 1)), event.message]
        break
      default: {
        // A compile error here means the contract grew an event this store does not handle;
        // at run time an unknown event (a newer engine) is ignored.
        const unhandled: never = event
        void unhandled
      }
    }
  }

  /** Starts following the engine behind `transport`; returns the stop function. */
  function attach(transport: Transport): () => void {
    const unsubscribe = transport.onEvent(applyEvent)
    connected.value = true
    return () => {
      unsubscribe()
      connected.value = false
    }
  }

  return {
    proxies,
    sessions,
    connections,
    capture,
    captureError,
    warnings,
    connected,
    proxyList,
    sessionList,
    connectionList,
    applyEvent,
    attach
  }
})
