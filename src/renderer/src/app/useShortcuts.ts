// The app's keyboard shortcuts, in one place (the help dialog lists the same). Keys typed
// into a field belong to the field, except the ones that make sense everywhere.

import { onBeforeUnmount, onMounted } from 'vue'

export interface ShortcutActions {
  focusFilter(): void
  setTab(index: number): void
  find(): void
  findNext(backward: boolean): void
  help(): void
  open(): void
  save(): void
  /** The previous (-1) or next (+1) open capture. */
  switchCapture(step: 1 | -1): void
  /** Forwards the held message that is open (F8), or every held message (Shift+F8). */
  forwardHeld(all: boolean): void
}

const inField = (e: KeyboardEvent): boolean => {
  const el = e.target as HTMLElement | null
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

export function useShortcuts(actions: ShortcutActions): void {
  const onKey = (e: KeyboardEvent): void => {
    const mod = e.ctrlKey || e.metaKey
    const key = e.key.toLowerCase()
    if (mod && key === 'f') {
      e.preventDefault()
      actions.find()
    } else if (mod && key === 'o') {
      e.preventDefault()
      actions.open()
    } else if (mod && key === 's') {
      e.preventDefault()
      actions.save()
    } else if (e.key === 'F3') {
      e.preventDefault()
      actions.findNext(e.shiftKey)
    } else if (e.key === 'F8') {
      // A function key types nothing: it works from the held message's editor too.
      e.preventDefault()
      actions.forwardHeld(e.shiftKey)
    } else if (inField(e) || e.ctrlKey || e.metaKey || e.altKey) {
      return
    } else if (e.key === '/') {
      e.preventDefault()
      actions.focusFilter()
    } else if (e.key === '?') {
      e.preventDefault()
      actions.help()
    } else if (e.key === '[' || e.key === ']') {
      // Plain brackets: Ctrl+Tab, Ctrl+PageUp/Down and Alt+digits belong to the browser's tabs.
      e.preventDefault()
      actions.switchCapture(e.key === ']' ? 1 : -1)
    } else if (/^[0-9]$/.test(e.key)) {
      // 1-9 the first nine tabs, 0 the tenth (as a browser's or a terminal's tabs).
      actions.setTab(e.key === '0' ? 9 : Number(e.key) - 1)
    }
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
