// A held header block, edited by a person, written back so that the receiver's HPACK context
// stays in step with the sender's: later blocks from the same sender refer to the dynamic
// table the original block built, so the new block must leave exactly that table behind.
//
// HPACK can only add an entry by sending its field, so every field the original added
// ('incremental') is sent again, from its original bytes and in its original order, and at a
// point where the table is as it was then (the other fields never touch the table, so that
// holds). An edit that removed or changed such a field cannot hide it: it stays, and `kept`
// says so, so the breakpoint view can tell the person. Every other field of the edited list is
// copied from the original when it is unchanged and still meets the same table, else written
// as a literal without indexing ('never' if the original sent that name never-indexed).

import type { HpackField, HpackResult } from './hpack-decoder'
import { concatBytes, encodeIndexed, encodeLiteralWithoutIndexing } from './hpack-encoder'
import { staticFieldIndex } from './static-table'

export interface HeaderEdit {
  name: string
  value: string
}

export type RewriteResult =
  | {
      ok: true
      block: Uint8Array
      /** What the receiver decodes from `block`: the edited list, with the `kept` fields where they had to go. */
      fields: HeaderEdit[]
      /** Fields of the original that added to the dynamic table and that the edit removed or changed: they are sent anyway. */
      kept: HpackField[]
    }
  | { ok: false; message: string }

/** `original` (one whole block) as `decoded` by the sender's context, rewritten to carry `edited`. */
export function rewriteHeaderBlock(original: Uint8Array, decoded: HpackResult, edited: readonly HeaderEdit[]): RewriteResult {
  if (decoded.error) return { ok: false, message: `the original block could not be decoded, so it cannot be rewritten: ${decoded.error.message}` }
  if (decoded.cut) return { ok: false, message: 'the original block was cut at the decoded size limit, so not all of its fields are known and it cannot be rewritten' }
  const fields = decoded.fields
  const inserted = fields.filter((f) => f.rep === 'incremental')

  // Each inserted field matched, in order, to an equal edited field; the unmatched are kept.
  const matches: Array<number | undefined> = []
  let from = 0
  for (const f of inserted) {
    let at = from
    while (at < edited.length && !(edited[at].name === f.name && edited[at].value === f.value)) at++
    matches.push(at < edited.length ? at : undefined)
    if (at < edited.length) from = at + 1
  }
  // A kept field goes just before the edited field of its name (what the person changed it
  // to, most likely), else before the next insertion, keeping the insertions' order.
  const matchedAt = new Map<number, HpackField>()
  const keptBefore = new Map<number, HpackField[]>()
  const kept: HpackField[] = []
  let floor = 0
  inserted.forEach((f, j) => {
    const at = matches[j]
    if (at !== undefined) {
      matchedAt.set(at, f)
      floor = at + 1
      return
    }
    kept.push(f)
    const next = matches.slice(j + 1).find((m) => m !== undefined) ?? edited.length
    let place = floor
    while (place < next && edited[place].name !== f.name) place++
    floor = place
    keptBefore.set(place, [...(keptBefore.get(place) ?? []), f])
  })

  // How many insertions precede each original field: a copy is only valid where the table is the same.
  const insertionsBefore = new Map<HpackField, number>()
  let n = 0
  for (const f of fields) {
    insertionsBefore.set(f, n)
    if (f.rep === 'incremental') n++
  }
  const unused = new Set(fields.filter((f) => f.rep !== 'incremental'))
  const neverNames = new Set(fields.filter((f) => f.rep === 'never').map((f) => f.name))

  // Size updates sit before the first field, and change the table: they go first, as they were.
  const parts: Uint8Array[] = [original.subarray(0, fields.length ? fields[0].offset : original.length)]
  const out: HeaderEdit[] = []
  let insertions = 0
  const emitOriginal = (f: HpackField): void => {
    parts.push(original.subarray(f.offset, f.offset + f.length))
    out.push({ name: f.name, value: f.value })
    if (f.rep === 'incremental') insertions++
  }
  edited.forEach((e, i) => {
    for (const f of keptBefore.get(i) ?? []) emitOriginal(f)
    const insert = matchedAt.get(i)
    if (insert) return emitOriginal(insert)
    const same = [...unused].find((f) => f.name === e.name && f.value === e.value && insertionsBefore.get(f) === insertions)
    if (same) {
      unused.delete(same)
      return emitOriginal(same)
    }
    const index = staticFieldIndex(e.name, e.value)
    parts.push(index ? encodeIndexed(index) : encodeLiteralWithoutIndexing(e.name, e.value, neverNames.has(e.name) ? 'never' : 'without'))
    out.push({ name: e.name, value: e.value })
  })
  for (const f of keptBefore.get(edited.length) ?? []) emitOriginal(f)
  return { ok: true, block: concatBytes(parts), fields: out, kept }
}
