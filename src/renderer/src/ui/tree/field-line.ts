// What one row of a field tree says, whatever decoded the field: its name in bold, the kind
// of field after it, its value, notes after the value (other readings of the same bytes, a
// type, why it is not read as its schema says), and where its bytes are. Each protocol maps
// its own fields to this, so FieldTree.vue knows no protocol.

export interface FieldNote {
  text: string
  /** In the warning colour (a problem), not dim (more of the same). */
  warn?: boolean
}

export interface FieldLine {
  name: string
  kind?: string
  /** As shown; `cut` adds the mark that more was not shown. */
  value: string
  cut?: boolean
  notes?: FieldNote[]
  /** `@13+7`, at the row's end. */
  where?: string
}

/** Where a field's bytes are in its message, as Wireshark's status line says it: `@13+7`. */
export const fieldWhere = (f: { offset?: number; length?: number }): string =>
  f.offset === undefined ? '' : `@${f.offset}${f.length !== undefined ? `+${f.length}` : ''}`
