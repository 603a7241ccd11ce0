// In a browser, closing or reloading the tab while the live capture holds unsaved
// connections asks first (the browser's own question: a page may not word it). When web
// mode stops, its temporary capture is deleted, and a reload would not bring it back into
// view either. The desktop app asks in its shell instead (main/close-guard.ts): there a
// beforeunload answer would cancel the close without a word.

import { onBeforeUnmount, onMounted } from 'vue'
import { desktopShell } from './desktop-shell'

export function useUnsavedGuard(unsaved: () => boolean): void {
  if (desktopShell()) return
  const ask = (e: BeforeUnloadEvent): void => {
    if (!unsaved()) return
    e.preventDefault()
    // Older browsers ask only when returnValue is set.
    e.returnValue = ''
  }
  onMounted(() => window.addEventListener('beforeunload', ask))
  onBeforeUnmount(() => window.removeEventListener('beforeunload', ask))
}
