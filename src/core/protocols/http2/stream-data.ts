// One stream's DATA in one direction of an HTTP/2 connection, read again from a frame's
// start: how an HTTP/2 body's content past the DATA frames its message lists
// (MAX_H2_DATA_RANGES, HttpBody.unlisted) is found, as a chunked body's is from its last
// listed chunk. The frames are read as the decoder read them (its FrameReader, and dataOf
// for the padding), so what is found is the content the decoder counted in the body's size.

import type { Direction } from '../../../shared/direction'
import type { ByteRange } from '../../../shared/protocol-types'
import { dataOf, FrameReader, T_DATA } from './frame-reader'

/** A DATA frame's data, and where its frame starts: a reading may start again there (a new StreamData from `frame`). */
export interface FrameData extends ByteRange {
  frame: number
}

export class StreamData {
  private readonly reader: FrameReader
  private found: FrameData[] = []

  /** `stream`'s DATA in `dir`'s frames from `from` (a frame's first byte), `stream` as that side sent it. */
  constructor(dir: Direction, from: number, stream: number) {
    this.reader = new FrameReader(
      dir,
      from,
      {
        frame: (f) => {
          if (f.type !== T_DATA || f.stream !== stream) return
          const data = dataOf(f)
          if (data !== undefined && data.length > 0) this.found.push({ dir, offset: data.offset, length: data.length, frame: f.offset })
        },
        // The decoder read these bytes before and reported what it found in them.
        problem: () => {}
      },
      false
    )
  }

  /**
   * The next bytes, from stream offset `offset`: the data ranges of the stream's frames that
   * ended in them, in order. A range may begin, or lie whole (its padding ending here), in
   * bytes pushed before: a payload may be 16 MiB, and no earlier bytes are held here.
   */
  push(bytes: Uint8Array, offset: number): FrameData[] {
    this.reader.push(bytes, offset, 0)
    const out = this.found
    this.found = []
    return out
  }
}
