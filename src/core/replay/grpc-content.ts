// A gRPC body read for the replay comparison as its messages' fields: each message a JSON
// object keyed `fieldN` by field number (a repeated number an array, a nested message an
// object, a whole number a number), so the one JSON comparison names what changed field by
// field (`body $[0].field2: -42 → -43`: the first message's field 2). Read without a schema, as protoc --decode_raw reads it; the body
// is already bounded by the comparison, and an inflated message by gRPC's own maximum.

import zlib from 'node:zlib'
import { GRPC_DEFAULT_MAX_MESSAGE, type ProtoField } from '../../shared/grpc-types'
import { GrpcFramer } from '../protocols/grpc/grpc-framing'
import { decodeProto } from '../protocols/grpc/proto-decode'

type Value = string | number | Value[] | { [field: string]: Value }

const NUMERIC = new Set(['varint', 'fixed64', 'fixed32'])

/** A number a person reads as one: whole and exact in JSON; else its text. */
function scalar(f: ProtoField): Value {
  const n = Number(f.value)
  return NUMERIC.has(f.kind) && Number.isSafeInteger(n) ? n : f.value
}

function fieldsValue(fields: ProtoField[]): { [field: string]: Value } {
  const out: { [field: string]: Value } = {}
  for (const f of fields) {
    const v: Value = f.children !== undefined && (f.kind === 'message' || f.kind === 'group') ? fieldsValue(f.children) : scalar(f)
    const key = `field${f.number}`
    const had = out[key]
    if (had === undefined) out[key] = v
    else if (Array.isArray(had) && f.kind !== 'packed') had.push(v)
    else out[key] = [had, v]
  }
  return out
}

/** A compressed message's payload inflated by its side's grpc-encoding (bounded), or undefined when it cannot be. */
function inflated(payload: Uint8Array, encoding: string | undefined): Uint8Array | undefined {
  const opts = { maxOutputLength: GRPC_DEFAULT_MAX_MESSAGE }
  try {
    if (encoding === 'gzip') return zlib.gunzipSync(payload, opts)
    if (encoding === 'deflate') return zlib.inflateSync(payload, opts)
  } catch {
    return undefined
  }
  return undefined
}

/**
 * The messages of a whole gRPC body as values, in order; undefined when it does not frame
 * (a problem, a message cut short, a compressed one that does not inflate): the comparison
 * then reads it as bytes.
 */
export function grpcMessagesValue(bytes: Uint8Array, encoding: string | undefined): Value[] | undefined {
  const framer = new GrpcFramer({ want: () => true })
  const frames = framer.push(bytes)
  framer.end(true)
  if (framer.problem || frames.some((f) => !f.complete)) return undefined
  const out: Value[] = []
  for (const f of frames) {
    if (f.trailer) continue
    const payload = f.compressed ? inflated(f.payload!, encoding?.trim().toLowerCase()) : f.payload!
    if (payload === undefined) return undefined
    const decoded = decodeProto(payload)
    if (decoded.problem) return undefined
    out.push(fieldsValue(decoded.fields))
  }
  return out
}
