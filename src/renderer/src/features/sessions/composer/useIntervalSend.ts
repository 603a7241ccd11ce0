// The composer's interval send: on one connection (conn.interval), or to every client of a
// server (server.interval, apart from the server's behaviour). Whether it runs is what the
// engine last reported in the session's info, so a count that ran out, a closed connection
// or another window's stop shows here as it happens.

import { computed, ref, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import type { ConnectionSummary } from '../../../../../shared/capture-types'
import { MAX_INTERVAL_MS } from '../../../../../shared/limits'
import type { PayloadSpec } from '../../../../../shared/payload/payload-spec'
import type { ServerSessionInfo, SessionInfo } from '../../../../../shared/session-types'
import type { ConnectionActions } from './connection-actions'
import { optionalWhole, type FieldProblems } from '../../../ui/form/field-problems'
import { useComposerStore } from './composer-store'
import { useSessionsStore } from '../sessions-store'

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
  const running = computed(() => {
    if (allOf.value) return allOf.value.intervalAll !== undefined
    const s: SessionInfo | undefined = actions.value.session
    return actions.value.live && s !== undefined && s.intervals.includes(conn.value.id)
  })
  const problems = ref<FieldProblems>({})
  const problem = computed(() => {
    const p = problems.value.everyMs ?? problems.value.count
    return p && ('text' in p ? p.text : t(p.key, p.params ?? {}))
  })

  async function stop(): Promise<void> {
    const s = allOf.value
    if (s) await sessions.stopIntervalAll(s.id)
    else await sessions.stopInterval(conn.value.id)
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
    if (s) await sessions.startIntervalAll(s.id, everyMs, p, count)
    else await sessions.startInterval(conn.value.id, everyMs, p, count)
    return everyMs
  }

  return { running, problem, start, stop }
}
