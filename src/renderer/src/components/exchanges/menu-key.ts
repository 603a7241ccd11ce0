/** The Menu key or Shift+F10: what opens a context menu from the keyboard, as everywhere else. */
export function isMenuKey(e: KeyboardEvent): boolean {
  return e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)
}
