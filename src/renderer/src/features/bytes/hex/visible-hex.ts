// A chunk's bytes as hex rows, for the conversation's hex look: the hex view's rows
// (hex-rows.ts: offset, hex column, ASCII column), as the same plain runs the text
// look uses, so the conversation renders either the same way. Offsets are from the chunk's
// first byte, the dim parts (offsets, bytes that do not print) marked as such.

import { hexRow, PER_ROW } from './hex-rows'
import type { TextRun, VisibleText } from '../text/visible-text'

/** Hex digits of the offsets of a body of `length` bytes: at least four. */
export const offsetDigits = (length: number): number => Math.max(4, Math.max(length - 1, 0).toString(16).length)

/** Three columns a byte, one more after the eighth. */
const HEX_COLUMN = PER_ROW * 3 + 1

/**
 * `bytes` as hex rows of 16, up to `maxLines` rows. A page of a longer body says where it
 * starts (`base`, a multiple of 16) and the whole body's offset width (`digits`), so its
 * rows line up with the other pages'.
 */
export function visibleHex(
  bytes: Uint8Array,
  maxLines = Infinity,
  page: { base: number; digits: number } = { base: 0, digits: offsetDigits(bytes.length) },
  cuts: readonly number[] = []
): VisibleText {
  const runs: TextRun[] = []
  const push = (text: string, control: boolean): void => {
    const last = runs[runs.length - 1]
    if (last && last.control === control) last.text += text
    else runs.push({ text, control })
  }
  const rows = Math.ceil(bytes.length / PER_ROW)
  const shown = Math.min(rows, maxLines)
  for (let r = 0; r < shown; r++) {
    const start = r * PER_ROW
    const row = hexRow(r, '', start, Math.min(PER_ROW, bytes.length - start), bytes.subarray(start, start + PER_ROW), undefined, undefined)
    if (r > 0) push('\n', false)
    push((page.base + start).toString(16).padStart(page.digits, '0'), true)
    // A short last row keeps its ASCII column where the full rows have it.
    const hex = `  ${row.hex.map((run) => run.text).join('').padEnd(HEX_COLUMN)} `
    // A cut (a message's start) begins a run at its byte's two digits.
    let from = 0
    for (const at of [...new Set(cuts.filter((c) => c >= start && c < start + PER_ROW))]) {
      const col = 2 + (at - start) * 3 + (at - start > 7 ? 1 : 0)
      if (col > from) push(hex.slice(from, col), false)
      runs.push({ text: '', control: false, starts: [at] })
      from = col
    }
    push(hex.slice(from), false)
    for (const run of row.ascii) push(run.text, run.look.includes('np'))
  }
  return { runs, lines: shown, cut: shown < rows }
}
