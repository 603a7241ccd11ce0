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
