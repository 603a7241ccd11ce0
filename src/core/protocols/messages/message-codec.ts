// What a protocol's message decoder is to the engine: it cuts each direction's stream into
// messages (measure), follows the conversation's state in capture order (note: a phase, a
// reply's command, a result's column names), and describes one message when a person asks
// (describe: a summary line and a field tree). Cutting and noting run over every byte, so
// they stay cheap; describing runs for the messages on screen only. All over Uint8Array:
// no Node, no throw (bad bytes are an error said in a sentence), every size bounded.

import type { Direction } from '../../../shared/capture-types'
import type { MessageField } from '../../../shared/message-types'

/**
 * How long the next message of a direction is, from its first bytes (all that are buffered):
 * - a number: its whole length (it may be more than is buffered yet: then it waits for it);
 * - `{ need }`: too few bytes to tell; ask again once at least `need` are buffered;
 * - `{ error }`: the bytes do not fit. With `length`, that many bytes are one message in
 *   error and cutting goes on after them; without, the rest of the direction is not cut.
 */
export type Measure = number | { need: number } | { error: string; length?: number }

/** What following the conversation says of a message, kept with it in the index. */
export interface MessageNote {
  /** The command or function it names (`SET`, `Query`, `fn 3`), for `cmd:` and lists. */
  command?: string
  /** The index of the message it answers. */
  pair?: number
  /** What describing it needs of the messages before it (a result's column names, a phase), kept by reference. */
  context?: unknown
}

export interface Described {
  summary: string
  fields: MessageField[]
  /** Fields were left out (MESSAGE_MAX_FIELDS). */
  fieldsCut?: boolean
  /** The bytes do not read as this protocol says they should. */
  error?: string
}

/** One connection's cutting and noting state, both directions. */
export interface ConnectionCodec {
  measure(dir: Direction, buf: Uint8Array): Measure
  /** Called with every whole message in the order their first bytes came, `index` its position. */
  note(dir: Direction, msg: Uint8Array, index: number): MessageNote
  /**
   * The stream ended with `buf` left, which measure waited on: how many bytes at its front
   * start no message (said as skipped, `error` why), or undefined when they might (the rest
   * is a message the stream ended inside). Absent: what is left is one such message.
   */
  settle?(dir: Direction, buf: Uint8Array): { error: string; length: number } | undefined
  /**
   * A traffic rule or the script answered (or dropped) the client's message `index` in the
   * target's place: the target never got it, so none of the target's answers is its. Absent:
   * the codec pairs no answers with commands in order.
   */
  answered?(index: number): void
  /**
   * Describes one of this connection's messages, where the codec keeps something of the
   * connection for it (a script's calls past their budget are counted per connection, so a
   * connection reads the same whatever else was decoded first). Absent: MessageCodec.describe.
   */
  describe?(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described
}

export interface MessageCodec {
  /** The framing or protocol's name, as `--frame` takes it (`resp`, `line`, `length`). */
  readonly name: string
  /**
   * A connection's cutting state. `live`: bytes are being held or awaited as they pass (a
   * breakpoint's framing, a replay's answers), where waiting on bytes that may start a
   * message could hold up a conversation; a codec that would otherwise wait on them to cut
   * the same messages however the stream was split (ksy's resynchronising) gives them up at once.
   */
  open(how?: { live?: boolean }): ConnectionCodec
  /**
   * One message for a person. `msg` holds its first MESSAGE_DECODE_BYTES at most; `length`
   * is its whole length; `complete` is false for a message the stream ended inside.
   */
  describe(dir: Direction, msg: Uint8Array, note: MessageNote, length: number, complete: boolean): Described
  /**
   * A message a person edited, made whole again for its framing: the lengths it declares
   * set to what it now holds (a length prefix, RESP's bulk lengths and element counts), so
   * the receiver reads the edit, not the old length's worth of it. An error (one sentence)
   * when the edit cannot be one message. Absent: the framing declares no length (lines, a
   * delimiter), and an edit goes as it is.
   */
  refit?(dir: Direction, edited: Uint8Array): Uint8Array | { error: string }
}
