// The hex view's rows as runs of text: a row is its offset, its hex column and its ASCII
// column, each cut only where the look changes (selection, caret, a byte that does not
// print, a stretch a rule changed, as delivered), so a screen is a few hundred elements rather than a couple of thousand spans and
// scrolling stays well under a frame. Which byte is under the pointer is arithmetic on the
// column, since every cell is the same width in a monospace font.

import { HEX, PRINTABLE } from '../../../../../shared/hexdump'

export const PER_ROW = 16

/** Characters of a row's hex column for `count` bytes: three a byte, one more after the eighth. */
const hexWidth = (count: number): number => count * 3 + (count > 7 ? 1 : 0)
/** A full row's hex column. */
const HEX_COLUMN = hexWidth(PER_ROW)

export type RunLook = '' | 'sel' | 'caret' | 'np' | 'sel np' | 'caret np'

export interface Run {
  text: string
  look: RunLook
  /** The delivered span the bytes are in (delivered-marks.ts), or -1. */
  mark: number
}

export interface HexRow {
  /** Row number in the stream. */
  index: number
  offset: string
  hex: Run[]
  ascii: Run[]
}

function push(runs: Run[], text: string, look: RunLook, mark: number): void {
  const last = runs[runs.length - 1]
  if (last && last.look === look && last.mark === mark && look !== 'caret' && look !== 'caret np') last.text += text
  else runs.push({ text, look, mark })
}

/**
 * One row: `bytes` are the row's bytes that are loaded (fewer than `count` while the rest
 * is on its way: those cells stay blank), starting at stream offset `start`.
 */
export function hexRow(
  index: number,
  offset: string,
  start: number,
  count: number,
  bytes: Uint8Array,
  sel: { offset: number; length: number } | undefined,
  caret: number | undefined,
  markAt: (o: number) => number = () => -1
): HexRow {
  const hex: Run[] = []
  const ascii: Run[] = []
  const inSel = (o: number): boolean => !!sel && o >= sel.offset && o < sel.offset + sel.length
  for (let i = 0; i < count; i++) {
    const o = start + i
    const loaded = i < bytes.length
    const b = bytes[i]
    const s = o === caret ? 'caret' : inSel(o) ? 'sel' : ''
    const gap = i === 7 ? '  ' : ' '
    const mark = markAt(o)
    push(hex, loaded ? HEX[b] : '  ', s, mark)
    // The gap after a byte is marked when the next byte is in the same span.
    const inRow = i < PER_ROW - 1
    push(hex, gap, inSel(o) && inSel(o + 1) && inRow ? 'sel' : '', inRow && i + 1 < count && mark >= 0 && markAt(o + 1) === mark ? mark : -1)
    const printable = loaded && b >= 0x20 && b < 0x7f
    push(ascii, loaded ? PRINTABLE[b] : ' ', printable ? s : s ? (`${s} np` as RunLook) : 'np', mark)
  }
  // A short last row's hex column is as wide as a full row's, so its ASCII column starts where theirs do.
  if (count < PER_ROW) push(hex, ' '.repeat(HEX_COLUMN - hexWidth(count)), '', -1)
  return { index, offset, hex, ascii }
}

/** The byte (0-15) under column `col` of the hex column: three columns a byte, one more after the eighth. */
export function byteAtHexColumn(col: number): number {
  const c = col >= 3 * 8 ? col - 1 : col
  return Math.max(0, Math.min(PER_ROW - 1, Math.floor(c / 3)))
}
