// The composer's interval send: on one connection (conn.interval), or to every client of
// a server through its behaviour, which the engine reports, so that state is the engine's.
// The engine does not report a connection's own interval, so the composer store keeps it.

import { computed, ref, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import type { ConnectionSummary } from '../../../shared/capture-types'
import { MAX_INTERVAL_MS } from '../../../shared/limits'
import type { PayloadSpec } from '../../../shared/payload/payload-spec'
import type { ServerSessionInfo } from '../../../shared/session-types'
import type { ConnectionActions } from '../composer/connection-actions'
import { optionalWhole, type FieldProblems } from '../forms/field-problems'
import { useComposerStore, type IntervalKey } from '../stores/composer'
import { useSessionsStore } from '../stores/sessions'

/** A counted interval send is shown as running until a moment after its last send is due. */
const LAST_SEND_SLACK_MS = 100
const MAX_COUNT = 1_000_000_000

export interface IntervalTarget {
  conn: ComputedRef<ConnectionSummary>
  actions: ComputedRef<ConnectionActions>
  /** The server to send to all of, when the composer is told to. */
  allOf: ComputedRef<ServerSessionInfo | undefined>
  payload: ComputedRef<PayloadSpec | undefined>
}

export function useIntervalSend({ conn, actions, allOf, payload }: IntervalTarget) {
  const { t } = useI18n()
  const composer = useComposerStore()
  const sessions = useSessionsStore()
  const key = computed<IntervalKey>(() => (allOf.value ? `server:${allOf.value.id}` : `conn:${conn.value.id}`))
  const running = computed(() => (allOf.value ? allOf.value.behaviour.interval !== undefined : actions.value.live && composer.intervals.has(key.value)))
  const problems = ref<FieldProblems>({})
  const problem = computed(() => {
    const p = problems.value.everyMs ?? problems.value.count
    return p && ('text' in p ? p.text : t(p.key, p.params ?? {}))
  })

  async function stop(): Promise<void> {
    const s = allOf.value
    if (s) {
      const { interval: _stopped, ...rest } = s.behaviour
      await sessions.setBehaviour(s.id, rest)
    } else await sessions.stopInterval(conn.value.id)
    composer.setInterval(key.value, false)
  }

  /** Starts it with the composer's period, count and payload; false when they do not fit. */
  async function start(): Promise<number | undefined> {
    const found: FieldProblems = {}
    const everyMs = optionalWhole(composer.everyMs, 'everyMs', 1, MAX_INTERVAL_MS, found)
    if (everyMs === undefined && !found.everyMs) found.everyMs = { key: 'form.problem.required' }
    const count = optionalWhole(composer.count, 'count', 1, MAX_COUNT, found)
    problems.value = found
    const p = payload.value
    if (Object.keys(found).length || !p || everyMs === undefined) return undefined
    const s = allOf.value
    if (s) await sessions.setBehaviour(s.id, { ...s.behaviour, interval: { everyMs, payload: p, ...(count !== undefined ? { count } : {}) } })
    else await sessions.startInterval(conn.value.id, everyMs, p, count)
    composer.setInterval(key.value, true, count !== undefined ? everyMs * count + LAST_SEND_SLACK_MS : undefined)
    return everyMs
  }

  return { running, problem, start, stop }
}
