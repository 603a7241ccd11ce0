// A message's protobuf fields as the rows of a tree (ui/tree/useTreeRows.ts); a one-line preview of a
// message for the list; and where a field's bytes lie in the connection's stream, when the
// simple sum is right.

import type { ByteRange } from '../../../../shared/protocol-types'
import type { GrpcMessage, ProtoField } from '../../../../shared/grpc-types'
import { treeRows, type TreeRow } from '../../ui/tree/useTreeRows'

/** gRPC's length prefix: a compressed flag byte and a 4-byte length, before the payload. */
export const GRPC_PREFIX = 5
/** Characters of a message's preview in the list. */
const PREVIEW_MAX = 160

export type FieldRow = TreeRow<ProtoField>

/** The rows shown: every top field, and the children of those whose path is in `opened`. */
export const fieldRows = (fields: ProtoField[], opened: ReadonlySet<string>): FieldRow[] => treeRows(fields, opened)

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
