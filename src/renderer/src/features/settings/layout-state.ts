// The window's layout as the engine keeps it (ui.state.*): pane sizes, each list's sort
// column, the detail tab and the recent captures, as JSON. Web mode's page has a new origin each run (a new port), so
// its localStorage starts empty: this copy, in the data folder, is what it remembers.
// What is read back is checked key by key; a key that is wrong is left out, not trusted.

import { MAX_RECENT_FILES } from '../../../../shared/shell'

/** A list's sort: its column's key and the direction (useRememberedSort.ts checks the key is the list's). */
export interface ListSort {
  key: string
  descending: boolean
}

export interface Layout {
  panes?: Record<string, number[]>
  sorts?: Record<string, ListSort>
  detailTab?: string
  recent?: string[]
}

/** Bumped if the shape changes; another version is ignored rather than misread. */
const LAYOUT_VERSION = 1

export const layoutText = (layout: Layout): string => JSON.stringify({ layout: LAYOUT_VERSION, ...layout })

const isListSort = (v: unknown): v is ListSort =>
  typeof v === 'object' && v !== null && typeof (v as ListSort).key === 'string' && (v as ListSort).key.length <= 32 && typeof (v as ListSort).descending === 'boolean'

const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100

export function parseLayout(text: string | null): Layout {
  let doc: unknown
  try {
    doc = JSON.parse(text ?? 'null')
  } catch {
    return {}
  }
  if (typeof doc !== 'object' || doc === null || (doc as { layout?: unknown }).layout !== LAYOUT_VERSION) return {}
  const { panes, sorts, detailTab, recent } = doc as Record<string, unknown>
  const out: Layout = {}
  if (typeof panes === 'object' && panes !== null && !Array.isArray(panes)) {
    const good = Object.entries(panes).filter((e): e is [string, number[]] => Array.isArray(e[1]) && e[1].length > 0 && e[1].every(isSize))
    out.panes = Object.fromEntries(good)
  }
  if (typeof sorts === 'object' && sorts !== null && !Array.isArray(sorts)) {
    out.sorts = Object.fromEntries(Object.entries(sorts).filter((e): e is [string, ListSort] => isListSort(e[1])))
  }
  if (typeof detailTab === 'string') out.detailTab = detailTab
  if (Array.isArray(recent)) out.recent = recent.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT_FILES)
  return out
}
