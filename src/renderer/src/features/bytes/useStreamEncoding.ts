// The text encoding the selected connection is read in (text view, text copies, text
// search), remembered per connection of a capture file, and the last one chosen for the rest.

import { computed, type WritableComputedRef } from 'vue'
import type { TextEncodingName } from './encodings'
import { useSelectionStore } from '../connections/selection-store'
import { useSettingsStore } from '../settings/settings-store'

export function useStreamEncoding(): WritableComputedRef<TextEncodingName> {
  const selection = useSelectionStore()
  const settings = useSettingsStore()
  // Keyed by the file's path: the live capture's ids start again at 1 in every run.
  const key = computed(() => `${selection.captureInfo?.path ?? selection.capture}#${selection.connId ?? 0}`)
  return computed({
    get: () => settings.encodingFor(key.value),
    set: (e) => settings.setEncoding(key.value, e)
  })
}
