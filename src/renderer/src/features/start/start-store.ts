// Whether the start panel shows: in a window where nothing runs yet and the live capture is
// empty, or when asked for from Help (then until it is closed or something new starts).

import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { useEngineStore } from '../../platform/engine-store'
import { useConnectionsStore } from '../connections/connections-store'

export const useStartStore = defineStore('start', () => {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  /** Asked for from Help. */
  const asked = ref(false)
  const running = computed(() => engine.proxyList.some((p) => p.state === 'listening') || engine.sessionList.length > 0 || engine.browserList.length > 0)
  const empty = computed(() => list.capture === 'live' && (engine.liveCapture?.connections ?? 0) === 0 && engine.proxyList.length === 0)
  const shown = computed(() => engine.connected && (asked.value || (empty.value && !running.value)))
  // Something new started (the panel's own doing, most often): it has done its job.
  const started = computed(() => engine.proxyList.length + engine.sessionList.length + engine.browserList.length)
  watch(started, (n, before) => n > before && (asked.value = false))
  /** What the panel asked the window to open (a form, the Open dialog); the window clears it. */
  const wanted = ref<'proxy' | 'server' | 'client' | 'open'>()
  return { shown, asked, show: () => (asked.value = true), hide: () => (asked.value = false), wanted }
})
