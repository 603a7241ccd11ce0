// What the `.ksy` codec (ksy-codec.ts, ksy-fields.ts) needs of a compiled `.ksy`, whatever
// compiled and runs it: the engine's src/core/ksy/ loads the file, compiles it with the
// Kaitai Struct compiler and runs the parser in a budget; the codec only cuts and shows.

/** Object levels the field walk goes down, at most. */
export const KSY_MAX_DEPTH = 48

/** What the top-level stream saw of its end during one run. */
export interface StreamProbe {
  /** A read past the end: the stream length that read needed (the end + 1 when a terminator was not found). */
  need: number
  /** The parse asked where the stream ends (its length then depends on how many bytes there happen to be). */
  toEnd: boolean
}

/** The runtime's stream as the field walk reads it: where its bytes are. */
export interface KsyStream {
  pos: number
  _buffer: ArrayBufferLike
  _byteOffset: number
}

/** A parsed object as the compiled code makes it (debug mode): its fields, their positions, and instances that could not be computed. */
export interface KsyObject {
  _io: KsyStream
  _debug: Record<string, KsyDebug>
  __instErr?: Record<string, string>
  [field: string]: unknown
}

export interface KsyDebug {
  start?: number
  end?: number
  enumName?: string
  arr?: Array<{ start?: number; end?: number } | undefined>
}

export interface KsyRun {
  /** The top-level object as far as it was read. */
  root: KsyObject
  /** The parse's error (the runtime's, or the budget's), when it did not finish. */
  error?: { message: string; name: string }
  /** Bytes of the top-level stream the parse read up to (a whole message's length). */
  end: number
  probe: StreamProbe
  /** It was cut off at a budget (its time, or the items it may make): the file's doing more than the bytes', so the codec counts these. */
  timedOut: boolean
  /**
   * A run without fields (cutting) left out the content of a field it could not decode (a
   * `process: zlib` past its bound): why. The parse went on as if it held no bytes, so its
   * end is the message's all the same; a run with fields stops there with the error instead.
   */
  notDecoded?: string
}

export interface KsyParserLike {
  /** Parses `bytes` as the top-level type; `fields`: also computes every instance (for a person's tree). */
  run(bytes: Uint8Array, fields: boolean): KsyRun
  /** An enum by the compiled code's name for it (`DeviceFrame.Kind`): number to its name. */
  enumOf(path: string): Record<string, unknown> | undefined
}

export interface CompiledKsy {
  path: string
  /** The file's id (`meta: id`). */
  id: string
  parser: KsyParserLike
  /** The `.ksy` names of the compiled code's fields (`temperatureCenti` → `temperature_centi`) and types and enums (`TextBody` → `text_body`, `MsgType` → `msg_type`). */
  names: Map<string, string>
  types: Map<string, string>
}
