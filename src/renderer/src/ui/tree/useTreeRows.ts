// A tree of fields the keyboard walks, as Wireshark's packet details: the open fields'
// children below them, each row with its depth and a path that names it across reads; up and
// down move, right opens a field (or goes into it), left closes it (or goes to the one around
// it), Enter, Space or a click chooses one. FieldTree.vue draws it for every protocol's fields.

import { computed, nextTick, ref, shallowRef, watch, type Ref } from 'vue'
import { movedIndex } from '../list/list-keys'

export interface TreeField<F> {
  children?: F[]
}

export interface TreeRow<F> {
  field: F
  depth: number
  /** The positions from the top (`0.2.1`): stable while the fields are the same. */
  path: string
  parent?: string
  open: boolean
  hasChildren: boolean
}

/** The rows shown: every top field, and the children of those whose path is in `opened`. */
export function treeRows<F extends TreeField<F>>(fields: F[], opened: ReadonlySet<string>, depth = 0, parent?: string): Array<TreeRow<F>> {
  const out: Array<TreeRow<F>> = []
  fields.forEach((field, i) => {
    const path = parent === undefined ? String(i) : `${parent}.${i}`
    const hasChildren = (field.children?.length ?? 0) > 0
    const open = hasChildren && opened.has(path)
    out.push({ field, depth, path, parent, open, hasChildren })
    if (open) out.push(...treeRows(field.children!, opened, depth + 1, path))
  })
  return out
}

/** Rows a Page key moves by. */
const PAGE_ROWS = 20

/**
 * The tree's state over `fields` (new fields: the top level's groups open, nothing chosen):
 * the rows shown, the row with the focus, the one chosen; `onChoose` hears of each choice.
 */
export function useTreeRows<F extends TreeField<F>>(fields: () => F[], tree: Ref<HTMLElement | undefined>, onChoose: (f: F) => void) {
  const opened = shallowRef(new Set<string>())
  const current = ref(0)
  const chosen = ref<string>()
  // A new message opens with its top-level groups open: one level is what people look at first.
  watch(
    fields,
    (fs) => {
      opened.value = new Set(fs.flatMap((f, i) => (f.children?.length ? [String(i)] : [])))
      current.value = 0
      chosen.value = undefined
    },
    { immediate: true }
  )
  const rows = computed(() => treeRows(fields(), opened.value))

  function setOpen(row: TreeRow<F>, open: boolean): void {
    const next = new Set(opened.value)
    if (open) next.add(row.path)
    else next.delete(row.path)
    opened.value = next
  }

  function focusRow(i: number): void {
    current.value = i
    void nextTick(() => tree.value?.querySelectorAll<HTMLElement>('[role="treeitem"]')[i]?.focus())
  }

  function choose(i: number): void {
    const row = rows.value[i]
    if (!row) return
    current.value = i
    chosen.value = row.path
    onChoose(row.field)
  }

  function onKey(e: KeyboardEvent): void {
    const at = current.value
    const row = rows.value[at]
    if (!row) return
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      choose(at)
    } else if (e.key === 'ArrowRight') {
      e.preventDefault()
      if (row.hasChildren && !row.open) setOpen(row, true)
      else if (row.open) focusRow(at + 1)
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault()
      if (row.open) setOpen(row, false)
      else if (row.parent !== undefined) focusRow(rows.value.findIndex((r) => r.path === row.parent))
    } else {
      const next = movedIndex(e.key, at, rows.value.length - 1, PAGE_ROWS)
      if (next === undefined) return
      e.preventDefault()
      focusRow(next)
    }
  }

  return { rows, current, chosen, setOpen, choose, onKey }
}
