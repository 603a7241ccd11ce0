// The engine's header rows and JSON changes as rows of one table (DiffRowsTable.vue): a
// name, both values as text, the change, and why a row is shown but not counted.

import type { HeaderDifference, JsonChange } from '../../../../../shared/response-comparison-types'

export interface DiffRow {
  change: 'same' | 'changed' | 'added' | 'removed'
  name: string
  /** The value on each side ('' or '—' where that side lacks it). */
  recorded: string
  replayed: string
  /** Shown but not counted, and why. */
  notCounted?: string
}

/** A header sent twice shows its values joined, as one field line would carry them. */
export const headerDiffRows = (rows: HeaderDifference[], why: (ignored: NonNullable<HeaderDifference['ignored']>) => string): DiffRow[] =>
  rows.map((r) => ({ change: r.change, name: r.name, recorded: r.recorded.join(', '), replayed: r.replayed.join(', '), ...(r.ignored ? { notCounted: why(r.ignored) } : {}) }))

export const jsonDiffRows = (changes: JsonChange[]): DiffRow[] => changes.map((c) => ({ change: c.change, name: c.path, recorded: c.recorded ?? '—', replayed: c.replayed ?? '—' }))
