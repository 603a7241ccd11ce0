// A list's sort column and direction, remembered (settings-store.ts: localStorage, and the
// engine's copy of the layout) and given back at the next start. A remembered key that is
// not one of the list's columns (another version's) is ignored.

import { watch, type Ref } from 'vue'
import { useSettingsStore } from './settings-store'

export function useRememberedSort<K extends string>(list: string, keys: readonly K[], sort: Ref<K>, descending: Ref<boolean>): void {
  const settings = useSettingsStore()
  const apply = (): void => {
    const kept = settings.sorts[list]
    if (kept === undefined || !(keys as readonly string[]).includes(kept.key)) return
    if (sort.value !== kept.key) sort.value = kept.key as K
    if (descending.value !== kept.descending) descending.value = kept.descending
  }
  apply()
  // The engine's copy comes a moment after start, and wins.
  watch(() => settings.sorts[list], apply)
  watch([sort, descending], ([key, desc]) => {
    const kept = settings.sorts[list]
    if (kept?.key !== key || kept.descending !== desc) settings.sorts = { ...settings.sorts, [list]: { key, descending: desc } }
  })
}
