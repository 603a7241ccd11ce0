// What the field decoder needs of a protobuf schema, and nothing of where it came from: the
// engine builds it from .proto files (protobufjs, in core/decode/grpc), so the decoder
// stays free of packages and runs in the decode worker. A number is read by its declared
// type here: int32 keeps the low 32 bits signed, sint is zigzag, an enum reads as its name.

import type { ProtoField } from '../../../shared/grpc-types'
import { doubleAt, floatAt, signed64, uint32At, uint64At, zigzag } from './proto-values'

/** A message type: its full name and its fields by number. */
export interface SchemaType {
  name: string
  field(number: number): SchemaField | undefined
}

export interface SchemaField {
  name: string
  /** A scalar's type (`int32`, `string`, `bytes`, ...), or `message` or `enum`. */
  type: string
  repeated: boolean
  /** A message's type (a map field's: its entry, key 1 and value 2). */
  message?: SchemaType
  /** A message's or enum's full name. */
  typeName?: string
  enumValues?: ReadonlyMap<number, string>
}

/** The wire type each scalar type is sent as. */
const WIRE_OF: Record<string, number> = {
  int32: 0,
  int64: 0,
  uint32: 0,
  uint64: 0,
  sint32: 0,
  sint64: 0,
  bool: 0,
  enum: 0,
  fixed64: 1,
  sfixed64: 1,
  double: 1,
  fixed32: 5,
  sfixed32: 5,
  float: 5,
  string: 2,
  bytes: 2,
  message: 2
}

export const declaredWire = (f: SchemaField): number | undefined => WIRE_OF[f.type]

/** Whether a repeated field of this type may come packed (scalars sent as varints or fixed). */
export const packable = (f: SchemaField): boolean => f.repeated && [0, 1, 5].includes(WIRE_OF[f.type] ?? -1)

/** A varint read as its declared type. */
export function varintAs(f: SchemaField, v: number | bigint): string {
  const b = BigInt(v)
  switch (f.type) {
    case 'int32':
      return String(BigInt.asIntN(32, b))
    case 'uint32':
      return String(BigInt.asUintN(32, b))
    case 'int64':
      return String(signed64(v))
    case 'sint32':
      return zigzag(BigInt.asUintN(32, b))
    case 'sint64':
      return zigzag(v)
    case 'bool':
      return b === 0n ? 'false' : 'true'
    case 'enum': {
      const n = Number(BigInt.asIntN(32, b))
      return f.enumValues?.get(n) ?? String(n)
    }
    default:
      return String(v)
  }
}

/** A fixed value (at `at`, 8 or 4 bytes) read as its declared type. */
export function fixedAs(f: SchemaField, buf: Uint8Array, at: number): string {
  switch (f.type) {
    case 'double':
      return String(doubleAt(buf, at))
    case 'float':
      return String(floatAt(buf, at))
    case 'sfixed64':
      return String(signed64(uint64At(buf, at)))
    case 'fixed64':
      return String(uint64At(buf, at))
    case 'sfixed32':
      return String(uint32At(buf, at) | 0)
    default:
      return String(uint32At(buf, at))
  }
}

/** Names a field by its schema. */
export function named(field: ProtoField, f: SchemaField): ProtoField {
  field.name = f.name
  if (f.typeName !== undefined) field.typeName = f.typeName
  return field
}
