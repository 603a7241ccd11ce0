// Two byte windows (a recorded body and its replay, from the same offset) as 16-byte hex
// rows, with the bytes that differ marked, each side of a row cut into runs only where the
// look changes (a differing byte, a byte the other side lacks), so a row is a handful of
// spans rather than one per byte: a 64 KiB diff stays a light page. Laying out, not
// comparing: where the bodies differ is the engine's to say (the binary comparison's window).

import { HEX, PRINTABLE } from '../../../../../shared/hexdump'

export const BYTES_PER_ROW = 16
/** The most rows laid out (64 KiB, a raw replay turn's answer kept whole). */
export const MAX_DIFF_ROWS = 4096

export interface HexDiffRow {
  /** The row's first byte in the body. */
  offset: number
  recorded: Array<number | undefined>
  replayed: Array<number | undefined>
  /** Per column: the two bytes differ (or one is missing). */
  differs: boolean[]
}

export interface ByteRun {
  text: string
  differs: boolean
  /** This side has no byte here (its body is shorter). */
  absent: boolean
}

/** The rows of two windows that start at body offset `at` (a multiple of 16); `cut` when rows were left out past MAX_DIFF_ROWS. */
export function hexDiffRows(recorded: Uint8Array, replayed: Uint8Array, at = 0): { rows: HexDiffRow[]; cut: boolean } {
  const longest = Math.max(recorded.length, replayed.length)
  const shown = Math.min(longest, MAX_DIFF_ROWS * BYTES_PER_ROW)
  const rows: HexDiffRow[] = []
  for (let offset = 0; offset < shown; offset += BYTES_PER_ROW) {
    const width = Math.min(BYTES_PER_ROW, shown - offset)
    const row: HexDiffRow = { offset: at + offset, recorded: [], replayed: [], differs: [] }
    for (let i = offset; i < offset + width; i++) {
      const x = i < recorded.length ? recorded[i] : undefined
      const y = i < replayed.length ? replayed[i] : undefined
      row.recorded.push(x)
      row.replayed.push(y)
      row.differs.push(x !== y)
    }
    rows.push(row)
  }
  return { rows, cut: longest > shown }
}

function push(runs: ByteRun[], text: string, differs: boolean, absent: boolean): void {
  const last = runs[runs.length - 1]
  if (last && last.differs === differs && last.absent === absent) last.text += text
  else runs.push({ text, differs, absent })
}

export function byteRowRuns(row: HexDiffRow, side: 'recorded' | 'replayed'): { hex: ByteRun[]; ascii: ByteRun[] } {
  const values = row[side]
  const hex: ByteRun[] = []
  const ascii: ByteRun[] = []
  for (let i = 0; i < BYTES_PER_ROW; i++) {
    const present = i < values.length
    const v = values[i]
    const differs = present && row.differs[i]
    const absent = present && v === undefined
    push(hex, !present ? '  ' : absent ? '··' : HEX[v!], differs, absent)
    // A gap between two marked bytes is marked too, so a run of differing bytes is one span
    // (two unrelated 64 KiB bodies made 320,000 elements and took 10 s when each byte was its own).
    const next = i + 1
    const joins = next < values.length && row.differs[next] && differs && (values[next] === undefined) === absent
    push(hex, i === BYTES_PER_ROW - 1 ? '' : i === 7 ? '  ' : ' ', joins, joins && absent)
    push(ascii, !present || absent ? ' ' : PRINTABLE[v!], differs, absent)
  }
  return { hex, ascii }
}
