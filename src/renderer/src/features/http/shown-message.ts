// What the HTTP viewers (MessagePane, HeadersTable, BodyView) are given, whoever holds the
// message: the HTTP tab's exchange (its body read through the engine by pages, its parts
// linked to the connection's bytes) or a replay's response (held in the replay's result).
// The viewers know no store; what they show and how to read more is in their props.

import type { BodyFraming, BodyPiece, ByteRange } from '../../../../shared/protocol-types'

export interface ShownHeader {
  name: string
  value: string
  /** Where its bytes are in the connection (absent for a message not read from one). */
  range?: ByteRange
}

/** One HTTP message as the viewers show it (an engine's HttpMessage is one). */
export interface ShownMessage {
  /** `HTTP/2`: the start line was made from the pseudo-headers (none is sent), and the head is an HPACK block in HEADERS frames. */
  version?: string
  startLine: string
  startRange?: ByteRange
  startedAt?: number
  /** In the order sent, names in their case, duplicates kept. */
  headers: ShownHeader[]
  /** The head's bytes in the connection: shown raw when the links can read them (HTTP/2: the header block's frames, shown in hex). */
  headRange?: ByteRange
  body: {
    framing: BodyFraming
    /** Bytes of content as sent (chunk framing removed). */
    size: number
    complete: boolean
    range?: ByteRange
    trailers?: ShownHeader[]
  }
}

/**
 * A body or a payload as far as it was read: its bytes, and what the engine said of it with
 * the pieces (its size, its end, the codings undone, a problem or a cut, its type, the pretty view).
 */
export interface BodyState extends Pick<BodyPiece, 'total' | 'end' | 'decoded' | 'problem' | 'cut' | 'note' | 'type' | 'pretty'> {
  bytes: Uint8Array
  /** `bytes` stopped at SHOWN_MAX before the end: the rest is for the hex view. */
  capped?: boolean
  /** No more can be read than `bytes` (a replay keeps only the first bytes of a body). */
  kept?: boolean
  /**
   * Short of its end, `bytes` is all the capture holds of it (so far): the message was cut
   * off (its connection reset or closed midway), or the rest has not come yet. There is no
   * more to load.
   */
  allRecorded?: boolean
  loading: boolean
  error?: string
}

export interface BodyLoad {
  /** Read all of it up to WHOLE_MAX (a viewer that needs it whole). */
  whole?: boolean
  /** Read the next piece of one already shown. */
  more?: boolean
  /** Undo the content codings (the default); false reads the bytes as sent. */
  decode?: boolean
}

/** How a viewer reads a message's body: what was read so far (reactive), and reading more. */
export interface BodyHandle {
  state(decode: boolean): BodyState | undefined
  load(opts?: BodyLoad): Promise<void>
}

/**
 * A message's parts tied to the connection's bytes: a part chosen is shown in every byte
 * view, and its raw head is read from the capture. Without links, parts are plain text.
 */
export interface ByteLinks {
  isShown(range: ByteRange): boolean
  show(range: ByteRange): void
  head(range: ByteRange): { bytes?: Uint8Array; error?: string } | undefined
  loadHead(range: ByteRange): Promise<void>
}
