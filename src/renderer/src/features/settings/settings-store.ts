// What the user chose and expects to find again: language, theme, pane sizes, the text
// encoding per connection, the detail tab picked last, recently opened captures. Kept in the
// page's localStorage.

import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { withoutRecent, withRecent } from '../files/recent-files'
import { LANGUAGES, systemLanguage, type Language } from '../../app/i18n'
import { WEB_ENCODINGS, type WebEncodingName } from '../../../../shared/text-encodings'

export type ThemeChoice = 'system' | 'light' | 'dark'
/** The views' encodings: the one list (shared/text-encodings.ts), by their WHATWG names. */
export const TEXT_ENCODINGS = WEB_ENCODINGS
export type TextEncodingName = WebEncodingName

const KEY = 'tcpscope.settings'

interface Saved {
  language?: Language
  theme?: ThemeChoice
  panes?: Record<string, number[]>
  encodings?: Record<string, TextEncodingName>
  lastEncoding?: TextEncodingName
  /** A detail tab's name (features/connections/selection-store.ts checks it is one). */
  detailTab?: string
  recent?: string[]
}

function load(): Saved {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Saved
  } catch {
    return {}
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const saved = load()
  const language = ref<Language>(saved.language && LANGUAGES.includes(saved.language) ? saved.language : systemLanguage())
  const theme = ref<ThemeChoice>(saved.theme ?? 'system')
  const panes = ref<Record<string, number[]>>(saved.panes ?? {})
  const encodings = ref<Record<string, TextEncodingName>>(saved.encodings ?? {})
  const lastEncoding = ref<TextEncodingName>(saved.lastEncoding ?? 'utf-8')
  const detailTab = ref<string | undefined>(saved.detailTab)
  const recent = ref<string[]>(saved.recent ?? [])

  /** The encoding a connection's text is shown in: its own, else the last one chosen. */
  function encodingFor(key: string): TextEncodingName {
    return encodings.value[key] ?? lastEncoding.value
  }
  function setEncoding(key: string, enc: TextEncodingName): void {
    encodings.value = { ...encodings.value, [key]: enc }
    lastEncoding.value = enc
  }
  function rememberFile(path: string): void {
    recent.value = withRecent(recent.value, path)
  }
  function forgetFile(path: string): void {
    recent.value = withoutRecent(recent.value, path)
  }

  watch([language, theme, panes, encodings, lastEncoding, detailTab, recent], () => {
    try {
      const data: Saved = { language: language.value, theme: theme.value, panes: panes.value, encodings: encodings.value, lastEncoding: lastEncoding.value, detailTab: detailTab.value, recent: recent.value }
      localStorage.setItem(KEY, JSON.stringify(data))
    } catch {
      // Private windows may refuse storage: settings then last the session.
    }
  }, { deep: true })

  return { language, theme, panes, encodings, lastEncoding, detailTab, recent, encodingFor, setEncoding, rememberFile, forgetFile }
})
