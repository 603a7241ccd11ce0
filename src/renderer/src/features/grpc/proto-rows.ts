// A message's protobuf fields as the rows of a tree: the open fields' children below them,
// each row with its depth and a path that names it across reads; a one-line preview of a
// message for the list; and where a field's bytes lie in the connection's stream, when the
// simple sum is right.

import type { ByteRange } from '../../../../shared/protocol-types'
import type { GrpcMessage, ProtoField } from '../../../../shared/grpc-types'

/** gRPC's length prefix: a compressed flag byte and a 4-byte length, before the payload. */
export const GRPC_PREFIX = 5
/** Characters of a message's preview in the list. */
const PREVIEW_MAX = 160

export interface FieldRow {
  field: ProtoField
  depth: number
  /** The field numbers and positions from the top (`0.2.1`): stable while the message is the same. */
  path: string
  parent?: string
  open: boolean
  hasChildren: boolean
}

/** The rows shown: every top field, and the children of those whose path is in `opened`. */
export function fieldRows(fields: ProtoField[], opened: ReadonlySet<string>, depth = 0, parent?: string): FieldRow[] {
  const out: FieldRow[] = []
  fields.forEach((field, i) => {
    const path = parent === undefined ? String(i) : `${parent}.${i}`
    const hasChildren = (field.children?.length ?? 0) > 0
    const open = hasChildren && opened.has(path)
    out.push({ field, depth, path, parent, open, hasChildren })
    if (open) out.push(...fieldRows(field.children!, opened, depth + 1, path))
  })
  return out
}

/** `1: "hello" 2: 42 3: {…}`: what a message holds, at a glance. */
export function messagePreview(m: GrpcMessage): string {
  let s = ''
  for (const f of m.fields) {
    const v = f.children?.length ? '{…}' : f.kind === 'string' ? JSON.stringify(f.value) : f.value
    s += `${s ? ' ' : ''}${f.name ?? f.number}: ${v}`
    if (s.length >= PREVIEW_MAX) return `${s.slice(0, PREVIEW_MAX)}…`
  }
  return s
}

/**
 * A field's bytes in the stream, or undefined where the sum would lie: a compressed message
 * (its fields are in the inflated bytes), or one whose bytes are not all together on the
 * wire (split across DATA frames or chunks, other frames between: its range is longer than
 * prefix and payload).
 */
export function fieldBytes(m: GrpcMessage, f: Pick<ProtoField, 'offset' | 'length'>): ByteRange | undefined {
  const r = m.range
  if (!r || m.compressed || r.length !== GRPC_PREFIX + m.size) return undefined
  return { dir: r.dir, offset: r.offset + GRPC_PREFIX + f.offset, length: f.length }
}
