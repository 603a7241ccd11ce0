// A message's protobuf fields as a field tree's rows (ui/tree/FieldTree.vue); a one-line
// preview of a message for the list; and where a field's bytes lie in the connection's
// stream, when the simple sum is right.

import type { ByteRange } from '../../../../shared/protocol-types'
import type { GrpcMessage, ProtoField } from '../../../../shared/grpc-types'
import type { FieldLine, FieldNote } from '../../ui/tree/field-line'

/** gRPC's length prefix: a compressed flag byte and a 4-byte length, before the payload. */
export const GRPC_PREFIX = 5
/** Characters of a message's preview in the list. */
const PREVIEW_MAX = 160

type Say = (key: string, named?: Record<string, unknown>) => string

/** Text quoted (its quotes tell an empty string from nothing). */
const valueOf = (f: ProtoField): string => (f.kind === 'string' ? JSON.stringify(f.value) : f.value)

/**
 * A field as its row says it: its number (and name, with a schema) in bold, how its value
 * reads, the value (a nested message without one: its type), then dim its other readings,
 * its type, the fields the budget left out, and in the warning colour why its schema's
 * reading failed.
 */
export function protoFieldLine(f: ProtoField, say: Say): FieldLine {
  const grouping = !!f.children?.length && !f.value
  const notes: FieldNote[] = []
  if (f.readings?.length) notes.push({ text: f.readings.map((r) => `${say(`grpcView.reading.${r.as}`)} ${r.value}`).join(' · ') })
  if (f.children?.length && f.value && f.typeName) notes.push({ text: f.typeName })
  if (f.omitted) notes.push({ text: say('grpcView.omitted', { n: f.omitted }) })
  if (f.problem) notes.push({ text: f.problem, warn: true })
  return {
    name: f.name ? `${f.number} ${f.name}` : String(f.number),
    kind: f.kind,
    value: grouping ? (f.typeName ?? '') : valueOf(f),
    cut: !grouping && f.cut,
    notes
  }
}

/** `1: "hello" 2: 42 3: {…}`: what a message holds, at a glance. */
export function messagePreview(m: GrpcMessage): string {
  let s = ''
  for (const f of m.fields) {
    const v = f.children?.length ? '{…}' : valueOf(f)
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
