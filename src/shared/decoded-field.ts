// What every decoded field is, whichever protocol decoded it: its value as shown, where its
// bytes are, whether the value was cut, and the fields inside it. A raw protocol's message
// fields (message-types.ts) and a protobuf message's fields (grpc-types.ts) both extend it,
// so one field tree in the UI walks and places either.

export interface DecodedField<F extends DecodedField<F>> {
  /** As shown: a number in decimal, text, hex; empty for a field that only groups others. */
  value: string
  /** Its bytes, from the first byte of the message (a gRPC message: of its payload). */
  offset?: number
  length?: number
  /** The value shown only in part (the protocol's shown-value limit). */
  cut?: boolean
  children?: F[]
}
