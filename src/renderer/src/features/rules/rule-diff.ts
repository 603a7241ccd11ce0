// What a rule's sender sent beside what its receiver got, line against line: the text of
// each (control bytes as \xNN, never dropped), and the rows of a side-by-side view, a
// removed run paired with the added run after it so a changed line sits beside its change.

import { diffLines } from 'diff'

export type RowChange = 'same' | 'changed' | 'removed' | 'added'

export interface DiffRow {
  left?: string
  right?: string
  change: RowChange
}

/** Bytes as text a person can read: UTF-8, control bytes but tab and line ends as \xNN. */
export const readable = (b: Uint8Array): string =>
  new TextDecoder('utf-8').decode(b).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)

/** A text's lines, without the line ends (a CR before the LF stays out too: HTTP's heads end so). */
const linesOf = (text: string): string[] => {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''))
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The rows of `before` beside `after`, their differences found line by line. */
export function sideBySide(before: string, after: string): DiffRow[] {
  const rows: DiffRow[] = []
  const parts = diffLines(before, after)
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]
    const lines = linesOf(p.value)
    if (!p.added && !p.removed) {
      for (const l of lines) rows.push({ left: l, right: l, change: 'same' })
      continue
    }
    if (p.removed && parts[i + 1]?.added) {
      const added = linesOf(parts[++i].value)
      for (let k = 0; k < Math.max(lines.length, added.length); k++) {
        const left = lines[k]
        const right = added[k]
        rows.push({ ...(left !== undefined ? { left } : {}), ...(right !== undefined ? { right } : {}), change: left !== undefined && right !== undefined ? 'changed' : left !== undefined ? 'removed' : 'added' })
      }
      continue
    }
    for (const l of lines) rows.push(p.removed ? { left: l, change: 'removed' } : { right: l, change: 'added' })
  }
  return rows
}

/** Two texts that are not versions of each other (a request, and the answer a rule gave), line beside line. */
export function besideEachOther(left: string, right: string): DiffRow[] {
  const a = linesOf(left)
  const b = linesOf(right)
  return Array.from({ length: Math.max(a.length, b.length) }, (_, k) => ({ ...(a[k] !== undefined ? { left: a[k] } : {}), ...(b[k] !== undefined ? { right: b[k] } : {}), change: 'same' as const }))
}

export const changedRows = (rows: readonly DiffRow[]): number => rows.filter((r) => r.change !== 'same').length
