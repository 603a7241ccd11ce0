// Replaying a whole capture, or the connections a filter picks (replay.capture), as a
// regression check: the dialog's fields (kept between runs), one run at a time with how far
// it got (the engine's `progress` events, in connections) and Cancel, and the summary it ends
// with, kept until the next run so the dialog can be closed and opened again to read it.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { MAX_HTTP_REPLAY_CONCURRENCY, type CommandArgs } from '../../../../../shared/contract'
import { EngineError } from '../../../../../shared/errors'
import { MAX_CONNECT_TIMEOUT_MS } from '../../../../../shared/limits'
import type { CaptureReplaySummary } from '../../../../../shared/replay-types'
import { routeEngineError, sameNames, type RoutedError } from '../../../ui/form/engine-error-fields'
import { checked, endpointText, optionalWhole, type Checked, type FieldProblems } from '../../../ui/form/field-problems'
import { useConnectionsStore } from '../../connections/connections-store'
import { useEngineStore } from '../../../platform/engine-store'

export type CaptureReplayArgs = CommandArgs<'replay.capture'>

/** The dialog's fields as typed. */
export interface CaptureReplayDraft {
  /** Empty: each connection to its own recorded target. */
  target: string
  filter: string
  speed: string
  concurrency: string
  /** Header names, comma separated. */
  ignoreHeaders: string
  ignoreBody: string
  timeoutMs: string
}

export const captureReplayDraft = (): CaptureReplayDraft => ({ target: '', filter: '', speed: '1', concurrency: '', ignoreHeaders: '', ignoreBody: '', timeoutMs: '' })

/** The most a replay may be sped up (replay.capture's own bound). */
const MAX_SPEED = 1_000_000

/** The draft as replay.capture's arguments, or what to fix first. */
export function captureReplayArgs(capture: string, d: CaptureReplayDraft): Checked<CaptureReplayArgs> {
  const problems: FieldProblems = {}
  const target = d.target.trim() === '' ? undefined : endpointText(d.target, 'target', false, problems)
  const filter = d.filter.trim()
  const speedText = d.speed.trim()
  const speed = speedText === '' ? undefined : Number(speedText)
  if (speed !== undefined && !(/^\d*\.?\d+$|^\d+\.$/.test(speedText) && speed >= 0 && speed <= MAX_SPEED)) problems.speed = { key: 'replayCapture.problem.speed', params: { max: MAX_SPEED } }
  const concurrency = optionalWhole(d.concurrency, 'concurrency', 1, MAX_HTTP_REPLAY_CONCURRENCY, problems)
  const ignoreHeaders = d.ignoreHeaders
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
  if (ignoreHeaders.length > 256 || ignoreHeaders.some((h) => h.length > 256 || /[\s:]/.test(h))) problems.ignoreHeaders = { key: 'replayCapture.problem.headers' }
  const ignoreBody = d.ignoreBody.trim()
  const timeoutMs = optionalWhole(d.timeoutMs, 'timeoutMs', 1, MAX_CONNECT_TIMEOUT_MS, problems)
  return checked(
    {
      capture,
      ...(target !== undefined ? { target } : {}),
      ...(filter !== '' ? { filter } : {}),
      ...(speed !== undefined && Number.isFinite(speed) ? { speed } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(ignoreHeaders.length ? { ignoreHeaders } : {}),
      ...(ignoreBody !== '' ? { ignoreBody } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {})
    },
    problems
  )
}

/** Which field an engine error goes under (a bad target, a regex RE2 refuses, a filter word). */
export const CAPTURE_REPLAY_ROUTES = sameNames('target', 'filter', 'speed', 'concurrency', 'ignoreHeaders', 'ignoreBody', 'timeoutMs')

/** Where the dialog is: the fields, a run under way, or the summary of the last one. */
export type CaptureReplayStage = 'form' | 'running' | 'summary'

interface Run {
  operation: string
  capture: string
  abort: AbortController
  cancelling: boolean
}

export const useReplayCaptureStore = defineStore('replay-capture', () => {
  const engine = useEngineStore()
  const list = useConnectionsStore()
  /** Tells this page's runs apart in the engine's progress events (other pages may run some too). */
  const page = Math.random().toString(36).slice(2, 10)
  let made = 0

  const draft = ref<CaptureReplayDraft>(captureReplayDraft())
  const shown = ref(false)
  const stage = ref<CaptureReplayStage>('form')
  const run = shallowRef<Run>()
  /** The last run's summary, the capture it replayed, and the target it was given (none: each connection's own). */
  const result = shallowRef<{ capture: string; target?: string; summary: CaptureReplaySummary }>()
  /** Why the last run ended without a summary: an engine error (under its field), or cancelled. */
  const failure = shallowRef<RoutedError>()
  const cancelled = ref(false)
  /** The last run ended while its dialog was hidden: its summary is not read yet. */
  const unseen = ref(false)

  const running = computed(() => run.value !== undefined)
  /** Connections done of those picked, once the engine has said. */
  const progress = computed(() => (run.value ? engine.progress.get(run.value.operation) : undefined))

  /** Opens the dialog: on the run under way if there is one, else on the fields, the filter set to `filter` (default: the list's). */
  function open(filter?: string): void {
    shown.value = true
    unseen.value = false
    if (run.value) {
      stage.value = 'running'
      return
    }
    draft.value = { ...draft.value, filter: filter ?? list.filter.trim() }
    failure.value = undefined
    cancelled.value = false
    stage.value = 'form'
  }

  /** Opens the dialog on the last summary (or the run under way). */
  function openResult(): void {
    shown.value = true
    unseen.value = false
    stage.value = run.value ? 'running' : result.value ? 'summary' : 'form'
  }

  function close(): void {
    shown.value = false
  }

  /** Back to the fields, as the last run left them. */
  function again(): void {
    failure.value = undefined
    cancelled.value = false
    stage.value = 'form'
  }

  /** Replays with checked arguments; the summary when it finished, undefined when it failed or was cancelled. */
  async function start(args: CaptureReplayArgs): Promise<CaptureReplaySummary | undefined> {
    if (run.value) return undefined
    const r: Run = { operation: `replay-${page}-${++made}`, capture: args.capture, abort: new AbortController(), cancelling: false }
    run.value = r
    failure.value = undefined
    cancelled.value = false
    stage.value = 'running'
    try {
      const summary = await engine.call('replay.capture', { ...args, progress: r.operation }, { signal: r.abort.signal })
      result.value = { capture: args.capture, ...(args.target !== undefined ? { target: summary.target } : {}), summary }
      stage.value = 'summary'
      unseen.value = !shown.value
      return summary
    } catch (err) {
      if ((err instanceof EngineError && err.code === 'ECANCELED') || r.abort.signal.aborted) cancelled.value = true
      else failure.value = routeEngineError(err, CAPTURE_REPLAY_ROUTES)
      stage.value = 'form'
      return undefined
    } finally {
      run.value = undefined
      engine.forgetProgress(r.operation)
    }
  }

  function cancel(): void {
    const r = run.value
    if (!r || r.cancelling) return
    run.value = { ...r, cancelling: true }
    r.abort.abort()
  }

  return { draft, shown, stage, run, result, failure, cancelled, unseen, running, progress, open, openResult, close, again, start, cancel }
})
