// What to send, as a value every front end can build: text in an encoding (with escapes),
// hex, or a file, plus an optional checksum and line ending. src/core/payload turns it
// into bytes.

import { bool, obj, oneOf, optional, str, type Infer } from '../schema'
import { ENCODING_LABELS, ENCODINGS } from '../text-encodings'
import { CHECKSUM_KINDS } from './checksums'

/** Text is written in one of the encodings (text-encodings.ts), or as base64 (only for what is sent). */
export const TEXT_ENCODINGS = [...ENCODINGS, 'base64'] as const
export type TextEncoding = (typeof TEXT_ENCODINGS)[number]
/** The name to show, the same in every language (and as the views show it). */
export const textEncodingLabel = (e: TextEncoding): string => (e === 'base64' ? 'Base64' : ENCODING_LABELS[e])
export const LINE_ENDINGS = ['none', 'lf', 'crlf'] as const
export type LineEnding = (typeof LINE_ENDINGS)[number]

export const payloadSpec = obj({
  /** `text`: `data` is text; `hex`: hex digits; `file`: a path whose bytes are sent. */
  kind: oneOf(['text', 'hex', 'file'] as const),
  data: str({ max: 64 * 1024 * 1024 }),
  encoding: optional(oneOf(TEXT_ENCODINGS)),
  /** Interpret \r \n \t \0 \xHH \\ in text (default true). */
  escapes: optional(bool()),
  /** Appended after the data (and after the checksum). */
  eol: optional(oneOf(LINE_ENDINGS)),
  /** Appended after the data: computed over the data bytes. */
  checksum: optional(oneOf(CHECKSUM_KINDS as readonly ['none', 'sum8', 'xor8', 'crc16-modbus', 'crc32']))
})
export type PayloadSpec = Infer<typeof payloadSpec>

export const EOL_BYTES: Record<LineEnding, Uint8Array> = {
  none: new Uint8Array(0),
  lf: Uint8Array.of(0x0a),
  crlf: Uint8Array.of(0x0d, 0x0a)
}
