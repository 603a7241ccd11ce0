// The hex view's selection as hex editors keep it: an anchor byte where it began and a
// caret byte that moves; the bytes between them, both included, are selected. The keys
// move the caret as in HxD or vscode-hexeditor, Shift keeps the anchor.

export interface ByteCaret {
  anchor: number
  caret: number
}

export interface ByteRange {
  offset: number
  length: number
}

export const rangeOf = (s: ByteCaret): ByteRange => ({ offset: Math.min(s.anchor, s.caret), length: Math.abs(s.caret - s.anchor) + 1 })

/** The caret at the range's last byte, the anchor at its first. */
export const caretOf = (r: ByteRange): ByteCaret => ({ anchor: r.offset, caret: r.offset + Math.max(r.length, 1) - 1 })

export interface KeyInput {
  key: string
  shift: boolean
  ctrl: boolean
}

/**
 * Where a key moves the caret in a stream of `total` bytes shown `perRow` to a row,
 * `pageRows` rows to a screen; undefined for a key that does not move it.
 */
export function moveByKey(s: ByteCaret, k: KeyInput, total: number, perRow: number, pageRows: number): ByteCaret | undefined {
  if (total <= 0) return undefined
  const c = s.caret
  let to: number
  switch (k.key) {
    case 'ArrowLeft':
      to = c - 1
      break
    case 'ArrowRight':
      to = c + 1
      break
    case 'ArrowUp':
      to = c - perRow
      break
    case 'ArrowDown':
      to = c + perRow
      break
    case 'PageUp':
      to = c - perRow * Math.max(1, pageRows - 1)
      break
    case 'PageDown':
      to = c + perRow * Math.max(1, pageRows - 1)
      break
    case 'Home':
      to = k.ctrl ? 0 : c - (c % perRow)
      break
    case 'End':
      to = k.ctrl ? total - 1 : c - (c % perRow) + perRow - 1
      break
    default:
      return undefined
  }
  // Up and down stop at the first and last rows rather than jumping to the ends.
  if ((k.key === 'ArrowUp' || k.key === 'PageUp') && to < 0) to = c % perRow
  if ((k.key === 'ArrowDown' || k.key === 'PageDown') && to > total - 1) {
    const lastRowStart = total - 1 - ((total - 1) % perRow)
    to = Math.min(total - 1, lastRowStart + (c % perRow))
  }
  to = Math.max(0, Math.min(total - 1, to))
  return { anchor: k.shift ? s.anchor : to, caret: to }
}
