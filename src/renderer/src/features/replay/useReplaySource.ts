// Where a replay's connection came from (ConnectionSummary.replayOf), and the way back to it:
// the source is selected when its capture is open here, found by the file it was read from
// (capture ids do not outlive the engine that gave them) or else by its id. The replay
// panel and the detail header both show it, in the same words; exchanges count from 1, as in the CLI.

import { computed, type ComputedRef, type Ref } from 'vue'
import type { CaptureInfo, ConnectionSummary, ReplaySource } from '../../../../shared/capture-types'
import { useEngineStore } from '../../platform/engine-store'
import { useSelectionStore } from '../connections/selection-store'

/** A path's last part, POSIX or Windows. */
export const baseName = (p: string): string => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1)

/** The open capture that holds `source`, if any. */
export function sourceCapture(source: ReplaySource, captures: readonly CaptureInfo[]): CaptureInfo | undefined {
  const file = source.file
  if (file !== undefined) {
    const named = baseName(file)
    return captures.find((c) => c.path === file) ?? captures.find((c) => c.name === named || baseName(c.path) === named)
  }
  return captures.find((c) => c.id === source.capture)
}

type Translate = (key: string, named: Record<string, unknown>) => string

/** "replay of #3 exchange 2", or '' for a connection that is no replay. */
export function replaySourceWords(s: ReplaySource | undefined, t: Translate): string {
  if (!s) return ''
  return s.exchange === undefined ? t('replay.replayOf', { id: s.connId }) : t('replay.replayOfExchange', { id: s.connId, n: s.exchange + 1 })
}

export function useReplaySource(conn: Ref<ConnectionSummary | undefined>): {
  source: ComputedRef<ReplaySource | undefined>
  canGo: ComputedRef<boolean>
  go: () => Promise<void>
} {
  const engine = useEngineStore()
  const selection = useSelectionStore()

  const source = computed(() => conn.value?.replayOf)
  const capture = computed(() => (source.value ? sourceCapture(source.value, engine.captures) : undefined))
  const canGo = computed(() => capture.value !== undefined)

  async function go(): Promise<void> {
    const s = source.value
    const c = capture.value
    if (s && c) await selection.showConnection(c.id, s.connId, s.exchange)
  }

  return { source, canGo, go }
}
