// Every string the UI shows, in English and Simplified Chinese (vue-i18n). Each part of the
// UI keeps its messages in its own file under messages/, merged here; the language follows
// the system's until the user picks one (settings store).

import { createI18n } from 'vue-i18n'
import { messageParts } from './messages'

export const LANGUAGES = ['en', 'zh-CN'] as const
export type Language = (typeof LANGUAGES)[number]

/** English unless the system prefers Chinese. */
export function systemLanguage(): Language {
  const prefs = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : []
  return prefs.some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en'
}

type Tree = { [key: string]: string | Tree }

function merge(lang: Language): Tree {
  const out: Tree = {}
  for (const part of messageParts) Object.assign(out, part[lang])
  return out
}

export function createAppI18n(language: Language = systemLanguage()) {
  return createI18n({
    legacy: false,
    locale: language,
    fallbackLocale: 'en',
    messages: { en: merge('en'), 'zh-CN': merge('zh-CN') },
    missingWarn: false,
    fallbackWarn: false
  })
}
