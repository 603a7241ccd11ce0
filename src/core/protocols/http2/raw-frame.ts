// One HTTP/2 frame as read from a direction of a connection (frame-reader.ts reads them):
// its header's fields, where it starts in its stream, and its payload (but DATA's, which is
// a range to skip). The decoders' options (stream-decoder.ts) hand each one to the Frames
// view as it is read, so both use this and neither the other.

import type { Direction } from '../../../shared/direction'

export interface RawFrame {
  dir: Direction
  type: number
  flags: number
  stream: number
  /** The payload's declared length. */
  length: number
  /** The stream offset of the frame's first header byte. */
  offset: number
  /** Wall-clock ms of the chunk holding its first byte. */
  time: number
  /** The payload, for every type but DATA; absent when it was too long to keep (skipped, with a problem). */
  payload?: Uint8Array
  /** DATA: its pad length (0 when not PADDED). */
  padLength?: number
}
