// One side of a byte-diff row as runs of text, cut only where the look changes (a differing
// byte, a byte the other side has and this one does not), so a row is a handful of spans
// rather than one per byte: a 64 KiB diff stays a light page.

import { HEX, PRINTABLE } from '../../../shared/hexdump'
import { BYTES_PER_ROW, type ByteDiffRow } from './response-diff'

export interface ByteRun {
  text: string
  differs: boolean
  /** This side has no byte here (its body is shorter). */
  absent: boolean
}

function push(runs: ByteRun[], text: string, differs: boolean, absent: boolean): void {
  const last = runs[runs.length - 1]
  if (last && last.differs === differs && last.absent === absent) last.text += text
  else runs.push({ text, differs, absent })
}

export function byteRowRuns(row: ByteDiffRow, side: 'recorded' | 'replayed'): { hex: ByteRun[]; ascii: ByteRun[] } {
  const values = row[side]
  const hex: ByteRun[] = []
  const ascii: ByteRun[] = []
  for (let i = 0; i < BYTES_PER_ROW; i++) {
    const present = i < values.length
    const v = values[i]
    const differs = present && row.differs[i]
    const absent = present && v === undefined
    // The gap goes with the byte before it, except after a marked byte: a mark ends at its digits.
    push(hex, !present ? '  ' : absent ? '··' : HEX[v!], differs, absent)
    push(hex, i === BYTES_PER_ROW - 1 ? '' : i === 7 ? '  ' : ' ', false, false)
    push(ascii, !present || absent ? ' ' : PRINTABLE[v!], differs, absent)
  }
  return { hex, ascii }
}
