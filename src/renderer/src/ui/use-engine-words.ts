// engineWords (engine-words.ts) in the UI's language, for a component whose template shows an
// engine error it was handed.

import { useI18n } from 'vue-i18n'
import { engineWords } from './engine-words'

/** engineWords in the UI's language, for a component's template; undefined stays undefined. */
export function useEngineWords(): (message: string | undefined) => string | undefined {
  const { t } = useI18n()
  return (message) => (message === undefined ? undefined : engineWords(message, t))
}
