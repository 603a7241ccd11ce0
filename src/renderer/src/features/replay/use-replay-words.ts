// replayWords (replay-tls.ts) in the UI's language, for a component whose template shows a
// replay's error it was handed.

import { useI18n } from 'vue-i18n'
import { replayWords } from './replay-tls'

/** replayWords in the UI's language, for a component's template; undefined stays undefined. */
export function useReplayWords(): (message: string | undefined) => string | undefined {
  const { t } = useI18n()
  return (message) => (message === undefined ? undefined : replayWords(message, t))
}
