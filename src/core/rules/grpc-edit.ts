// A rewrite on a gRPC body (application/grpc, +proto, +json, gRPC-Web and its base64 text
// mode): the body is a series of length-prefixed messages (grpc-framing.ts), each protobuf
// (or JSON for +json), so it is edited message by message and each 5-byte prefix refitted,
// never as one text. A compressed message (flag 1) is inflated by the side's grpc-encoding,
// changed, and compressed again the same way. gRPC-Web's trailer frame, and every message an
// edit does not change, go on byte for byte. Bounded: the body is what the hold kept, each
// message at most gRPC's largest (4 MiB) as declared, inflated and after the edit.
//
// A plain `replace` on protobuf is made on each text value (a printable UTF-8 string field,
// nested messages through) and every length around it refitted, not on the message's bytes:
// a user who replaces "world" by "everyone" in a greeting expects the client to read the
// new greeting, and a byte-level replace that changes a string's length would break that
// string's own length prefix (the client then fails to parse the message). Refusing it would
// leave them no text replace at all on gRPC; a field-by-number set (`grpc.field`) is there
// for the rest (numbers, booleans, a field that is absent).

import { GRPC_DEFAULT_MAX_MESSAGE } from '../../shared/grpc-types'
import type { TextReplace } from '../../shared/rules/rule-types'
import { inflateGrpcMessage } from '../decode/grpc/grpc-inflate'
import { encodeCodings } from '../http/body/encode-codings'
import { GrpcFramer, type GrpcFrame } from '../protocols/grpc/grpc-framing'
import { Base64Pieces } from '../protocols/grpc/grpc-web-text'
import { replaceProtoText, setProtoFields, type ProtoSetValue } from '../protocols/grpc/proto-edit'
import { replaceAll, replaceInBytes } from './text-replace'

export interface GrpcBodyEdit {
  replace?: readonly TextReplace[]
  /** Protobuf fields by number path (`1`, `2.1`) and the value each is set to. */
  field?: Readonly<Record<string, ProtoSetValue>>
}

export type GrpcEdited = { content: Uint8Array; changed: boolean; notes: string[] } | { problem: string }

const PREFIX = 5

/** How a gRPC content type carries its messages: base64 text (gRPC-Web's text mode) or bytes; protobuf or JSON. */
function shapeOf(contentType: string): { text: boolean; proto: boolean } {
  const t = contentType.toLowerCase().split(';')[0].trim()
  const codec = t.includes('+') ? t.slice(t.indexOf('+') + 1) : 'proto'
  return { text: t.startsWith('application/grpc-web-text'), proto: codec === 'proto' }
}

/**
 * The content of a gRPC body (content codings already undone) with `edit` made in each of
 * its messages; `encoding` is the side's grpc-encoding. A body that does not frame as gRPC
 * is a problem, and goes as it came.
 */
export async function rewriteGrpcContent(content: Uint8Array, contentType: string, encoding: string | undefined, edit: GrpcBodyEdit): Promise<GrpcEdited> {
  const shape = shapeOf(contentType)
  let framed = content
  if (shape.text) {
    const b64 = new Base64Pieces()
    framed = b64.push(content)
    if (b64.problem !== undefined) return { problem: b64.problem.message }
    if (b64.partial) return { problem: 'the gRPC-Web text body ends inside a base64 group' }
  }
  const framer = new GrpcFramer({ want: () => true })
  const frames = framer.push(framed)
  framer.end(true)
  if (framer.problem !== undefined) return { problem: `its gRPC framing does not read: ${framer.problem.message}` }
  const notes: string[] = []
  if (edit.field !== undefined && !shape.proto) notes.push(`fields not set: the messages are not protobuf (content-type ${contentType})`)
  const parts: Uint8Array[] = []
  let changed = false
  for (const f of frames) {
    const original = framed.subarray(f.offset, f.offset + PREFIX + f.size)
    const edited = f.trailer ? undefined : await editFrame(f, shape.proto, encoding, edit, notes)
    if (edited !== undefined) changed = true
    parts.push(edited ?? original)
  }
  if (!changed) return { content, changed, notes: [...new Set(notes)] }
  const joined = Buffer.concat(parts)
  const out = shape.text ? Buffer.from(joined.toString('base64'), 'latin1') : joined
  return { content: new Uint8Array(out.buffer, out.byteOffset, out.length), changed, notes: [...new Set(notes)] }
}

/** One message with the edit made, prefix and all; undefined when it is unchanged or left as sent (a note says why). */
async function editFrame(f: GrpcFrame, proto: boolean, encoding: string | undefined, edit: GrpcBodyEdit, notes: string[]): Promise<Uint8Array | undefined> {
  const which = `message ${f.index + 1}`
  const coding = encoding?.trim().toLowerCase()
  let payload = f.payload!
  if (f.compressed) {
    const inflated = await inflateGrpcMessage(payload, coding, GRPC_DEFAULT_MAX_MESSAGE)
    if ('problem' in inflated) {
      notes.push(`${which} left as sent: ${inflated.problem}`)
      return undefined
    }
    payload = inflated.bytes
  }
  const changedPayload = proto ? editProto(payload, edit, which, notes) : editOther(payload, edit)
  if (changedPayload === undefined) return undefined
  let flags = f.flags
  let body = changedPayload
  if (f.compressed) {
    const encoded = await encodeCodings(changedPayload, [coding!])
    // A message may go uncompressed on a call with a grpc-encoding (its flag says so).
    if ('cannot' in encoded) {
      notes.push(`${which} sent uncompressed: this Node cannot encode ${encoded.cannot}`)
      flags &= ~1
    } else body = encoded.bytes
  }
  if (body.length > GRPC_DEFAULT_MAX_MESSAGE) {
    notes.push(`${which} left as sent: changed, it would be ${body.length} bytes, more than gRPC's largest message (${GRPC_DEFAULT_MAX_MESSAGE} bytes)`)
    return undefined
  }
  const prefix = Buffer.alloc(PREFIX)
  prefix.writeUInt8(flags, 0)
  prefix.writeUInt32BE(body.length, 1)
  return Buffer.concat([prefix, body])
}

/** A protobuf message: its fields set, then its text values replaced; undefined when unchanged. */
function editProto(payload: Uint8Array, edit: GrpcBodyEdit, which: string, notes: string[]): Uint8Array | undefined {
  let bytes = payload
  let changed = false
  if (edit.field !== undefined) {
    const set = setProtoFields(bytes, edit.field)
    if ('problem' in set) {
      notes.push(`${which} left as sent: it does not read as protobuf (${set.problem})`)
      return undefined
    }
    notes.push(...set.notes)
    bytes = set.bytes
    changed = set.changed
  }
  const replaces = edit.replace ?? []
  if (replaces.length > 0) {
    const r = replaceProtoText(bytes, (text) => replaceAll(text, replaces))
    if ('problem' in r) {
      notes.push(`${which} left as sent: it does not read as protobuf (${r.problem})`)
      return undefined
    }
    bytes = r.bytes
    changed ||= r.changed
  }
  return changed ? bytes : undefined
}

/** A message that is not protobuf (+json): its replacements made over its bytes, which nothing inside measures. */
function editOther(payload: Uint8Array, edit: GrpcBodyEdit): Uint8Array | undefined {
  const before = Buffer.from(payload.buffer, payload.byteOffset, payload.length)
  const after = replaceInBytes(before, edit.replace ?? [])
  return after === before ? undefined : after
}
