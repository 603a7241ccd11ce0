// The HTTP replay ("Repeater") of one captured request at a time: its captured bytes, the
// copy being edited (one byte model every editor mode shares), the options of a send, and
// what the last send, repeat and keep-alive sequence came back with. Drafts are kept per
// request for the last few requests, so leaving one to look at its replay and coming back
// finds the edit and the results as they were; each long command is cancellable. An
// HTTP/2 request has no head on the wire a person can read (its header block is HPACK): it
// is shown and edited in its text form (shared/h2-request-edit.ts), pseudo-headers first,
// which the engine's replay.http reads back.

import { defineStore } from 'pinia'
import { ref, shallowReactive, shallowRef } from 'vue'
import { MAX_HTTP_REPLAY_CONCURRENCY, MAX_HTTP_REPLAY_COUNT } from '../../../../../shared/contract'
import { MAX_CONNECT_TIMEOUT_MS } from '../../../../../shared/limits'
import type { HttpExchange } from '../../../../../shared/protocol-types'
import { isH2 } from '../../../../../shared/h2-request'
import { h2RequestText } from '../../../../../shared/h2-request-edit'
import { MAX_SEQUENCE_REQUESTS, type HttpReplayResponse, type HttpReplayResult, type HttpReplaySummary, type HttpSequenceResult } from '../../../../../shared/replay-types'
import { LIVE_CAPTURE } from '../../../../../shared/capture-types'
import { EDITABLE_BYTES } from '../editor/editor-text'
import { sameBytes } from '../../bytes/same-bytes'
import { DEFAULT_REPLAY_TIMEOUT_MS, wholeIn } from '../replay-numbers'
import { unlessAboutTarget } from '../replay-target-error'
import { replayTlsArgs, unlessAboutTls, type ReplayTlsTarget } from '../replay-tls'
import { useEngineStore } from '../../../platform/engine-store'
import { useSelectionStore } from '../../connections/selection-store'

/** What is shown of a request too large to edit. */
export const SHOWN_OF_LARGE_REQUEST = 64 * 1024
/** Requests whose drafts are kept. */
const KEPT_DRAFTS = 8
export const DEFAULT_COUNT = 20
export const DEFAULT_CONCURRENCY = 4

/** The editor's views of the one request being edited. */
export const EDITOR_MODES = ['raw', 'hex', 'structured'] as const
export type EditorMode = (typeof EDITOR_MODES)[number]
/** What the results pane shows: one send, a repeat, or the connection's keep-alive sequence. */
export const RESULT_VIEWS = ['response', 'repeat', 'sequence'] as const
export type ResultsView = (typeof RESULT_VIEWS)[number]

export interface ReplaySourceRef {
  capture: string
  connId: number
  exchange: number
}

/** A long command under way: cancelled through its controller. */
interface Running {
  controller: AbortController
  startedAt: number
}

export interface HttpReplayDraft {
  readonly key: string
  readonly source: ReplaySourceRef
  /** The captured exchange, as decoded (absent until loaded). */
  exchange?: HttpExchange
  /** Exchanges on the connection, as far as decoded when the draft was loaded. */
  exchanges: number
  /** The captured request's bytes on the wire (only the first SHOWN_OF_LARGE_REQUEST when `tooLarge`). */
  captured?: Uint8Array
  /** The whole captured request's length. */
  size: number
  /** Over EDITABLE_BYTES: read-only, replayed as captured. */
  tooLarge: boolean
  /** What the editors show and Send sends; the captured bytes until edited. */
  bytes?: Uint8Array
  loading: boolean
  loadError?: string

  /** `HOST:PORT` or a Unix socket path; starts as the connection's own target. */
  target: string
  /** The connection's own target, for telling whether the target was changed. */
  ownTarget: string
  fixLength: boolean
  timeoutMs: number
  /** The connection's target spoke TLS: a replay goes over TLS, as `caFile` and `insecure` say (replay-tls.ts). */
  tls?: ReplayTlsTarget
  /** A CA file to trust; empty: the one the capture recorded, if any. */
  caFile: string
  insecure: boolean

  send?: Running
  sendError?: string
  result?: HttpReplayResult

  count: number
  concurrency: number
  repeat?: Running
  repeatError?: string
  /** The repeat was cancelled before it finished. */
  repeatCancelled?: boolean
  summary?: HttpReplaySummary

  sequenceRun?: Running
  sequenceError?: string
  sequenceCancelled?: boolean
  sequence?: HttpSequenceResult
}

const NO_BYTES = new Uint8Array(0)
const bodiless = (r: HttpReplayResponse | undefined): HttpReplayResponse | undefined => r && { ...r, body: NO_BYTES }
/**
 * A sequence's results as its table shows them: up to a thousand responses with 64 KiB of
 * body each, twice (recorded and replayed), would be 128 MiB kept per draft for a table
 * that shows none of it.
 */
const withoutBodies = (s: HttpSequenceResult): HttpSequenceResult => ({
  ...s,
  results: s.results.map((r) => ({ ...r, response: bodiless(r.response), recorded: bodiless(r.recorded) }))
})

const draftKey = (s: ReplaySourceRef): string => `${s.capture}:${s.connId}:${s.exchange}`
const cancelled = (err: unknown, signal: AbortSignal): boolean => signal.aborted || (err as { code?: string }).code === 'ECANCELED'
const message = (err: unknown): string => (err as Error).message

/** The request on the wire: its head, then its body (chunk framing included). */
function requestSpan(x: HttpExchange): { offset: number; length: number } | undefined {
  const r = x.request
  if (!r) return undefined
  const start = r.headRange.offset
  const end = Math.max(r.headRange.offset + r.headRange.length, r.body.range.offset + r.body.range.length)
  return { offset: start, length: end - start }
}

export const useReplayHttpStore = defineStore('replayHttp', () => {
  const engine = useEngineStore()
  const drafts = new Map<string, HttpReplayDraft>()
  /** The draft the panel shows. */
  const current = shallowRef<HttpReplayDraft>()
  /** How the request is edited and which results are shown: a person's choice, kept from request to request. */
  const editorMode = ref<EditorMode>('raw')
  const resultsView = ref<ResultsView>('response')

  function stopAll(d: HttpReplayDraft): void {
    for (const r of [d.send, d.repeat, d.sequenceRun]) r?.controller.abort()
  }

  function keep(d: HttpReplayDraft): void {
    drafts.delete(d.key)
    drafts.set(d.key, d)
    while (drafts.size > KEPT_DRAFTS) {
      const oldest = drafts.values().next().value!
      drafts.delete(oldest.key)
      stopAll(oldest)
    }
  }

  /** Shows the draft of a captured request, loading its bytes the first time; `tls` when its connection's target spoke TLS. */
  function open(source: ReplaySourceRef, ownTarget: string, tls?: ReplayTlsTarget): HttpReplayDraft {
    const key = draftKey(source)
    let d = drafts.get(key)
    if (!d || d.loadError) {
      d = shallowReactive<HttpReplayDraft>({
        key,
        source: { ...source },
        exchanges: 0,
        size: 0,
        tooLarge: false,
        loading: true,
        target: ownTarget,
        ownTarget,
        fixLength: false,
        timeoutMs: DEFAULT_REPLAY_TIMEOUT_MS,
        tls,
        caFile: '',
        insecure: false,
        count: DEFAULT_COUNT,
        concurrency: DEFAULT_CONCURRENCY
      })
      void load(d)
    }
    keep(d)
    current.value = d
    return d
  }

  async function load(d: HttpReplayDraft): Promise<void> {
    const { capture, connId, exchange } = d.source
    try {
      const page = await engine.call('http.exchanges', { capture, connId, from: exchange, limit: 1 })
      const x = page.exchanges.find((e) => e.index === exchange)
      if (x && isH2(x.request)) return await loadH2(d, x, page.total)
      const span = x && requestSpan(x)
      if (!x || !span) throw new Error(`exchange ${exchange + 1} of connection #${connId} has no request`)
      const tooLarge = span.length > EDITABLE_BYTES
      const bytes = await engine.call('conn.read', { capture, connId, dir: 'client', offset: span.offset, length: tooLarge ? SHOWN_OF_LARGE_REQUEST : span.length })
      Object.assign(d, { exchange: x, exchanges: page.total, size: span.length, tooLarge, captured: bytes, bytes, loading: false })
    } catch (err) {
      Object.assign(d, { loading: false, loadError: message(err) })
    }
  }

  /** An HTTP/2 request's text form: its header block as decoded, then its body from its DATA frames (the first SHOWN_OF_LARGE_REQUEST bytes of one too large to edit). */
  async function loadH2(d: HttpReplayDraft, x: HttpExchange, total: number): Promise<void> {
    const { capture, connId, exchange } = d.source
    const req = x.request!
    const size = req.body.framing === 'none' ? 0 : req.body.size
    const tooLarge = size > EDITABLE_BYTES
    const length = tooLarge ? SHOWN_OF_LARGE_REQUEST : size
    const body = length === 0 ? new Uint8Array(0) : (await engine.call('http.body', { capture, connId, exchange, part: 'request', decode: false, offset: 0, length })).bytes
    const bytes = h2RequestText(req.headers, body)
    Object.assign(d, { exchange: x, exchanges: total, size: bytes.length - body.length + size, tooLarge, captured: bytes, bytes, loading: false })
  }

  /** The request differs from the captured one. */
  const edited = (d: HttpReplayDraft): boolean => !!d.bytes && !!d.captured && !d.tooLarge && !sameBytes(d.bytes, d.captured)

  function edit(d: HttpReplayDraft, bytes: Uint8Array): void {
    if (!d.tooLarge) d.bytes = bytes
  }

  type Option = 'target' | 'fixLength' | 'timeoutMs' | 'count' | 'concurrency' | 'caFile' | 'insecure'
  function setOption<K extends Option>(d: HttpReplayDraft, key: K, value: HttpReplayDraft[K]): void {
    d[key] = value
    // An error the changed option may fix no longer says what a send would meet.
    const unless = key === 'target' ? unlessAboutTarget : key === 'caFile' || key === 'insecure' ? unlessAboutTls : undefined
    if (unless !== undefined) {
      d.sendError = unless(d.sendError)
      d.repeatError = unless(d.repeatError)
      d.sequenceError = unless(d.sequenceError)
    }
  }

  /** The TLS a replay of the draft asks for, over its connection's TLS target (none for a plain one). */
  const tlsArgs = (d: HttpReplayDraft) => (d.tls === undefined ? {} : replayTlsArgs(d))

  function revert(d: HttpReplayDraft): void {
    d.bytes = d.captured
  }

  /** What every replay.http of this draft sends: the edited bytes only when edited. */
  function requestArgs(d: HttpReplayDraft) {
    const { capture, connId, exchange } = d.source
    const target = d.target.trim()
    return {
      capture,
      connId,
      exchange,
      ...(target && target !== d.ownTarget ? { target } : {}),
      ...(d.fixLength ? { fixLength: true } : {}),
      timeoutMs: wholeIn(d.timeoutMs, 1, MAX_CONNECT_TIMEOUT_MS, DEFAULT_REPLAY_TIMEOUT_MS),
      ...(edited(d) ? { request: d.bytes! } : {}),
      ...tlsArgs(d)
    }
  }

  /** Runs a long command of a draft; its `Running` is set while it runs, and undefined after. */
  async function run<T>(d: HttpReplayDraft, slot: 'send' | 'repeat' | 'sequenceRun', work: (signal: AbortSignal) => Promise<T>): Promise<{ value?: T; error?: string; cancelled?: boolean }> {
    const controller = new AbortController()
    d[slot] = { controller, startedAt: Date.now() }
    try {
      return { value: await work(controller.signal) }
    } catch (err) {
      return cancelled(err, controller.signal) ? { cancelled: true } : { error: message(err) }
    } finally {
      if (d[slot]?.controller === controller) d[slot] = undefined
    }
  }

  /** Sends the request once and compares its response with the recorded one. */
  async function send(d: HttpReplayDraft): Promise<void> {
    if (d.send || !d.captured) return
    // The last answer goes as the next request leaves: a send that then fails must not
    // stand beside the one before's "Same as recorded", as if it had matched.
    Object.assign(d, { sendError: undefined, result: undefined })
    resultsView.value = 'response'
    const args = requestArgs(d)
    const out = await run(d, 'send', (signal) => engine.call('replay.http', args, { signal }))
    if (out.error) d.sendError = out.error
    else if (out.value) {
      d.result = out.value.first
      if (!out.value.first) d.sendError = out.value.summary?.errorSamples[0]
    }
  }

  /** Sends the request `count` times, `concurrency` at once, and sums up. */
  async function repeat(d: HttpReplayDraft): Promise<void> {
    if (d.repeat || !d.captured) return
    Object.assign(d, { repeatError: undefined, repeatCancelled: undefined, summary: undefined })
    const count = wholeIn(d.count, 1, MAX_HTTP_REPLAY_COUNT, DEFAULT_COUNT)
    const concurrency = Math.min(count, wholeIn(d.concurrency, 1, MAX_HTTP_REPLAY_CONCURRENCY, DEFAULT_CONCURRENCY))
    const args = { ...requestArgs(d), count, concurrency }
    const out = await run(d, 'repeat', (signal) => engine.call('replay.http', args, { signal }))
    if (out.cancelled) d.repeatCancelled = true
    else if (out.error) d.repeatError = out.error
    else d.summary = out.value?.summary
  }

  /**
   * Sends the connection's first `n` captured requests (default: every one decoded when the
   * draft was loaded; at most MAX_SEQUENCE_REQUESTS), in order, on one keep-alive connection.
   */
  async function sequence(d: HttpReplayDraft, n = d.exchanges): Promise<void> {
    const length = Math.min(n, MAX_SEQUENCE_REQUESTS)
    if (d.sequenceRun || length <= 0) return
    Object.assign(d, { sequenceError: undefined, sequenceCancelled: undefined, sequence: undefined })
    const { capture, connId } = d.source
    const target = d.target.trim()
    const args = {
      capture,
      requests: Array.from({ length }, (_, exchange) => ({ connId, exchange })),
      ...(target && target !== d.ownTarget ? { target } : {}),
      ...(d.fixLength ? { fixLength: true } : {}),
      timeoutMs: wholeIn(d.timeoutMs, 1, MAX_CONNECT_TIMEOUT_MS, DEFAULT_REPLAY_TIMEOUT_MS),
      ...tlsArgs(d)
    }
    const out = await run(d, 'sequenceRun', (signal) => engine.call('replay.sequence', args, { signal }))
    if (out.cancelled) d.sequenceCancelled = true
    else if (out.error) d.sequenceError = out.error
    else if (out.value) d.sequence = withoutBodies(out.value)
  }

  function cancel(d: HttpReplayDraft, slot: 'send' | 'repeat' | 'sequenceRun'): void {
    d[slot]?.controller.abort()
  }

  /** Shows a replay's own connection (it is in the live capture) in the HTTP view. */
  async function showReplay(connId: number): Promise<void> {
    const selection = useSelectionStore()
    await selection.showConnection(LIVE_CAPTURE, connId)
    selection.selectExchange(connId, 0)
  }

  return { current, editorMode, resultsView, open, edited, edit, revert, setOption, send, repeat, sequence, cancel, showReplay }
})
