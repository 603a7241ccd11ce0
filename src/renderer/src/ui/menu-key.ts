/** The Menu key or Shift+F10: what opens a context menu from the keyboard, as everywhere else. */
export function isMenuKey(e: KeyboardEvent): boolean {
  return e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)
}

/** Where a menu opened from the keyboard goes: beside the selected row, as a right click on it would put it. */
export function besideSelectedRow(grid: HTMLElement): { x: number; y: number } {
  const box = (grid.querySelector('[role=row][aria-selected=true]') ?? grid).getBoundingClientRect()
  return { x: box.left + 40, y: box.bottom + 2 }
}
