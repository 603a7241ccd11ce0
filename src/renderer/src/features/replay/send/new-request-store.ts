// "New request" in the Replay tab: an HTTP request composed from scratch (method, URL,
// headers, body, HTTP/1.1 or HTTP/2), sent by the engine's replay.send and recorded in the live
// capture as a replay is. One draft, kept while the person looks at other connections (the
// one its send recorded, say) and comes back; whether the Replay tab shows it or a captured
// connection's replay is the person's choice, kept here too.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { MAX_CONNECT_TIMEOUT_MS } from '../../../../../shared/limits'
import { newRequestProblem } from '../../../../../shared/new-request'
import type { HttpReplayResult } from '../../../../../shared/replay-types'
import { LIVE_CAPTURE } from '../../../../../shared/capture-types'
import { DEFAULT_REPLAY_TIMEOUT_MS, wholeIn } from '../replay-numbers'
import { useEngineStore } from '../../../platform/engine-store'
import { useSelectionStore } from '../../connections/selection-store'

export const HTTP_VERSIONS = ['http1', 'http2'] as const
export type HttpVersion = (typeof HTTP_VERSIONS)[number]

/** A header row; `id` keeps each row's inputs its own as rows come and go. */
export interface HeaderRow {
  id: number
  name: string
  value: string
}

const NO_BYTES = new Uint8Array(0)

export const useNewRequestStore = defineStore('newRequest', () => {
  const engine = useEngineStore()
  /** The Replay tab shows the composer (else a captured connection's replay). */
  const shown = ref(false)

  const method = ref('GET')
  const url = ref('')
  let nextRow = 1
  const headers = ref<HeaderRow[]>([])
  /** Bytes, as the editors keep them (the body editor's text in UTF-8 unless it is given another encoding). */
  const body = shallowRef<Uint8Array>(NO_BYTES)
  const version = ref<HttpVersion>('http1')
  const insecure = ref(false)
  const timeoutMs = ref(DEFAULT_REPLAY_TIMEOUT_MS)
  /** The body editor's own problem (a character its encoding cannot hold), while it stands. */
  const bodyProblem = ref<string>()

  const sending = shallowRef<{ controller: AbortController; startedAt: number }>()
  const result = shallowRef<HttpReplayResult>()
  const error = ref<string>()

  /** Rows with neither a name nor a value are left out: an empty row is where the next header goes. */
  const sentHeaders = computed(() => headers.value.filter((h) => h.name !== '' || h.value !== '').map((h) => [h.name, h.value] as [string, string]))
  /** The first thing wrong, in the engine's own words; nothing while the URL is still empty (there is nothing to say yet). */
  const problem = computed(() => {
    if (url.value.trim() === '') return undefined
    return newRequestProblem({ url: url.value, method: method.value, headers: sentHeaders.value, http2: version.value === 'http2' }) ?? bodyProblem.value
  })
  const canSend = computed(() => url.value.trim() !== '' && problem.value === undefined && !sending.value)

  function addHeader(name = '', value = ''): HeaderRow {
    const row = { id: nextRow++, name, value }
    headers.value = [...headers.value, row]
    return row
  }
  function setHeader(id: number, part: 'name' | 'value', text: string): void {
    headers.value = headers.value.map((h) => (h.id === id ? { ...h, [part]: text } : h))
  }
  function removeHeader(id: number): void {
    headers.value = headers.value.filter((h) => h.id !== id)
  }

  /** The last send's answer and error go as the next is tried: one that then fails must not look answered. */
  function forgetLastSend(): void {
    result.value = undefined
    error.value = undefined
  }

  async function send(): Promise<void> {
    if (sending.value) return
    // Ctrl+Enter on a request whose problem is shown is a send that failed before it left:
    // the answer to the request before must not stand under that problem as if it were this one's.
    if (problem.value !== undefined) return forgetLastSend()
    if (!canSend.value) return
    const controller = new AbortController()
    sending.value = { controller, startedAt: Date.now() }
    forgetLastSend()
    const args = {
      url: url.value.trim(),
      method: method.value,
      headers: sentHeaders.value,
      ...(body.value.length > 0 ? { body: body.value } : {}),
      ...(version.value === 'http2' ? { http2: true } : {}),
      ...(insecure.value ? { insecure: true } : {}),
      timeoutMs: wholeIn(timeoutMs.value, 1, MAX_CONNECT_TIMEOUT_MS, DEFAULT_REPLAY_TIMEOUT_MS)
    }
    try {
      const out = await engine.call('replay.send', args, { signal: controller.signal })
      result.value = out.first
    } catch (err) {
      if (!controller.signal.aborted && (err as { code?: string }).code !== 'ECANCELED') error.value = (err as Error).message
    } finally {
      if (sending.value?.controller === controller) sending.value = undefined
    }
  }

  function cancel(): void {
    sending.value?.controller.abort()
  }

  /** Shows the connection a send recorded (in the live capture), in its HTTP view. */
  async function showConnection(connId: number): Promise<void> {
    const selection = useSelectionStore()
    await selection.showConnection(LIVE_CAPTURE, connId)
    selection.selectExchange(connId, 0)
  }

  /** Opens the composer in the Replay tab. */
  function open(): void {
    shown.value = true
    useSelectionStore().tab = 'replay'
  }

  return {
    shown,
    method,
    url,
    headers,
    body,
    version,
    insecure,
    timeoutMs,
    bodyProblem,
    sending,
    result,
    error,
    problem,
    canSend,
    addHeader,
    setHeader,
    removeHeader,
    send,
    cancel,
    showConnection,
    open
  }
})
