// What a gRPC (or gRPC-Web) call's messages were decoded as, as front ends see them: the
// call (its method and status), and each message of one side with the tree of its protobuf
// fields, decoded without a schema (like `protoc --decode_raw`) or by loaded .proto files.
// A message keeps the shape of a WebSocket message (WsMessage) where the two agree, so one
// list can show both; every field keeps its bytes' place in the message.

import type { DecodedField } from './decoded-field'
import type { Direction } from './direction'
import type { ByteRange } from './protocol-types'

/** The largest message gRPC receives by default (its max receive size): larger declared lengths are a framing problem. */
export const GRPC_DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024
/** Nested messages (and groups) decoded at most this deep; deeper ones show as bytes. */
export const PROTO_MAX_DEPTH = 32
/** Fields listed at most in one message's tree (nested ones included); the rest are counted (`omitted`). */
export const PROTO_MAX_FIELDS = 10_000
/** A string or bytes value is shown up to this many bytes of it (`cut` says when there are more). */
export const PROTO_VALUE_SHOWN = 4096
/** A page of grpc.messages holds at most this many messages. */
export const GRPC_MAX_PAGE = 100

/** The protobuf wire types (`group` is the deprecated start-group/end-group pair). */
export type ProtoWireType = 'varint' | 'i64' | 'len' | 'group' | 'i32'

/** Another way the same bytes read: a varint as `signed` (int64) or `zigzag` (sint64), a fixed value as `signed`, `float` or `double`. */
export interface ProtoReading {
  as: 'signed' | 'zigzag' | 'float' | 'double'
  value: string
}

/** One field of a protobuf message, as sent: a decoded field whose bytes are always placed. */
export interface ProtoField extends DecodedField<ProtoField> {
  number: number
  wire: ProtoWireType
  /**
   * How `value` reads. Without a schema: `varint`, `fixed64`, `fixed32`, `string`, `bytes`
   * (hex), `message`, `group`. With one: the declared type (`int32`, `sint64`, `bool`,
   * `double`, `enum`, `string`, `bytes`, `message`, ...), or `packed` (its elements are `children`).
   */
  kind: string
  /** Other readings of a number, where they differ from `value` (no schema to say which is meant). */
  readings?: ProtoReading[]
  /** With a schema: the field's name, and a message's or enum's type (`pkg.Type`). */
  name?: string
  typeName?: string
  /** The field's bytes in its message (tag included): from the first byte of the message's payload. */
  offset: number
  length: number
  /** Where the value's own bytes start (after the tag and a length), and how many there are. */
  valueOffset: number
  valueLength: number
  /** Children not listed: the field budget (PROTO_MAX_FIELDS) ran out. */
  omitted?: number
  /** Why this field is not read as its schema says (a wire type that does not match, a message that does not parse). */
  problem?: string
}

/** A protobuf message decoded as far as it goes: garbage stops it with a problem, never an exception. */
export interface ProtoDecoded {
  fields: ProtoField[]
  /** Top-level fields not listed (the field budget ran out). */
  omitted?: number
  /** Where and why decoding stopped before the end. */
  problem?: { offset: number; message: string }
}

/** gRPC's status codes, named (0 is OK); an unknown code reads as its number. */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED'
] as const

export const grpcStatusName = (code: number): string => GRPC_STATUS_NAMES[code] ?? String(code)

/** A gRPC call as one exchange carried it. */
export interface GrpcCall {
  kind: 'grpc' | 'grpc-web'
  /** `/pkg.Service/Method`: the request's path. */
  method: string
  /** The request's content type (`application/grpc+proto`, `application/grpc-web-text`, ...). */
  contentType?: string
  /** `grpc-encoding` of the side read (absent: identity). */
  encoding?: string
  /** From the trailers (HTTP/2 trailers, or gRPC-Web's trailer frame), or the response headers of a trailers-only response. */
  status?: number
  /** grpcStatusName(status). */
  statusName?: string
  /** `grpc-message`, percent-decoded. */
  message?: string
  /** Where the status came from. */
  statusFrom?: 'trailers' | 'headers' | 'trailer-frame'
  /** The trailer fields in full (grpc-status, grpc-message, grpc-status-details-bin, ...), as sent. */
  trailers?: Array<{ name: string; value: string }>
}

/** One length-prefixed message of a call, one way. */
export interface GrpcMessage {
  /** Its position among its side's messages, from 0 (gRPC-Web's trailer frame is not one). */
  index: number
  dir: Direction
  /** Where its 5-byte prefix starts in the body's content (chunk or DATA framing removed). */
  contentOffset: number
  /** Its bytes on the wire, prefix included: first byte to last (other frames may lie between); absent when not known (gRPC-Web text, a coded body). */
  range?: ByteRange
  /** The payload's length as declared in its prefix (compressed, when compressed). */
  size: number
  /** The compressed flag: inflated with the side's grpc-encoding. */
  compressed: boolean
  /** The inflated payload's length, when compressed and inflated. */
  decodedSize?: number
  /** Every byte of it arrived. */
  complete: boolean
  /** Wall-clock ms of the data holding its first byte (HTTP/2: its DATA frame). */
  startedAt: number
  /** The protobuf type its fields were read by (from loaded .proto files); absent: without a schema. */
  type?: string
  fields: ProtoField[]
  /** Top-level fields not listed (PROTO_MAX_FIELDS). */
  omitted?: number
  /** What could not be read: an unknown encoding, an inflate error, a payload that stops parsing. */
  problem?: string
}

/** A slice of one side of a gRPC call (grpc.messages). */
export interface GrpcMessagePage {
  call: GrpcCall
  part: 'request' | 'response'
  from: number
  /** The side's messages found so far (each whose prefix arrived). */
  total: number
  /** Messages from `from` on; fewer than asked when their size or fields filled the page: ask again from `from + messages.length`. */
  messages: GrpcMessage[]
  /** The side's body ended and its framing was read to the end. */
  complete: boolean
  /** What stopped the framing (an absurd length, a bad flag byte, a body that ends inside a message), one sentence each. */
  problems: string[]
  /** Why fields have no names although .proto files are loaded (the method is not in them). */
  schemaNote?: string
}

/** What grpc.protos.load loaded: the files and the methods they define. */
export interface GrpcProtoSet {
  /** The files read, imports included (bundled google/protobuf ones by their names). */
  files: string[]
  /** Every method (`/pkg.Service/Method`), at most 1000 listed. */
  methods: string[]
  /** Message types defined. */
  types: number
}
