// The theme on the page: the user's choice, or the system's while they have not chosen.

import { watchEffect, ref, onBeforeUnmount } from 'vue'
import type { ThemeChoice } from './settings-store'

export function useTheme(choice: () => ThemeChoice): void {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined
  const systemDark = ref(media?.matches ?? false)
  const onChange = (e: MediaQueryListEvent): void => {
    systemDark.value = e.matches
  }
  media?.addEventListener('change', onChange)
  onBeforeUnmount(() => media?.removeEventListener('change', onChange))
  watchEffect(() => {
    const c = choice()
    const dark = c === 'dark' || (c === 'system' && systemDark.value)
    document.documentElement.classList.toggle('dark', dark)
  })
}
