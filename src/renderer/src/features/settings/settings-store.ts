// What the user chose and expects to find again: language, theme, pane sizes, the text
// encoding per connection, the detail tab picked last, recently opened captures. Kept in the
// page's localStorage, for a first paint that is already right; the layout (panes, detail
// tab, recent captures) is kept by the engine too (layout-state.ts), and its copy wins once
// the engine is there, but for what the person changed while it was asked.

import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { withChangesSince, withoutRecent, withRecent } from '../files/recent-files'
import { LANGUAGES, systemLanguage, type Language } from '../../platform/i18n'
import { WEB_ENCODINGS, type WebEncodingName } from '../../../../shared/text-encodings'
import { useEngineStore } from '../../platform/engine-store'
import { layoutText, parseLayout, type Layout, type ListSort } from './layout-state'

export type ThemeChoice = 'system' | 'light' | 'dark'
/** The views' encodings: the one list (shared/text-encodings.ts), by their WHATWG names. */
export const TEXT_ENCODINGS = WEB_ENCODINGS
export type TextEncodingName = WebEncodingName

const KEY = 'tcpscope.settings'
/** A drag's or a burst of key presses' end, before the layout goes to the engine. */
export const LAYOUT_WRITE_MS = 500

interface Saved {
  language?: Language
  theme?: ThemeChoice
  panes?: Record<string, number[]>
  sorts?: Record<string, ListSort>
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

/** `kept`'s entries whose key the page has as it had when it asked (the others were changed meanwhile, and stay). */
function unchangedSince<T>(asked: Record<string, T>, now: Record<string, T>, kept: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(kept).filter(([key]) => JSON.stringify(now[key]) === JSON.stringify(asked[key])))
}

export const useSettingsStore = defineStore('settings', () => {
  const saved = load()
  const language = ref<Language>(saved.language && LANGUAGES.includes(saved.language) ? saved.language : systemLanguage())
  const theme = ref<ThemeChoice>(saved.theme ?? 'system')
  const panes = ref<Record<string, number[]>>(saved.panes ?? {})
  /** Each list's sort column (the connections, the exchanges), by the list's name. */
  const sorts = ref<Record<string, ListSort>>(saved.sorts ?? {})
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

  watch([language, theme, panes, sorts, encodings, lastEncoding, detailTab, recent], () => {
    try {
      const data: Saved = { language: language.value, theme: theme.value, panes: panes.value, sorts: sorts.value, encodings: encodings.value, lastEncoding: lastEncoding.value, detailTab: detailTab.value, recent: recent.value }
      localStorage.setItem(KEY, JSON.stringify(data))
    } catch {
      // Private windows may refuse storage: settings then last the session.
    }
  }, { deep: true })

  // The engine's copy of the layout: read once it is there, written a moment after a change.
  const engine = useEngineStore()
  const layoutNow = (): string => layoutText({ panes: panes.value, sorts: sorts.value, detailTab: detailTab.value, recent: recent.value })
  /** What the engine holds (as far as this page knows); undefined until read. */
  let layoutKept: string | undefined
  let layoutTimer: ReturnType<typeof setTimeout> | undefined
  let layoutAsked = false
  let following = false
  async function loadLayout(): Promise<void> {
    layoutAsked = true
    // What the page had when it asked: what differs once the answer comes, the person changed
    // meanwhile (a splitter dragged as the window opened), and that is newer than the copy.
    // (A copy: a pane's sizes may be changed in place.)
    const askedText = layoutNow()
    const asked = JSON.parse(askedText) as Required<Omit<Layout, 'detailTab'>> & Pick<Layout, 'detailTab'>
    let meanwhile = false
    try {
      const kept = parseLayout(await engine.call('ui.state.get'))
      meanwhile = layoutNow() !== askedText
      if (kept.panes) panes.value = { ...panes.value, ...unchangedSince(asked.panes, panes.value, kept.panes) }
      if (kept.sorts) sorts.value = { ...sorts.value, ...unchangedSince(asked.sorts, sorts.value, kept.sorts) }
      if (kept.detailTab !== undefined && detailTab.value === asked.detailTab) detailTab.value = kept.detailTab
      if (kept.recent) recent.value = withChangesSince(kept.recent, asked.recent, recent.value)
    } catch {
      // An engine without it (or one that failed to read it) leaves localStorage's layout.
    }
    layoutKept = meanwhile ? '' : layoutNow()
    // The person's changes go to the engine as any change does.
    if (meanwhile) layoutTimer = setTimeout(writeLayout, LAYOUT_WRITE_MS)
  }
  function writeLayout(): void {
    clearTimeout(layoutTimer)
    layoutTimer = undefined
    const text = layoutNow()
    if (layoutKept === undefined || text === layoutKept || !engine.connected) return
    layoutKept = text
    // A write that failed is tried again at the next change (the engine said why, if it could).
    engine.call('ui.state.set', { state: text }).catch(() => (layoutKept = ''))
  }
  /**
   * Keeps the layout with the engine as well: the window calls it once (app/App.vue); a
   * store made for a test or a single view leaves the engine alone.
   */
  function followEngineLayout(): void {
    if (following) return
    following = true
    watch(
      () => engine.connected,
      (c) => c && !layoutAsked && void loadLayout(),
      { immediate: true }
    )
    watch(
      [panes, sorts, detailTab, recent],
      () => {
        // Before the engine's copy is read, a change would overwrite it with this page's defaults.
        if (layoutKept === undefined) return
        clearTimeout(layoutTimer)
        layoutTimer = setTimeout(writeLayout, LAYOUT_WRITE_MS)
      },
      { deep: true }
    )
    // A page closed within the delay still leaves its last layout.
    if (typeof window !== 'undefined') window.addEventListener('pagehide', () => layoutTimer !== undefined && writeLayout())
  }

  return { language, theme, panes, sorts, encodings, lastEncoding, detailTab, recent, encodingFor, setEncoding, rememberFile, forgetFile, followEngineLayout }
})
