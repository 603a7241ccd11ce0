// Recorded servers (replay.serve: a captured connection's server side played to every client
// that connects): the ones the engine runs, and what the last clients of one just stopped
// did. Their client counts change without any batch saying so (a recorded server records
// nothing), so the list is fetched (replay.servers, a few numbers each) after a start or a
// stop, every second while any runs, and rarely otherwise, for ones another page started.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { RecordedClientReport, RecordedServerInfo } from '../../../../shared/replay-types'

import { useEngineStore } from '../../platform/engine-store'

/** While one runs: often enough to count a client as it connects. */
export const RUNNING_REFRESH_MS = 1000
/** While none runs: only to notice one another page started. */
export const IDLE_REFRESH_MS = 10_000
/** How long a stopped server's client reports stay shown. */
export const STOPPED_SHOWN_MS = 30_000

/** A recorded server just stopped, and what its last clients did. */
export interface StoppedRecordedServer {
  info: RecordedServerInfo
  reports: RecordedClientReport[]
}

/** Turns of a client's report that were the recorded ones. */
export const matchedTurns = (r: RecordedClientReport): number => r.turns.filter((t) => t.matched).length

export const useRecordedServersStore = defineStore('recorded-servers', () => {
  const engine = useEngineStore()
  const servers = shallowRef<RecordedServerInfo[]>([])
  const stopped = shallowRef<StoppedRecordedServer[]>([])
  /** The last refresh's error (the engine went away...), to say why the list may be stale. */
  const error = ref<string>()
  const any = computed(() => servers.value.length > 0)

  let timer: ReturnType<typeof setTimeout> | undefined
  let fetching: Promise<void> | undefined

  /** Fetches the list now (one fetch at a time: a refresh asked during one waits for it). */
  async function refresh(): Promise<void> {
    if (fetching) return fetching
    fetching = (async () => {
      try {
        servers.value = await engine.call('replay.servers')
        error.value = undefined
      } catch (err) {
        error.value = (err as Error).message
      } finally {
        fetching = undefined
        schedule()
      }
    })()
    return fetching
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (!engine.connected) return
    timer = setTimeout(() => void refresh(), any.value ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS)
  }

  /** Starts playing connection `connId` of `capture` on `listen` (`[HOST:]PORT` or a socket path), turn by turn or message by message. */
  async function serve(capture: string, connId: number, listen: string, byMessage = false): Promise<RecordedServerInfo> {
    const info = await engine.call('replay.serve', { capture, connId, listen, ...(byMessage ? { byMessage } : {}) })
    servers.value = [...servers.value.filter((s) => s.id !== info.id), info]
    schedule()
    return info
  }

  /** Stops one; its last clients' reports are kept a while (STOPPED_SHOWN_MS) to read. */
  async function stop(id: string): Promise<RecordedClientReport[]> {
    const info = servers.value.find((s) => s.id === id)
    try {
      const reports = await engine.call('replay.stop', { id })
      servers.value = servers.value.filter((s) => s.id !== id)
      if (info) {
        const entry: StoppedRecordedServer = { info: { ...info, clients: Math.max(info.clients, reports.length), open: 0 }, reports }
        stopped.value = [...stopped.value.filter((s) => s.info.id !== id), entry]
        setTimeout(() => dismiss(id, entry), STOPPED_SHOWN_MS)
      }
      return reports
    } finally {
      // Also when it failed: another page may have stopped it first.
      void refresh()
    }
  }

  /** Stops showing a stopped server's reports (only that entry, not a later one of the same id). */
  function dismiss(id: string, entry?: StoppedRecordedServer): void {
    stopped.value = stopped.value.filter((s) => s.info.id !== id || (entry !== undefined && s !== entry))
  }

  watch(
    () => engine.connected,
    (connected) => {
      if (connected) void refresh()
      else schedule()
    },
    { immediate: true }
  )

  return { servers, stopped, error, any, refresh, serve, stop, dismiss }
})
